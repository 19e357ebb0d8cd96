"""What one clause of a chat message is: a fact of the story, or not, by a trained model.

A written text (a draft, the case file) tells the user's story in the user's words, but
only the facts: a question ("小二放假吗"), a feeling, a request to the assistant or a filler
never goes into it. :class:`ClauseModel` is a :class:`~bot.textclassifier.TextClassifier`
over the kinds of ``clause_model.yml`` (fact, question, feeling, request, filler), trained
on ``data/understanding/clauses/`` (clauses written by helpers who never saw a test set).
A clause is kept as a fact when its fact margin reaches the threshold that
:func:`choose_settings` picked by cross-validation: a non-fact in a signed text costs
twice what a fact left out does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

FACT = "fact"
C_GRID = (0.3, 1.0, 3.0)
THRESHOLD_GRID = tuple(round(0.1 * i, 1) for i in range(-10, 9))
WRONG_KEEP_COST = 2.0  # a non-fact kept in a signed text, against a fact left out


class ClauseDataError(DataFileError):
    """The clause data or settings cannot be used."""


@dataclass(frozen=True)
class ClauseSettings:
    """The kinds, the model's C and the fact threshold, chosen by cross-validation."""

    kinds: tuple[str, ...]
    c: float
    threshold: float
    cv_fact_recall: float  # out-of-fold share of facts kept
    cv_fact_precision: float  # out-of-fold share of kept clauses that are facts


@dataclass(frozen=True)
class ClauseData:
    settings: ClauseSettings
    texts: tuple[str, ...]
    kinds: tuple[str, ...]


def load_clause_data(folder: Path) -> ClauseData:
    """Read and validate ``clause_model.yml`` and every file of ``clauses/`` in ``folder``."""
    settings_path = Path(folder) / "clause_model.yml"
    raw = read_yaml(settings_path, ClauseDataError)
    try:
        kinds = tuple(str(k) for k in raw["kinds"])
        settings = ClauseSettings(kinds, float(raw["c"]), float(raw["threshold"]),
                                  float(raw["cv_fact_recall"]), float(raw["cv_fact_precision"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ClauseDataError(settings_path, "(file)",
                              f"kinds, c, threshold, cv_fact_recall, cv_fact_precision: {exc}"
                              ) from None
    if FACT not in kinds or settings.c <= 0:
        raise ClauseDataError(settings_path, "kinds", f"must hold {FACT!r}; c > 0")
    texts, labels = [], []
    files = sorted((Path(folder) / "clauses").glob("*.yml"))
    if not files:
        raise ClauseDataError(Path(folder) / "clauses", "(folder)", "no clause files")
    for path in files:
        items = read_yaml(path, ClauseDataError)
        if not isinstance(items, list):
            raise ClauseDataError(path, "(file)", "a list of {text, label}")
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not str(item.get("text") or "").strip():
                raise ClauseDataError(path, f"entry {number}", "needs a non-empty text")
            if item.get("label") not in kinds:
                raise ClauseDataError(path, f"entry {number}", f"label must be one of {kinds}")
            texts.append(str(item["text"]))
            labels.append(str(item["label"]))
    missing = sorted(set(kinds) - set(labels))
    if missing:
        raise ClauseDataError(Path(folder) / "clauses", "(folder)", f"no examples of {missing}")
    return ClauseData(settings, tuple(texts), tuple(labels))


def _fact_column(classes: list[str]) -> int:
    return classes.index(FACT)


def choose_settings(data: ClauseData, prepare: Callable[[str], str], words: Tokenize | None,
                    folds: int = 5) -> ClauseSettings:
    """C and the fact threshold with the best out-of-fold utility: +1 for a fact kept,
    -WRONG_KEEP_COST for a non-fact kept, 0 for a clause left out."""
    texts = [prepare(text) for text in data.texts]
    is_fact = np.array([kind == FACT for kind in data.kinds])
    best: tuple[float, ClauseSettings] | None = None
    for c in C_GRID:
        classes, margins = cross_validated(partial(TextClassifier, c=c, words=words),
                                           texts, list(data.kinds), folds=folds)
        column = margins[:, _fact_column(classes)]
        for threshold in THRESHOLD_GRID:
            kept = column >= threshold
            right, wrong = int(np.sum(kept & is_fact)), int(np.sum(kept & ~is_fact))
            value = (right - WRONG_KEEP_COST * wrong) / len(texts)
            if best is None or value > best[0]:
                best = (value, ClauseSettings(
                    data.settings.kinds, c, threshold,
                    round(right / max(1, int(is_fact.sum())), 4),
                    round(right / max(1, right + wrong), 4)))
    assert best is not None
    return best[1]


class ClauseModel:
    """The trained clause reader."""

    def __init__(self, data: ClauseData, prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.prepare, self.threshold = prepare, data.settings.threshold
        self.classifier = TextClassifier(c=data.settings.c, words=words).fit(
            [prepare(text) for text in data.texts], list(data.kinds))
        self.column = _fact_column(self.classifier.classes)

    def kind(self, text: str) -> str:
        """The clause's most likely kind (fact, question, feeling, request, filler)."""
        row = self.classifier.scores([self.prepare(text)])[0]
        return self.classifier.classes[int(row.argmax())]

    def is_fact(self, text: str) -> bool:
        """Whether the clause is a fact of the story (past the chosen threshold)."""
        return bool(self.classifier.scores([self.prepare(text)])[0][self.column]
                    >= self.threshold)
