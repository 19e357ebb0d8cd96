"""How a request asks its text to be written: its length and its tone.

Two linear classifiers (:class:`~bot.textclassifier.TextClassifier`) read a request: its
``length`` (``short``: one chat bubble, or ``full``) and its ``tone`` (``polite``,
``firm``, ``other``: the same text in other words, or ``keep``). They are trained on
``data/drafts/style.yml`` (requests written by a helper who never saw a test set) and, as
texts that ask for no style, on the dialogue-act and clause examples that are not
requests. A class other than the default is taken when it ranks first and its margin
reaches the threshold; C and both thresholds are chosen by cross-validation on that
training data alone (``make tune``) and kept in ``data/drafts/style_model.yml``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

LENGTHS = ("short", "full")
TONES = ("polite", "firm", "other", "keep")
DEFAULT_LENGTH, DEFAULT_TONE = "full", "keep"
C_GRID = (0.1, 0.3, 1.0)
THRESHOLD_GRID = tuple(round(-1.2 + 0.1 * step, 1) for step in range(19))  # -1.2 … 0.6


class StyleError(DataFileError):
    """The draft-style data or settings cannot be used."""


@dataclass(frozen=True)
class StyleSettings:
    """The model's C and the thresholds, chosen by cross-validation."""

    c: float
    length_threshold: float
    tone_threshold: float
    cv_length_accuracy: float
    cv_tone_accuracy: float


@dataclass(frozen=True)
class StyleData:
    settings: StyleSettings
    texts: tuple[str, ...]
    lengths: tuple[str, ...]
    tones: tuple[str, ...]


@dataclass(frozen=True)
class DraftStyle:
    """How one request asks its text to be written."""

    length: str = DEFAULT_LENGTH
    tone: str = DEFAULT_TONE

    @property
    def variant(self) -> str | None:
        """``short`` or ``rewrite`` (the same text in other words), or None."""
        if self.length == "short":
            return "short"
        return "rewrite" if self.tone == "other" else None

    @property
    def wanted_tone(self) -> str | None:
        """``polite`` or ``firm`` when the words ask for one."""
        return self.tone if self.tone in ("polite", "firm") else None

    @property
    def asks(self) -> bool:
        """Whether the words ask for any length or tone."""
        return self.length != DEFAULT_LENGTH or self.tone != DEFAULT_TONE


def load_style_data(folder: Path) -> StyleData:
    """Read and validate ``style_model.yml`` and ``style.yml`` in ``folder``."""
    settings_path, data_path = Path(folder) / "style_model.yml", Path(folder) / "style.yml"
    raw = read_yaml(settings_path, StyleError)
    try:
        settings = StyleSettings(float(raw["c"]), float(raw["length_threshold"]),
                                 float(raw["tone_threshold"]), float(raw["cv_length_accuracy"]),
                                 float(raw["cv_tone_accuracy"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise StyleError(settings_path, "(file)", "c, length_threshold, tone_threshold, "
                         f"cv_length_accuracy, cv_tone_accuracy are numbers: {exc}") from None
    if settings.c <= 0:
        raise StyleError(settings_path, "c", "must be > 0")
    items = read_yaml(data_path, StyleError)
    if not isinstance(items, list):
        raise StyleError(data_path, "(file)", "a list of {text, length, tone}")
    texts, lengths, tones = [], [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise StyleError(data_path, f"entry {number}", "needs a non-empty text")
        if item.get("length") not in LENGTHS:
            raise StyleError(data_path, f"entry {number}", f"length must be one of {LENGTHS}")
        if item.get("tone") not in TONES:
            raise StyleError(data_path, f"entry {number}", f"tone must be one of {TONES}")
        texts.append(str(item["text"]))
        lengths.append(str(item["length"]))
        tones.append(str(item["tone"]))
    for name, values, allowed in (("length", lengths, LENGTHS), ("tone", tones, TONES)):
        missing = sorted(set(allowed) - set(values))
        if missing:
            raise StyleError(data_path, "(file)", f"no examples of {name} {missing}")
    return StyleData(settings, tuple(texts), tuple(lengths), tuple(tones))


def training_set(data: StyleData, plain: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """The requests and the ``plain`` texts (no request: full length, tone kept), as
    (texts, lengths, tones)."""
    texts = list(data.texts) + list(plain)
    return (texts, list(data.lengths) + [DEFAULT_LENGTH] * len(plain),
            list(data.tones) + [DEFAULT_TONE] * len(plain))


def _decide(classes: list[str], row: np.ndarray, default: str, threshold: float) -> str:
    best = int(np.argmax(row))
    if classes[best] != default and row[best] >= threshold:
        return classes[best]
    return default


def _best_threshold(classes: list[str], margins: np.ndarray, labels: list[str],
                    default: str) -> tuple[float, float]:
    best = (0.0, -1.0)
    for threshold in THRESHOLD_GRID:
        accuracy = float(np.mean([_decide(classes, row, default, threshold) == label
                                  for row, label in zip(margins, labels, strict=True)]))
        if accuracy > best[1]:
            best = (threshold, round(accuracy, 4))
    return best


def choose_settings(data: StyleData, plain: Sequence[str], prepare: Callable[[str], str],
                    words: Tokenize | None, folds: int = 5) -> StyleSettings:
    """C and both thresholds with the best out-of-fold accuracy (length and tone summed)."""
    texts, lengths, tones = training_set(data, plain)
    texts = [prepare(text) for text in texts]
    best: tuple[float, StyleSettings] | None = None
    for c in C_GRID:
        def make(c: float = c) -> TextClassifier:
            return TextClassifier(c=c, words=words, balanced=True)

        length_classes, length_margins = cross_validated(make, texts, lengths, folds=folds)
        tone_classes, tone_margins = cross_validated(make, texts, tones, folds=folds)
        length_at, length_accuracy = _best_threshold(length_classes, length_margins, lengths,
                                                     DEFAULT_LENGTH)
        tone_at, tone_accuracy = _best_threshold(tone_classes, tone_margins, tones,
                                                 DEFAULT_TONE)
        value = length_accuracy + tone_accuracy
        if best is None or value > best[0]:
            best = (value, StyleSettings(c, length_at, tone_at, length_accuracy,
                                         tone_accuracy))
    assert best is not None
    return best[1]


class StyleModel:
    """The trained reader of a request's length and tone."""

    def __init__(self, data: StyleData, plain: Sequence[str], prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.prepare, self.settings = prepare, data.settings
        texts, lengths, tones = training_set(data, plain)
        texts = [prepare(text) for text in texts]
        self.lengths = TextClassifier(c=data.settings.c, words=words, balanced=True).fit(
            texts, lengths)
        self.tones = TextClassifier(c=data.settings.c, words=words, balanced=True).fit(
            texts, tones)

    def read(self, text: str) -> DraftStyle:
        """The length and tone the words ask for (the defaults when they ask none)."""
        prepared = self.prepare(text or "")
        if not prepared:
            return DraftStyle()
        length = _decide(self.lengths.classes, self.lengths.scores([prepared])[0],
                         DEFAULT_LENGTH, self.settings.length_threshold)
        tone = _decide(self.tones.classes, self.tones.scores([prepared])[0], DEFAULT_TONE,
                       self.settings.tone_threshold)
        return DraftStyle(length, tone)
