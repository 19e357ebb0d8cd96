"""A message cut into clauses, and the words found in a clause (longest first, not negated).

Text is normalized (length-preserving: Traditional → Simplified, full-width → half-width,
and, with a mixed-language table, English words in Chinese padded to the same length), so
offsets in the normalized text index the user's own text as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.chinese_forms import normalize
from bot.mixed_language import MixedLanguage

# Punctuation, emoji (they end a thought: "就给差评😤这算不算敲诈"), a space between two
# Chinese characters (phone typing uses it as a comma: "签收的 用了十来天") and linking words
# (结果 as "and then", not the noun of "处理结果" / "出的结果").
CLAUSE_BREAK = re.compile(r"(?:[,。!?;:\n…~\u2600-\u27bf\U0001f300-\U0001faff]|(?<!\d)\.|\.(?!\d))"
                          r"{1,50}|(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=[\u4e00-\u9fff])"
                          r"|但是|不过|然后|(?<![的理决出查])结果")  # 11.6 is a date


HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Clause:
    """One clause: where it starts, its normalized text and the user's own words."""

    start: int
    text: str  # normalized
    original: str
    spaced: bool = False  # parted from the clause before by spaces alone (phone typing)


def normalized(text: str, english: MixedLanguage | None = None) -> str:
    """The text as the vocabularies read it (same length as ``text``)."""
    norm = normalize(text)
    return norm if english is None else english.read_words(norm)


def clauses(original: str, english: MixedLanguage | None = None) -> list[Clause]:
    """The message cut at punctuation (a full-width comma included), at spaces between
    Chinese characters and at 但是 / 然后."""
    norm = normalized(original, english)
    found, position, spaced = [], 0, False
    for match in CLAUSE_BREAK.finditer(norm):
        if not match.group().strip() and not _between_chinese(original, match):
            continue  # beside an English word read in Chinese (or its padding)
        if match.start() > position:
            found.append(Clause(position, norm[position:match.start()],
                                original[position:match.start()], spaced))
        position, spaced = match.end(), not match.group().strip()
    if position < len(norm):
        found.append(Clause(position, norm[position:], original[position:], spaced))
    return [clause for clause in found if clause.text.strip()]


def _between_chinese(original: str, match: re.Match) -> bool:
    """Whether the user's own text has spaces here with a Chinese character either side."""
    start, end = match.span()
    return (bool(original[start:end]) and not original[start:end].strip()
            and start > 0 and end < len(original)
            and HAN.match(original[start - 1]) is not None and HAN.match(original[end]) is not None)


def negated(text: str, start: int, negations: tuple[str, ...]) -> bool:
    """Whether a negation word stands right before ``start`` ("没发货", "不是")."""
    before = text[max(0, start - 2):start]
    return any(before.endswith(word) for word in negations)


def occurrences(text: str, word: str) -> list[int]:
    """Every start of ``word`` in ``text``."""
    found, start = [], text.find(word)
    while start != -1:
        found.append(start)
        start = text.find(word, start + 1)
    return found


def longest_first(text: str, pairs: Iterable[tuple[str, str]],
                  negations: tuple[str, ...] = ()) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, tag) of each (word, tag), longer words winning overlaps
    (``pairs`` come longest first); occurrences after one of ``negations`` are skipped, and
    so are the shorter words inside them ("没有申请介入" tells no 介入 either)."""
    taken: list[tuple[int, int, str]] = []
    negated_spans: list[tuple[int, int, str]] = []
    for word, tag in pairs:
        for start in occurrences(text, word):
            end = start + len(word)
            if any(start < t_end and t_start < end
                   for t_start, t_end, _ in (*taken, *negated_spans)):
                continue
            if negations and negated(text, start, negations):
                negated_spans.append((start, end, tag))
                continue
            taken.append((start, end, tag))
    return sorted(taken)


def find_words(text: str, words: tuple[str, ...], negations: tuple[str, ...] = ()
               ) -> list[tuple[int, int, str]]:
    """Non-overlapping occurrences of ``words`` (longest first), optionally not negated."""
    return longest_first(text, ((word, word) for word in words), negations)
