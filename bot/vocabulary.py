"""Vocabulary files (word lists people write, matched on normalized text): reading them,
validating a word list, and their error, which names the file and the entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.chinese_forms import normalize
from bot.datafiles import DataFileError, read_yaml


class LexiconError(DataFileError):
    """A lexicon file that cannot be used; the message names the file and the entry."""


def word_list(path: Path, entry: str, value: Any) -> tuple[str, ...]:
    """A non-empty list of non-empty strings, normalized, longest first."""
    if not isinstance(value, list) or not value:
        raise LexiconError(path, entry, "must be a non-empty list of words")
    words: list[str] = []
    for index, word in enumerate(value):
        if not isinstance(word, str) or not word.strip():
            raise LexiconError(path, f"{entry}[{index}]", "must be a non-empty string")
        words.append(normalize(word.strip()))
    if len(set(words)) != len(words):
        duplicate = next(word for word in words if words.count(word) > 1)
        raise LexiconError(path, entry, f"duplicate word '{duplicate}'")
    return tuple(sorted(words, key=len, reverse=True))


def read_vocabulary(path: Path) -> Any:
    """The parsed YAML of a vocabulary file; read and syntax errors name the file."""
    return read_yaml(path, LexiconError)
