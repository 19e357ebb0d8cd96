"""English words and emoji in Chinese messages, made readable for the NLU.

:func:`read_mixed` replaces the English shopping and support words of
``data/normalization/mixed_language.yml`` ("refund", "customer service", "bad review" …) with
their Chinese, padded with spaces to the same length, and every emoji with a space: the
intent does not depend on them, and character offsets still index the user's text. Intent
payloads ("/request_draft{...}") are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles import DataFileError, data_path, read_yaml

DEFAULT_TABLE = data_path("normalization", "mixed_language.yml")
# Pictographs, dingbats and symbols, variation selectors and the zero-width joiner.
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D]")


class MixedLanguageError(DataFileError):
    """A mixed-language table that cannot be used; names the file and the entry."""


@dataclass(frozen=True, eq=False)
class MixedLanguage:
    """The compiled table: one pattern of every English word, longest first."""

    table: dict[str, str]
    pattern: re.Pattern[str] | None

    def read(self, text: str) -> str:
        """``text`` with the table's words in Chinese and emoji as spaces (same length)."""
        if not text or text.startswith("/"):
            return text
        return self.read_words(EMOJI.sub(" ", text))

    def read_words(self, text: str) -> str:
        """``text`` with the table's words in Chinese (same length; emoji kept)."""
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        english = match.group(0)
        chinese = self.table[english.lower()]
        return chinese + " " * (len(english) - len(chinese))


def parse_table(data: object, path: Path) -> MixedLanguage:
    """Validate the parsed YAML of a mixed-language table."""
    if not isinstance(data, dict) or not data:
        raise MixedLanguageError(path, "(top level)", "must map English words to Chinese")
    table: dict[str, str] = {}
    for english, chinese in data.items():
        if not isinstance(english, str) or not re.fullmatch(r"[A-Za-z][A-Za-z .'-]{0,40}",
                                                              english):
            raise MixedLanguageError(path, repr(english), "the key must be English words")
        if not isinstance(chinese, str) or not chinese.strip():
            raise MixedLanguageError(path, str(english), "the value must be Chinese text")
        if len(chinese) > len(english):
            raise MixedLanguageError(path, str(english), f"{chinese!r} is longer than the "
                                     "English (offsets would shift)")
        table[english.lower()] = chinese
    words = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(w) for w in words) +
                         r")(?![A-Za-z])", re.IGNORECASE)
    return MixedLanguage(table=table, pattern=pattern)


def load_mixed_language(path: Path = DEFAULT_TABLE) -> MixedLanguage:
    """Read and validate a mixed-language table."""
    path = Path(path)
    return parse_table(read_yaml(path, MixedLanguageError), path)
