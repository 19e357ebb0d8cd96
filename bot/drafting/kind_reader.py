"""Which kind of text a request names, read as a person reads it.

A request names its text by what it is for or who reads it ("the statement for the
police" is the police report, though "statement" is the platform statement's cue), which
the order of cue words misreads. When the words hold cues of several kinds, this reader
decides among them (:func:`bot.drafting.request.read_request`). A linear classifier
(:class:`~bot.textclassifier.TextClassifier`) ranks the draft kinds of
``data/drafts/kinds.yml`` for the request's words, plus ``none`` for words that name no
kind (the act and clause examples that are not requests). It is trained on
``data/drafts/kind_requests.yml`` (written by a helper who never saw a test set). A kind is
ranked when it ranks above ``none`` and its margin reaches the threshold; C and the
threshold are chosen by cross-validation on that data alone (``make tune``,
``kind_model.yml``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

NONE = "none"
C_GRID = (1.0, 3.0, 10.0)
THRESHOLD_GRID = tuple(round(-3.0 + 0.25 * step, 2) for step in range(14))  # -3.0 … 0.25


class KindReaderError(DataFileError):
    """The kind reader's data or settings cannot be used."""


@dataclass(frozen=True)
class KindSettings:
    c: float
    threshold: float
    cv_accuracy: float  # out of fold, requests and texts that name no kind together
    cv_request_accuracy: float  # out of fold, the requests alone


@dataclass(frozen=True)
class KindData:
    settings: KindSettings
    texts: tuple[str, ...]
    kinds: tuple[str, ...]


def load_kind_data(folder: Path, known: Collection[str]) -> KindData:
    """Read and validate ``kind_model.yml`` and ``kind_requests.yml`` in ``folder``; every
    kind must be one of ``known``."""
    settings_path = Path(folder) / "kind_model.yml"
    data_path = Path(folder) / "kind_requests.yml"
    raw = read_yaml(settings_path, KindReaderError)
    try:
        settings = KindSettings(float(raw["c"]), float(raw["threshold"]),
                                float(raw["cv_accuracy"]), float(raw["cv_request_accuracy"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise KindReaderError(settings_path, "(file)", "c, threshold, cv_accuracy, "
                              f"cv_request_accuracy are numbers: {exc}") from None
    if settings.c <= 0:
        raise KindReaderError(settings_path, "c", "must be > 0")
    items = read_yaml(data_path, KindReaderError)
    if not isinstance(items, list):
        raise KindReaderError(data_path, "(file)", "a list of {text, kind}")
    texts, kinds = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise KindReaderError(data_path, f"entry {number}", "needs a non-empty text")
        if item.get("kind") not in known:
            raise KindReaderError(data_path, f"entry {number}",
                                  f"unknown kind {item.get('kind')!r}")
        texts.append(str(item["text"]))
        kinds.append(str(item["kind"]))
    missing = sorted(set(known) - set(kinds))
    if missing:
        raise KindReaderError(data_path, "(file)", f"no examples of {missing}")
    return KindData(settings, tuple(texts), tuple(kinds))


def _named(classes: list[str], row: np.ndarray, threshold: float) -> str:
    best = int(np.argmax(row))
    if classes[best] != NONE and row[best] >= threshold:
        return classes[best]
    return NONE


def choose_settings(data: KindData, plain: Sequence[str], prepare: Callable[[str], str],
                    words: Tokenize | None, folds: int = 5) -> KindSettings:
    """C and the threshold with the best out-of-fold accuracy over the requests and the
    ``plain`` texts (which name no kind)."""
    texts = [prepare(text) for text in (*data.texts, *plain)]
    labels = [*data.kinds, *[NONE] * len(plain)]
    requests = len(data.texts)
    best: tuple[float, KindSettings] | None = None
    for c in C_GRID:
        classes, margins = cross_validated(partial(TextClassifier, c=c, words=words),
                                           texts, labels, folds=folds)
        for threshold in THRESHOLD_GRID:
            named = [_named(classes, row, threshold) for row in margins]
            right = [got == want for got, want in zip(named, labels, strict=True)]
            accuracy = float(np.mean(right))
            if best is None or accuracy > best[0]:
                best = (accuracy, KindSettings(c, threshold, round(accuracy, 4),
                                               round(float(np.mean(right[:requests])), 4)))
    assert best is not None
    return best[1]


class KindModel:
    """The trained reader of the kind a request names."""

    def __init__(self, data: KindData, plain: Sequence[str], prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.prepare, self.settings = prepare, data.settings
        texts = [prepare(text) for text in (*data.texts, *plain)]
        self.classifier = TextClassifier(c=data.settings.c, words=words).fit(
            texts, [*data.kinds, *[NONE] * len(plain)])

    def ranking(self, text: str) -> list[tuple[str, float]]:
        """The kinds the words may name, best first, each with its margin: empty when the
        words name none (``none`` ranks first, or the best margin is under the threshold)."""
        prepared = self.prepare(text or "")
        if not prepared:
            return []
        row = self.classifier.scores([prepared])[0]
        classes = self.classifier.classes
        if _named(classes, row, self.settings.threshold) == NONE:
            return []
        order = [int(i) for i in np.argsort(-row)]
        return [(classes[i], float(row[i])) for i in order if classes[i] != NONE]
