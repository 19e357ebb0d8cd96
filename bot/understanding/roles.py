"""The user's own role (buyer or shop) as a message's words imply it, by a trained model.

The lexicon's role cues (我们店, 我是买家…) settle the role when the user says it; most posts
only imply it ("买家拿差评要挟我", "收到的鞋开胶了"). :class:`RoleModel` reads those: a
:class:`~bot.textclassifier.TextClassifier` over buyer, seller and ``neutral``, trained on
data written by helpers who never saw a test set: ``data/understanding/roles.yml``
(stories, posts, questions and replies by buyers and shops, most implying the role without
saying it, and messages either side could write), the paraphrases of the knowledge
families asked by one role only (the family's role), and the dialogue-act examples that
carry no role (short replies, feelings, thanks, asides, requests) as ``neutral``. A role
is taken when it ranks first and its margin reaches the threshold that
:func:`choose_settings` picked by cross-validation
(``data/understanding/role_model.yml``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.knowledge.families import Knowledge
from bot.textclassifier import TextClassifier, Tokenize, cross_validated
from bot.understanding.acts import ActData

NEUTRAL = "neutral"
LABELS = ("buyer", "seller", NEUTRAL)
ROLE_FREE_ACTS = frozenset({"yes", "no", "feeling", "aside", "thanks", "request"})
C_GRID = (0.3, 1.0)
THRESHOLD_GRID = tuple(round(0.1 * i, 1) for i in range(-10, 9))


class RoleModelError(DataFileError):
    """The role model's settings cannot be used."""


@dataclass(frozen=True)
class RoleSettings:
    """The model's C and acceptance margin, chosen by cross-validation."""

    c: float
    threshold: float
    cv_recall: float  # out-of-fold share of role-bearing examples read right
    cv_wrong: float  # out-of-fold share of all examples given a wrong role


def load_role_settings(path: Path) -> RoleSettings:
    """Read and validate ``role_model.yml``."""
    raw = read_yaml(path, RoleModelError)
    try:
        settings = RoleSettings(c=float(raw["c"]), threshold=float(raw["threshold"]),
                                cv_recall=float(raw["cv_recall"]),
                                cv_wrong=float(raw["cv_wrong"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RoleModelError(path, "(file)", f"c, threshold, cv_recall, cv_wrong: {exc}"
                             ) from None
    if settings.c <= 0 or not -5.0 < settings.threshold < 5.0:
        raise RoleModelError(path, "threshold", "a margin between -5 and 5, and c > 0")
    return settings


@dataclass(frozen=True)
class RoleData:
    """The chosen settings and the messages written for the role reader."""

    settings: RoleSettings
    texts: tuple[str, ...]
    roles: tuple[str, ...]


def load_role_data(folder: Path) -> RoleData:
    """Read and validate ``role_model.yml`` and ``roles.yml`` in ``folder``."""
    settings = load_role_settings(Path(folder) / "role_model.yml")
    path = Path(folder) / "roles.yml"
    items = read_yaml(path, RoleModelError)
    if not isinstance(items, list):
        raise RoleModelError(path, "(file)", "a list of {text, role}")
    texts, roles = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise RoleModelError(path, f"entry {number}", "needs a non-empty text")
        if item.get("role") not in LABELS:
            raise RoleModelError(path, f"entry {number}",
                                 f"role must be one of {', '.join(LABELS)}, "
                                 f"not {item.get('role')!r}")
        texts.append(str(item["text"]))
        roles.append(str(item["role"]))
    return RoleData(settings, tuple(texts), tuple(roles))


def training_examples(knowledge: Knowledge, acts: ActData, data: RoleData,
                      prepare: Callable[[str], str]) -> tuple[list[str], list[str]]:
    """(texts, labels): the role reader's own messages, one-role families' questions under
    their role, role-free acts under ``neutral``."""
    texts = [prepare(text) for text in data.texts]
    labels = list(data.roles)
    for family in knowledge.families:
        if len(family.roles) == 1:
            role = next(iter(family.roles))
            for text in (family.question, *family.paraphrases):
                texts.append(prepare(text))
                labels.append(role)
    for example in acts.examples:
        if example.act in ROLE_FREE_ACTS:
            texts.append(prepare(example.text))
            labels.append(NEUTRAL)
    return texts, labels


def decide(classes: Sequence[str], row: np.ndarray, threshold: float) -> str | None:
    """The role a row of margins names, or None (neutral, or below the threshold)."""
    best = int(np.argmax(row))
    return classes[best] if classes[best] != NEUTRAL and row[best] >= threshold else None


def choose_settings(knowledge: Knowledge, acts: ActData, data: RoleData,
                    prepare: Callable[[str], str], words: Tokenize | None, folds: int = 5
                    ) -> RoleSettings:
    """C and the threshold with the best out-of-fold utility: +1 for the right role, -1 for
    a wrong one (a wrong role misleads the whole answer), 0 for none (the assistant asks)."""
    texts, labels = training_examples(knowledge, acts, data, prepare)
    best: tuple[float, RoleSettings] | None = None
    for c in C_GRID:
        classes, margins = cross_validated(partial(TextClassifier, c=c, words=words),
                                           texts, labels, folds=folds)
        for threshold in THRESHOLD_GRID:
            said = [decide(classes, row, threshold) for row in margins]
            right = sum(s is not None and s == label for s, label in zip(said, labels, strict=True))
            wrong = sum(s is not None and s != label for s, label in zip(said, labels, strict=True))
            value = (right - wrong) / len(labels)
            if best is None or value > best[0]:
                roles = sum(label != NEUTRAL for label in labels)
                best = (value, RoleSettings(c=c, threshold=threshold,
                                            cv_recall=round(right / roles, 4),
                                            cv_wrong=round(wrong / len(labels), 4)))
    assert best is not None
    return best[1]


class RoleModel:
    """The trained role reader."""

    def __init__(self, knowledge: Knowledge, acts: ActData, data: RoleData,
                 prepare: Callable[[str], str], words: Tokenize | None = None) -> None:
        self.prepare, self.threshold = prepare, data.settings.threshold
        texts, labels = training_examples(knowledge, acts, data, prepare)
        self.classifier = TextClassifier(c=data.settings.c, words=words).fit(texts, labels)

    def role(self, text: str) -> str | None:
        """``buyer`` or ``seller`` when the words imply it past the threshold, else None."""
        row = self.classifier.scores([self.prepare(text)])[0]
        return decide(self.classifier.classes, row, self.threshold)
