"""Where a sum of money stands in a message, as the sum reader reads it.

The sum reader (:mod:`bot.understanding.sums`) decides what a sum is from its clause with
the sum itself masked ("给他#就删差评"), beside the clause before it. This module builds
that pair, for training (a sum the data names by its words) and for reading (a sum the
extractor found by its span), so that both see the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.understanding.clauses import Clause

ReadSum = Callable[[str, str], str]  # (masked clause, clause before) -> kind
KINDS = ("price", "demand", "other")
FACT_OF_KIND = {"price": "amount", "demand": "demand_amount"}  # "other" is no fact
MASK = "#"
# the currency marks around a sum belong to it: "¥50", "50块", "rmb 50", "五十塊"
BEFORE = re.compile(r"(?:[¥$￥]|rmb|人民币)\s?$", re.IGNORECASE)
AFTER = re.compile(r"^\s?(?:[万千w]\s?)?(?:元钱|元|块钱|块|塊|圆|rmb|人民币)", re.IGNORECASE)
OTHER_NUMBER = re.compile(r"\d+(?:\.\d+)?")
WORD_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def masked(text: str, start: int, end: int) -> str:
    """``text`` with the sum at ``[start, end)`` and its currency marks replaced by the
    mask; other numbers are kept as one digit (their size says nothing of their kind)."""
    before = BEFORE.search(text[:start])
    after = AFTER.match(text[end:])
    start = before.start() if before else start
    end = end + after.end() if after else end
    head, tail = OTHER_NUMBER.sub("0", text[:start]), OTHER_NUMBER.sub("0", text[end:])
    return f"{head}{MASK}{tail}"


def has_words(masked_clause: str) -> bool:
    """Whether a masked clause says anything beside the sum (two letters or characters)."""
    return len(WORD_CHARS.findall(masked_clause)) >= 2


def sum_context(parts: list[Clause], index: int, start: int, end: int) -> tuple[str, str]:
    """(the clause ``parts[index]`` with the sum at ``[start, end)`` of its text masked,
    the clause before it with its numbers kept as one digit)."""
    previous = OTHER_NUMBER.sub("0", parts[index - 1].text) if index > 0 else ""
    return masked(parts[index].text, start, end), previous


def locate(parts: list[Clause], position: int, length: int) -> tuple[int, int, int] | None:
    """(clause index, start, end in its text) of the sum at ``position`` of the normalized
    message, or None when no single clause holds it."""
    for index, clause in enumerate(parts):
        start = position - clause.start
        if 0 <= start and start + length <= len(clause.text):
            return index, start, start + length
    return None
