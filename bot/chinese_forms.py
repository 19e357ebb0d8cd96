"""Length-preserving text normalization for Chinese user messages.

Traditional characters become Simplified (OpenCC ``t2s``) and full-width ASCII becomes
half-width. Every output has exactly the length of its input, so character offsets found
on the normalized text (entities, date spans) line up with the original message.
"""

from __future__ import annotations

from functools import lru_cache

_FULLWIDTH_FIRST = 0xFF01
_FULLWIDTH_LAST = 0xFF5E
_FULLWIDTH_OFFSET = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"


@lru_cache(maxsize=1)
def _converter():  # -> opencc.OpenCC
    """Create the OpenCC converter once, on first use (never at import time)."""
    import opencc

    return opencc.OpenCC("t2s")


def to_half_width(text: str) -> str:
    """Map full-width ASCII (ＡＢＣ１２３！) and the ideographic space to half-width."""
    chars = []
    for char in text:
        code = ord(char)
        if _FULLWIDTH_FIRST <= code <= _FULLWIDTH_LAST:
            chars.append(chr(code - _FULLWIDTH_OFFSET))
        elif char == _IDEOGRAPHIC_SPACE:
            chars.append(" ")
        else:
            chars.append(char)
    return "".join(chars)


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified Chinese without changing the text's length.

    OpenCC converts phrase by phrase; if a phrase mapping would change the length, the
    text is converted character by character instead, which is always 1:1.
    """
    if not text:
        return text
    converter = _converter()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    single = [converter.convert(char) for char in text]
    return "".join(s if len(s) == 1 else c for s, c in zip(single, text, strict=True))


def normalize(text: str) -> str:
    """Full normalization used by the NLU pipeline and the date parser."""
    return to_simplified(to_half_width(text))
