"""Which kind of text a request names, read as a person reads it.

A request names its text by what it is for or who reads it ("the statement for the
police" is the police report, though "statement" is the platform statement's cue), and a
request may mention another step as a threat ("write to the seller that I'll go to
12315"), which cue words misread. A linear classifier
(:class:`~bot.textclassifier.TextClassifier`) ranks the draft kinds of
``data/drafts/kinds.yml`` for a request's words, plus ``none`` for requests that name no
kind ("write it for me", "another one, firmer": the case decides). It is trained on
``data/drafts/kind_requests.yml`` (written by helpers who never saw a test set). A kind is
ranked when it ranks above ``none`` and its margin reaches the threshold; C and the
threshold are chosen by cross-validation on that data alone (``make tune``,
``kind_model.yml``). It reads a request without its mentions of another step, as the cue
words are read (:func:`bot.drafting.request.without_mentions`).
:func:`bot.drafting.request.read_request` takes the best-ranked kind
written for the case; when the reader names none, the cue words decide.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

NONE = "none"
C_GRID = (1.0, 3.0, 10.0)
THRESHOLD_GRID = tuple(round(-3.0 + 0.25 * step, 2) for step in range(14))  # -3.0 … 0.25
CUE_MARGIN_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 99.0)  # 99: the cues decide


class KindReaderError(DataFileError):
    """The kind reader's data or settings cannot be used."""


@dataclass(frozen=True)
class KindSettings:
    c: float
    threshold: float
    cue_margin: float  # the reader decides when its kind ranks this far above the cues'
    cv_accuracy: float  # out of fold, every request (naming a kind or none)
    cv_request_accuracy: float  # out of fold, the requests that name a kind


@dataclass(frozen=True)
class KindData:
    settings: KindSettings
    texts: tuple[str, ...]
    kinds: tuple[str, ...]


def load_kind_data(folder: Path, known: Collection[str]) -> KindData:
    """Read and validate ``kind_model.yml`` and ``kind_requests.yml`` in ``folder``; every
    kind must be one of ``known`` or ``none``."""
    settings_path = Path(folder) / "kind_model.yml"
    data_path = Path(folder) / "kind_requests.yml"
    raw = read_yaml(settings_path, KindReaderError)
    try:
        settings = KindSettings(float(raw["c"]), float(raw["threshold"]),
                                float(raw["cue_margin"]), float(raw["cv_accuracy"]),
                                float(raw["cv_request_accuracy"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise KindReaderError(settings_path, "(file)", "c, threshold, cue_margin, "
                              f"cv_accuracy, cv_request_accuracy are numbers: {exc}") from None
    if settings.c <= 0:
        raise KindReaderError(settings_path, "c", "must be > 0")
    items = read_yaml(data_path, KindReaderError)
    if not isinstance(items, list):
        raise KindReaderError(data_path, "(file)", "a list of {text, kind}")
    texts, kinds = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise KindReaderError(data_path, f"entry {number}", "needs a non-empty text")
        if item.get("kind") not in {*known, NONE}:
            raise KindReaderError(data_path, f"entry {number}",
                                  f"unknown kind {item.get('kind')!r}")
        texts.append(str(item["text"]))
        kinds.append(str(item["kind"]))
    missing = sorted({*known, NONE} - set(kinds))
    if missing:
        raise KindReaderError(data_path, "(file)", f"no examples of {missing}")
    return KindData(settings, tuple(texts), tuple(kinds))


def _named(classes: list[str], row: np.ndarray, threshold: float) -> str:
    best = int(np.argmax(row))
    if classes[best] != NONE and row[best] >= threshold:
        return classes[best]
    return NONE


def _decided(classes: list[str], row: np.ndarray, threshold: float, cue: str | None,
             cue_margin: float) -> str:
    """What :func:`bot.drafting.request.read_request` takes: the reader's kind when it
    names one clearly ahead of the cue words' kind, else the cue words' kind, else none."""
    read = _named(classes, row, threshold)
    if cue is None or cue not in classes:
        return read
    if read == NONE or row[classes.index(read)] - row[classes.index(cue)] <= cue_margin:
        return cue
    return read


def choose_settings(data: KindData, prepare: Callable[[str], str], words: Tokenize | None,
                    cue_kind: Callable[[str], str | None], folds: int = 5) -> KindSettings:
    """C, the threshold and the cue margin with the best out-of-fold accuracy over the
    requests (those that name a kind and those that name none), each read as
    ``read_request`` reads it: the reader beside the kind its cue words name
    (``cue_kind``)."""
    texts = [prepare(text) for text in data.texts]
    labels = list(data.kinds)
    cues = [cue_kind(text) for text in data.texts]
    best: tuple[float, KindSettings] | None = None
    for c in C_GRID:
        classes, margins = cross_validated(partial(TextClassifier, c=c, words=words),
                                           texts, labels, folds=folds)
        for threshold in THRESHOLD_GRID:
            for cue_margin in CUE_MARGIN_GRID:
                got = [_decided(classes, row, threshold, cue, cue_margin)
                       for row, cue in zip(margins, cues, strict=True)]
                right = [kind == want for kind, want in zip(got, labels, strict=True)]
                accuracy = float(np.mean(right))
                if best is None or accuracy > best[0]:
                    on_named = [hit for hit, want in zip(right, labels, strict=True)
                                if want != NONE]
                    best = (accuracy, KindSettings(c, threshold, cue_margin,
                                                   round(accuracy, 4),
                                                   round(float(np.mean(on_named)), 4)))
    assert best is not None
    return best[1]


class KindModel:
    """The trained reader of the kind a request names."""

    def __init__(self, data: KindData, prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.prepare, self.settings = prepare, data.settings
        self.classifier = TextClassifier(c=data.settings.c, words=words).fit(
            [prepare(text) for text in data.texts], list(data.kinds))

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
