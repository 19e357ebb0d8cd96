"""What a sum of money in a message is, by a trained model: the order's price, a sum
demanded (an extortioner's price, compensation claimed), or another sum (a refund offered,
a fee, a coupon).

The extractor finds the sums (:mod:`bot.understanding.extract`); which fact each one is
(``amount``, ``demand_amount`` or neither) is open-ended in the words people use ("给他50块
就删", "开口要300", "只肯退50"), so :class:`SumModel` reads it from the sum's clause with the
sum masked, beside the clause before it (:mod:`bot.understanding.sum_context`). It is a
:class:`~bot.textclassifier.TextClassifier` trained on ``data/understanding/money/``
(messages written by helpers who never saw a test set, each sum labelled), with the C that
:func:`choose_settings` picked by cross-validation (``sum_model.yml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.mixed_language import MixedLanguage
from bot.textclassifier import TextClassifier, Tokenize, cross_validated
from bot.understanding.clauses import clauses, normalized
from bot.understanding.sum_context import KINDS, locate, sum_context

C_GRID = (0.3, 1.0, 3.0)


class SumDataError(DataFileError):
    """The sum reader's data or settings cannot be used."""


@dataclass(frozen=True)
class SumSettings:
    """The model's C, chosen by cross-validation, and its out-of-fold figures."""

    c: float
    cv_accuracy: float
    cv_demand_recall: float
    cv_demand_precision: float


@dataclass(frozen=True)
class LabelledSum:
    text: str  # the message
    words: str  # the sum as written in it (once)
    kind: str


@dataclass(frozen=True)
class SumData:
    settings: SumSettings
    sums: tuple[LabelledSum, ...]


def load_sum_data(folder: Path) -> SumData:
    """Read and validate ``sum_model.yml`` and every file of ``money/`` in ``folder``."""
    path = Path(folder) / "sum_model.yml"
    raw = read_yaml(path, SumDataError)
    try:
        settings = SumSettings(float(raw["c"]), float(raw["cv_accuracy"]),
                               float(raw["cv_demand_recall"]),
                               float(raw["cv_demand_precision"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise SumDataError(path, "(file)", "c, cv_accuracy, cv_demand_recall, "
                                           f"cv_demand_precision: {exc}") from None
    if settings.c <= 0:
        raise SumDataError(path, "c", "must be > 0")
    files = sorted((Path(folder) / "money").glob("*.yml"))
    if not files:
        raise SumDataError(Path(folder) / "money", "(folder)", "no files of labelled sums")
    found: list[LabelledSum] = []
    for source in files:
        items = read_yaml(source, SumDataError)
        if not isinstance(items, list):
            raise SumDataError(source, "(file)", "a list of {text, sums}")
        for number, item in enumerate(items, start=1):
            text = str((item or {}).get("text") or "") if isinstance(item, dict) else ""
            sums = item.get("sums") if isinstance(item, dict) else None
            if not text.strip() or not isinstance(sums, dict) or not sums:
                raise SumDataError(source, f"entry {number}", "needs a text and its sums")
            for words, kind in sums.items():
                if kind not in KINDS:
                    raise SumDataError(source, f"entry {number}",
                                       f"{words!r}: kind must be one of {', '.join(KINDS)}")
                if text.count(str(words)) != 1:
                    raise SumDataError(source, f"entry {number}",
                                       f"{words!r} must occur once in the text")
                found.append(LabelledSum(text, str(words), str(kind)))
    return SumData(settings, tuple(found))


def training_examples(data: SumData, english: MixedLanguage | None
                      ) -> tuple[list[str], list[str], list[str]]:
    """(masked clauses, clauses before them, kinds) of every labelled sum a clause holds."""
    texts, contexts, kinds = [], [], []
    for labelled in data.sums:
        parts = clauses(labelled.text, english)
        norm_words = normalized(labelled.words, english)
        position = normalized(labelled.text, english).find(norm_words)
        where = locate(parts, position, len(norm_words)) if position >= 0 else None
        if where is None:
            continue  # the sum straddles a clause break: no clause to read it in
        text, before = sum_context(parts, *where)
        texts.append(text)
        contexts.append(before)
        kinds.append(labelled.kind)
    return texts, contexts, kinds


def choose_settings(data: SumData, prepare: Callable[[str], str], words: Tokenize | None,
                    english: MixedLanguage | None, folds: int = 5) -> SumSettings:
    """The C with the best out-of-fold accuracy, and its demand recall and precision."""
    texts, contexts, kinds = training_examples(data, english)
    texts, contexts = [prepare(t) for t in texts], [prepare(c) for c in contexts]
    truth = np.array(kinds)
    best: tuple[float, SumSettings] | None = None
    for c in C_GRID:
        classes, margins = cross_validated(
            partial(TextClassifier, c=c, words=words, with_context=True),
            texts, kinds, contexts, folds=folds)
        chosen = np.array(classes)[margins.argmax(axis=1)]
        accuracy = float(np.mean(chosen == truth))
        said, demanded = chosen == "demand", truth == "demand"
        recall = float(np.sum(said & demanded) / max(1, int(demanded.sum())))
        precision = float(np.sum(said & demanded) / max(1, int(said.sum())))
        if best is None or accuracy > best[0]:
            best = (accuracy, SumSettings(c, round(accuracy, 4), round(recall, 4),
                                          round(precision, 4)))
    assert best is not None
    return best[1]


class SumModel:
    """The trained sum reader."""

    def __init__(self, data: SumData, prepare: Callable[[str], str],
                 words: Tokenize | None = None, english: MixedLanguage | None = None) -> None:
        self.prepare = prepare
        texts, contexts, kinds = training_examples(data, english)
        self.classifier = TextClassifier(c=data.settings.c, words=words,
                                         with_context=True).fit(
            [prepare(t) for t in texts], kinds, [prepare(c) for c in contexts])

    def kind(self, clause: str, before: str = "") -> str:
        """What the masked sum of ``clause`` is: price, demand or other."""
        row = self.classifier.scores([self.prepare(clause)], [self.prepare(before)])[0]
        return self.classifier.classes[int(row.argmax())]
