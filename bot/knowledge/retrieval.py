"""Which knowledge-base families a message asks, by a model trained on the paraphrases.

:class:`KnowledgeModel` is a :class:`~bot.textclassifier.CharNgramClassifier` over every
family's paraphrases plus a ``none`` class (``none.yml``: facts, short replies, requests).
A message is read whole and sentence by sentence (a post tells a story and asks at the
end); a family is asked when it ranks first and its margin reaches the threshold that
:func:`choose_settings` picked by cross-validation on the training data alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from bot.knowledge.families import Family, Knowledge, ModelSettings
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

NONE = "none"
# Sentence ends, and the spaces people type between clauses on a phone instead of commas.
SENTENCE_BREAK = re.compile(r"[。！？?!；;\n]+|\s+")
MAX_ANSWERS = 2
SECOND_MARGIN = 0.0  # a second family (another sentence's question) only past the boundary
C_GRID = (0.3, 1.0)
THRESHOLD_GRID = tuple(round(0.1 * i, 1) for i in range(-15, 9))


@dataclass(frozen=True)
class Match:
    """A family a message asks, with the model's margin."""

    family: Family
    score: float


def training_examples(knowledge: Knowledge, prepare: Callable[[str], str]
                      ) -> tuple[list[str], list[str]]:
    """(texts, labels): every paraphrase and canonical question, and the non-questions."""
    texts, labels = [], []
    for family in knowledge.families:
        for text in (family.question, *family.paraphrases):
            texts.append(prepare(text))
            labels.append(family.id)
    for text in knowledge.none_texts:
        texts.append(prepare(text))
        labels.append(NONE)
    return texts, labels


def decide(classes: Sequence[str], row: np.ndarray, threshold: float) -> str:
    """The family a row of margins names, or ``none`` below the threshold."""
    best = int(np.argmax(row))
    return classes[best] if classes[best] != NONE and row[best] >= threshold else NONE


def utility(said: str, label: str) -> float:
    """What an answer is worth: the right family or an honest none +1, a wrong family -1
    (a wrong answer misleads; "not covered" when a family was right only fails to help)."""
    if said == label:
        return 1.0
    return -1.0 if said != NONE else 0.0


def choose_settings(knowledge: Knowledge, prepare: Callable[[str], str],
                    words: Tokenize | None, folds: int = 5) -> ModelSettings:
    """C and the threshold that maximize the out-of-fold :func:`utility`; the accuracy
    (family or none) at that choice is kept beside them."""
    texts, labels = training_examples(knowledge, prepare)
    best: tuple[float, ModelSettings] | None = None
    for c, balanced in ((c, b) for c in C_GRID for b in (False, True)):
        classes, margins = cross_validated(
            partial(TextClassifier, c=c, words=words, balanced=balanced),
            texts, labels, folds=folds)
        for threshold in THRESHOLD_GRID:
            said = [decide(classes, row, threshold) for row in margins]
            value = sum(map(utility, said, labels)) / len(labels)
            accuracy = sum(map(str.__eq__, said, labels)) / len(labels)
            if best is None or value > best[0]:
                best = (value, ModelSettings(c=c, threshold=threshold, folds=folds,
                                             cv_accuracy=round(accuracy, 4),
                                             balanced=balanced))
    assert best is not None
    return best[1]


def segments(text: str) -> list[str]:
    """The whole message and, when it has several, its sentences."""
    parts = [part.strip() for part in SENTENCE_BREAK.split(text) if len(part.strip()) >= 4]
    return [text] + (parts if len(parts) > 1 else [])


class KnowledgeModel:
    """The trained retrieval model of one knowledge base."""

    def __init__(self, knowledge: Knowledge, prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.knowledge, self.prepare = knowledge, prepare
        texts, labels = training_examples(knowledge, prepare)
        self.classifier = TextClassifier(c=knowledge.settings.c, words=words,
                                         balanced=knowledge.settings.balanced
                                         ).fit(texts, labels)
        self.threshold = knowledge.settings.threshold

    def ranking(self, text: str) -> list[tuple[str, float]]:
        """Every class of the whole message, most probable first (for the console)."""
        row = self.classifier.scores([self.prepare(text)])[0]
        classes = self.classifier.classes
        return [(classes[i], float(row[i])) for i in np.argsort(-row)]

    def asked(self, text: str, role: str | None = None, case_type: str | None = None
              ) -> list[Match]:
        """The families the message asks, read whole and sentence by sentence."""
        return self.asked_among(segments(text), role, case_type)

    def asked_among(self, pieces: Sequence[str], role: str | None = None,
                    case_type: str | None = None) -> list[Match]:
        """The families the pieces ask (at most two, best first), preferring, among a
        piece's top three, a family that fits the case's role and type."""
        if not pieces:
            return []
        rows = self.classifier.scores([self.prepare(p) for p in pieces])
        classes = self.classifier.classes
        found: dict[str, float] = {}
        for row in rows:
            top = [i for i in np.argsort(-row)[:3] if row[i] >= self.threshold]
            if not top or classes[top[0]] == NONE:
                continue
            fitting = [i for i in top if classes[i] != NONE
                       and self.knowledge.family(classes[i]).applies_to(role, case_type)]
            pick = fitting[0] if fitting else top[0]
            name = classes[pick]
            found[name] = max(found.get(name, float("-inf")), float(row[pick]))
        ranked = sorted(found.items(), key=lambda item: -item[1])[:MAX_ANSWERS]
        ranked = ranked[:1] + [(name, score) for name, score in ranked[1:]
                               if score >= SECOND_MARGIN]
        return [Match(self.knowledge.family(name), score) for name, score in ranked]
