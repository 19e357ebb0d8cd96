"""Which safety situations a message tells, in whatever words: a threat, fraud, extortion.

The rule book's keyword triggers (``data/rulebook/safety.yml``) catch the plain words (威胁,
冥币, 敲诈); people mostly tell these things otherwise ("我知道你仓库在哪，等着", "不退款就天天
差评投诉你"). Three linear classifiers (:class:`~bot.textclassifier.TextClassifier`), one per
situation, read the message; a situation is raised when its margin reaches its threshold,
and raises the rule book's flags listed for it. They are trained on
``data/understanding/safety.yml`` (written by a helper who never saw a test set, with hard
negatives: 秒杀, 上门取件, a review the user means to leave) and, as messages that tell none,
everyday turns from other training data (short answers, thanks, asides, questions; greetings
and the assistant's own commands). C and each threshold are chosen by cross-validation on
that data alone (``make tune``), with a utility of +1 a situation caught and -1 a needless
safety line (which leads the answer with the police, on a message that told no danger);
they live in ``safety_model.yml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import MappingProxyType

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

YES, NO = "yes", "no"
C_GRID = (0.3, 1.0, 3.0)
THRESHOLD_GRID = tuple(round(-0.8 + 0.1 * step, 1) for step in range(13))  # -0.8 … 0.4
FALSE_ALARM_COST = 1.0  # a needless safety line, against 1 for a situation caught


class SafetyReaderError(DataFileError):
    """The safety reader's data or settings cannot be used."""


@dataclass(frozen=True)
class SafetySettings:
    """Per situation: the rule-book flags it raises and its threshold; the shared C."""

    flags: Mapping[str, tuple[str, ...]]
    thresholds: Mapping[str, float]
    c: float
    cv_recall: Mapping[str, float]
    cv_false_alarms: Mapping[str, float]  # share of messages without it that raise it


@dataclass(frozen=True)
class SafetyData:
    settings: SafetySettings
    texts: tuple[str, ...]
    labels: Mapping[str, tuple[bool, ...]]  # situation -> one truth value per text


def _mapping(raw: object, path: Path, key: str) -> dict:
    if not isinstance(raw, dict):
        raise SafetyReaderError(path, key, "a mapping of situation to its value")
    return raw


def load_safety_data(folder: Path) -> SafetyData:
    """Read and validate ``safety_model.yml`` and ``safety.yml`` in ``folder``."""
    settings_path, data_path = Path(folder) / "safety_model.yml", Path(folder) / "safety.yml"
    raw = read_yaml(settings_path, SafetyReaderError)
    if not isinstance(raw, dict):
        raise SafetyReaderError(settings_path, "(file)", "a mapping")
    flags = _mapping(raw.get("flags"), settings_path, "flags")
    situations = tuple(str(name) for name in flags)
    try:
        settings = SafetySettings(
            flags=MappingProxyType({name: tuple(str(f) for f in flags[name])
                                    for name in situations}),
            thresholds=MappingProxyType({name: float(_mapping(
                raw.get("thresholds"), settings_path, "thresholds")[name])
                for name in situations}),
            c=float(raw["c"]),
            cv_recall=MappingProxyType({name: float(_mapping(
                raw.get("cv_recall"), settings_path, "cv_recall")[name])
                for name in situations}),
            cv_false_alarms=MappingProxyType({name: float(_mapping(
                raw.get("cv_false_alarms"), settings_path, "cv_false_alarms")[name])
                for name in situations}))
    except (KeyError, TypeError, ValueError) as exc:
        raise SafetyReaderError(settings_path, "(file)", "c, and per situation thresholds, "
                                f"cv_recall and cv_false_alarms, as numbers: {exc}") from None
    if not situations or settings.c <= 0:
        raise SafetyReaderError(settings_path, "flags", "at least one situation; c > 0")
    items = read_yaml(data_path, SafetyReaderError)
    if not isinstance(items, list):
        raise SafetyReaderError(data_path, "(file)", "a list of {text, <situation>: bool}")
    texts: list[str] = []
    labels: dict[str, list[bool]] = {name: [] for name in situations}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise SafetyReaderError(data_path, f"entry {number}", "needs a non-empty text")
        for name in situations:
            if not isinstance(item.get(name), bool):
                raise SafetyReaderError(data_path, f"entry {number}",
                                        f"{name} must be true or false")
            labels[name].append(item[name])
        texts.append(str(item["text"]))
    for name, values in labels.items():
        if all(values) or not any(values):
            raise SafetyReaderError(data_path, "(file)", f"{name}: needs examples of both")
    return SafetyData(settings, tuple(texts),
                      MappingProxyType({name: tuple(v) for name, v in labels.items()}))


def check_flags(data: SafetyData, known: set[str], path: Path) -> None:
    """Every flag a situation raises is one of the rule book's."""
    for name, flags in data.settings.flags.items():
        unknown = [flag for flag in flags if flag not in known]
        if unknown:
            raise SafetyReaderError(path, f"flags.{name}",
                                    f"unknown rule-book safety flag {unknown[0]!r}")


def _yes_column(classes: list[str]) -> int:
    return classes.index(YES)


def _truth(data: SafetyData, plain: Sequence[str]) -> dict[str, list[bool]]:
    return {name: [*values, *[False] * len(plain)] for name, values in data.labels.items()}


def choose_settings(data: SafetyData, plain: Sequence[str], prepare: Callable[[str], str],
                    words: Tokenize | None, folds: int = 5) -> SafetySettings:
    """C and per-situation thresholds with the best out-of-fold utility: +1 a situation
    caught, -FALSE_ALARM_COST a needless one, 0 a message left alone; ``plain`` are
    messages that tell none."""
    texts = [prepare(text) for text in (*data.texts, *plain)]
    best: tuple[float, SafetySettings] | None = None
    for c in C_GRID:
        thresholds, recall, alarms, total = {}, {}, {}, 0.0
        for name, truth in _truth(data, plain).items():
            answers = [YES if value else NO for value in truth]
            classes, margins = cross_validated(partial(TextClassifier, c=c, words=words),
                                               texts, answers, folds=folds)
            column = margins[:, _yes_column(classes)]
            wanted = np.array(truth)
            chosen = (0.0, -np.inf, 0.0, 0.0)
            for threshold in THRESHOLD_GRID:
                raised = column >= threshold
                caught, false = int(np.sum(raised & wanted)), int(np.sum(raised & ~wanted))
                value = caught - FALSE_ALARM_COST * false
                if value > chosen[1]:
                    chosen = (threshold, value, caught / max(1, int(wanted.sum())),
                              false / max(1, int((~wanted).sum())))
            thresholds[name], recall[name], alarms[name] = (chosen[0], round(chosen[2], 4),
                                                            round(chosen[3], 4))
            total += chosen[1]
        if best is None or total > best[0]:
            best = (total, SafetySettings(data.settings.flags, MappingProxyType(thresholds), c,
                                          MappingProxyType(recall), MappingProxyType(alarms)))
    assert best is not None
    return best[1]


class SafetyModel:
    """The trained safety reader."""

    def __init__(self, data: SafetyData, plain: Sequence[str], prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.prepare, self.settings = prepare, data.settings
        texts = [prepare(text) for text in (*data.texts, *plain)]
        self.models = {name: TextClassifier(c=data.settings.c, words=words).fit(
            texts, [YES if value else NO for value in truth])
            for name, truth in _truth(data, plain).items()}

    def situations(self, text: str) -> tuple[str, ...]:
        """The situations the message tells, in the settings' order."""
        prepared = self.prepare(text or "")
        if not prepared:
            return ()
        found = []
        for name, model in self.models.items():
            margin = float(model.scores([prepared])[0][_yes_column(model.classes)])
            if margin >= self.settings.thresholds[name]:
                found.append(name)
        return tuple(found)

    def flags(self, text: str) -> tuple[str, ...]:
        """The rule book's safety flags the message raises."""
        return tuple(dict.fromkeys(flag for name in self.situations(text)
                                   for flag in self.settings.flags[name]))
