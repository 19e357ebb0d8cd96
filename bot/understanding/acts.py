"""The dialogue act of a user turn, read against the assistant's previous message.

The acts (``data/understanding/acts_model.yml`` lists them once) are: an answer ``yes`` or
``no`` to what the assistant asked or proposed, new ``fact``s, a ``question``, a
``request``, a ``feeling``, an ``aside`` and ``thanks``. The model is a
:class:`~bot.textclassifier.TextClassifier` with the previous assistant message as a
second feature block, trained on ``data/understanding/acts.yml`` (written by helpers who
never saw a test set); C is chosen by cross-validation (``make tune``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from bot.datafiles import DataFileError, read_yaml
from bot.textclassifier import TextClassifier, Tokenize, cross_validated

C_GRID = (0.3, 1.0, 3.0)


class ActsError(DataFileError):
    """The dialogue-act data cannot be used."""


@dataclass(frozen=True)
class ActExample:
    context: str
    text: str
    act: str


@dataclass(frozen=True)
class ActData:
    """The act names, the training examples and the chosen C."""

    acts: tuple[str, ...]
    examples: tuple[ActExample, ...]
    c: float
    cv_accuracy: float


def load_acts(folder: Path) -> ActData:
    """Read and validate ``acts_model.yml`` and ``acts.yml`` in ``folder``."""
    settings_path, data_path = Path(folder) / "acts_model.yml", Path(folder) / "acts.yml"
    settings = read_yaml(settings_path, ActsError)
    if not isinstance(settings, dict) or not isinstance(settings.get("acts"), list):
        raise ActsError(settings_path, "acts", "a list of act names")
    acts = tuple(str(a) for a in settings["acts"])
    try:
        c, accuracy = float(settings["c"]), float(settings["cv_accuracy"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ActsError(settings_path, "c", f"c and cv_accuracy are numbers: {exc}") from None
    raw = read_yaml(data_path, ActsError)
    if not isinstance(raw, list):
        raise ActsError(data_path, "(file)", "a list of {context, text, act}")
    examples = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise ActsError(data_path, f"entry {number}", "needs a non-empty text")
        if item.get("act") not in acts:
            raise ActsError(data_path, f"entry {number}", f"act must be one of {list(acts)}")
        examples.append(ActExample(str(item.get("context") or ""), str(item["text"]),
                                   str(item["act"])))
    missing = sorted(set(acts) - {e.act for e in examples})
    if missing:
        raise ActsError(data_path, "(file)", f"no examples for {missing}")
    return ActData(acts, tuple(examples), c, accuracy)


def choose_c(data: ActData, prepare: Callable[[str], str], words: Tokenize | None,
             folds: int = 5) -> tuple[float, float]:
    """The C with the best out-of-fold accuracy, and that accuracy."""
    texts = [prepare(e.text) for e in data.examples]
    contexts = [prepare(e.context) for e in data.examples]
    labels = [e.act for e in data.examples]
    best = (0.0, -1.0)
    for c in C_GRID:
        classes, probs = cross_validated(
            partial(TextClassifier, c=c, words=words, with_context=True), texts, labels,
            contexts,
            folds=folds)
        accuracy = float(np.mean([classes[int(np.argmax(row))] == label
                                  for row, label in zip(probs, labels, strict=True)]))
        if accuracy > best[1]:
            best = (c, round(accuracy, 4))
    return best


class ActModel:
    """The trained dialogue-act reader."""

    def __init__(self, data: ActData, prepare: Callable[[str], str],
                 words: Tokenize | None = None) -> None:
        self.prepare = prepare
        self.classifier = TextClassifier(c=data.c, words=words, with_context=True).fit(
            [prepare(e.text) for e in data.examples], [e.act for e in data.examples],
            [prepare(e.context) for e in data.examples])

    def ranking(self, text: str, context: str = "") -> list[tuple[str, float]]:
        """Every act, most probable first."""
        row = self.classifier.scores([self.prepare(text)], [self.prepare(context)])[0]
        return [(self.classifier.classes[i], float(row[i])) for i in np.argsort(-row)]

    def act(self, text: str, context: str = "") -> str:
        """The most probable act of ``text`` after the assistant said ``context``."""
        return self.ranking(text, context)[0][0]
