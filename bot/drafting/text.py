"""Plain-text helpers for drafts: cleaning user text and ending sentences.

Pure functions; the punctuation comes from ``data/drafts/config.yml`` (:class:`Punctuation`).
A draft is one text: the WeChat channel splits it when it must (``wechat_protocol``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KEEP_FORMAT_CHARS = frozenset({"\u200d"})  # zero-width joiner: part of emoji sequences
_LINE_SEPARATORS = frozenset({"\u2028", "\u2029"})


@dataclass(frozen=True)
class Punctuation:
    """Where sentences end, what closes them and what may trail a clause."""

    sentence_end: str
    sentence_closers: str
    full_stop: str
    soft_trailing: str


def clean_text(text: str, multiline: bool = False) -> str:
    """Drop control and invisible format characters; optionally fold newlines to spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for char in text:
        if char in _LINE_SEPARATORS:
            char = "\n"
        if char == "\n":
            out.append("\n" if multiline else " ")
        elif char == "\t":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs") or (
            unicodedata.category(char) == "Cf" and char not in _KEEP_FORMAT_CHARS
        ):
            continue
        else:
            out.append(char)
    cleaned = "".join(out)
    if multiline:
        lines = [line.strip() for line in cleaned.split("\n")]
        return "\n".join(line for line in lines if line)
    return re.sub(r" {2,}", " ", cleaned).strip()


def as_clause(text: str, marks: Punctuation) -> str:
    """Strip trailing punctuation so a template can continue the sentence."""
    return text.rstrip().rstrip(marks.soft_trailing + marks.sentence_end + " ").rstrip()


def as_sentence(text: str, marks: Punctuation) -> str:
    """End a phrase with a full stop unless it already ends a sentence."""
    text = text.rstrip().rstrip(marks.soft_trailing + " ").rstrip()
    if not text:
        return text
    bare = text.rstrip(marks.sentence_closers)
    if bare and bare[-1] in marks.sentence_end:
        return text
    return text + marks.full_stop


def tidy(text: str) -> str:
    """Trim every line and drop empty ones (templates leave gaps where text was omitted)."""
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
