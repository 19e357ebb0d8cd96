"""Masking of personal data in free text and in log records.

:func:`mask_pii` masks mainland mobile numbers, landlines with an area code, resident ID
numbers (18 and 15 characters), bank card numbers and e-mail addresses. Masking keeps the
first 3 and the last 2 digits of a number and replaces the digits between them with ``*``;
separators stay, so the text keeps its length (``138-1234-5678`` -> ``138-****-**78``).
Full-width digits and JSON ``\\uXXXX`` escapes are recognised.

Order numbers must survive: long digit runs are only masked when they are exactly ID-shaped,
and an 18-character run only when its birth date (characters 7-14) is a real date and its
check digit is right (ISO 7064 MOD 11-2), or when 身份证 / 证件号 is written just before it.
A 15-digit ID needs a real ``YYMMDD`` birth date. A 16-19 digit card number is masked when
a card or account word is written just before it, or when it is written in groups and
passes the Luhn check. Digit runs embedded in longer digit runs are never matched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

MASK = "*"
KEEP_HEAD = 3
KEEP_TAIL = 2

# Length-preserving: full-width digits, X, hyphen, space and parentheses to ASCII.
_FOLD = str.maketrans(
    "０１２３４５６７８９Ｘｘ－　（）＋",
    "0123456789Xx- ()+",
)
_SEP = r"[-\s.]"
_NO_DIGIT_BEFORE = r"(?<![0-9])(?<![0-9][-\s.])"
_NO_DIGIT_AFTER = r"(?![-\s.]?[0-9])"

_ID18 = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")
_ID15 = re.compile(r"(?<![0-9])[1-9][0-9]{14}(?![0-9])")
_MOBILE = re.compile(
    rf"(?:(?<=\+86)|(?<=\+86 )|(?<=\+86-)|{_NO_DIGIT_BEFORE})"
    rf"1[3-9][0-9]{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}}{_NO_DIGIT_AFTER}"
)
# The country code without "+": 8613812345678, 86 138 1234 5678, 0086 138... (kept).
_MOBILE_86 = re.compile(
    rf"(?<![0-9+])(?:00)?86{_SEP}?(?P<n>1[3-9][0-9]{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}})"
    rf"{_NO_DIGIT_AFTER}"
)
# An ID number written in groups: 110105 19491231 002X, 110105 1949 1231 002X.
_ID18_GROUPED = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}[-\s](?:[0-9]{8}|[0-9]{4}[-\s][0-9]{4})[-\s][0-9]{3}[0-9Xx]"
    r"(?![0-9Xx])")
# Named as an ID number just before, an ID-shaped number is masked even when its check
# digit or birth date is wrong (a typo still identifies the person).
_ID_WORDS = ("身份证", "证件号", "id card")
# Bank cards: 16-19 digits. Named as a card or account just before: any such number. Else
# written in groups (of four, or 6-13) and passing the Luhn check with a card prefix (62
# UnionPay, 4, 51-55); an order number is neither.
_CARD = re.compile(r"(?<![0-9])(?:[0-9]{4}[\s-]){3,4}[0-9]{3,4}(?![0-9])"
                   r"|(?<![0-9])[0-9]{6}[\s-][0-9]{10,13}(?![0-9])"
                   r"|(?<![0-9])[0-9]{16,19}(?![0-9])")
_CARD_WORDS = ("卡号", "银行卡", "信用卡", "储蓄卡", "借记卡", "我的卡", "账号", "账户",
               "card", "account")
_CONTEXT = 8
# Any \uXXXX escape (JSON logs), decoded only to read the words before a number.
_ESCAPED_CHAR = re.compile(r"\\u([0-9a-fA-F]{4})")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64})@"
                    r"([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24})")
# Full-width digits escaped in JSON logs (\uff11 is １).
_ESCAPED_DIGIT = re.compile(r"\\u[fF][fF]1([0-9])")
# Area code 0XX / 0XXX, then a 7-8 digit local number, whole or in two groups (8765 4321).
# Glued to the area code the local number must start with 2-9 (real numbers do); after a
# separator or "(0XX)" 1 is allowed too.
_LANDLINE = re.compile(
    rf"{_NO_DIGIT_BEFORE}"
    rf"(?:(?:\(0[1-9][0-9]{{1,2}}\)\s?|0[1-9][0-9]{{1,2}}{_SEP})[1-9]|0[1-9][0-9]{{1,2}}[2-9])"
    rf"(?:[0-9]{{6,7}}|[0-9]{{2,3}}{_SEP}[0-9]{{4}}){_NO_DIGIT_AFTER}"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id18_checksum_ok(number: str) -> bool:
    """True when the 18th character is the ISO 7064 MOD 11-2 check digit of the first 17."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[17].upper()


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def is_id18(number: str) -> bool:
    """An 18-character resident ID: real birth date (chars 7-14) and a valid check digit."""
    if len(number) != 18:
        return False
    birth = number[6:14]
    if not birth.isdigit():
        return False
    return (
        _real_date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
        and id18_checksum_ok(number)
    )


def is_id15(number: str) -> bool:
    """A 15-digit (first-generation) resident ID: a real 19YYMMDD birth date (chars 7-12)."""
    if len(number) != 15 or not number.isdigit():
        return False
    birth = number[6:12]
    return _real_date(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:]))


def luhn_ok(digits: str) -> bool:
    """The Luhn check of a card number."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _fold(text: str) -> str:
    """``text`` with the same length for matching: full-width forms folded to ASCII, and the
    hex digits of ``\\uXXXX`` escapes hidden (the 7 of "\\u53f7" starts no number)."""
    folded = text.translate(_FOLD)
    if "\\u" in folded:
        folded = _ESCAPED_CHAR.sub(lambda m: "\\u____", folded)
    return folded


def _words_before(text: str, start: int) -> str:
    """The few characters before ``start``, lowercased, with JSON ``\\uXXXX`` escapes
    decoded (a logged "\\u5361\\u53f7" is 卡号)."""
    before = text[max(0, start - 6 * _CONTEXT):start]
    if "\\u" in before:
        before = _ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), before)
    return before[-_CONTEXT:].lower()


def _named(text: str, start: int, words: Iterable[str]) -> bool:
    before = _words_before(text, start)
    return any(word in before for word in words)


def _is_card(text: str, match: re.Match[str]) -> bool:
    digits = re.sub(r"[\s-]", "", match.group())
    if not 16 <= len(digits) <= 19:
        return False
    if _named(text, match.start(), _CARD_WORDS):
        return True
    if not luhn_ok(digits):
        return False
    if not (digits.startswith(("62", "4")) or digits[:2] in {"51", "52", "53", "54", "55"}):
        return False
    return len(digits) != len(match.group())  # written in groups


def _mask_span(chars: list[str], folded: str, start: int, end: int) -> None:
    """Mask the digits of ``[start, end)`` except the first 3 and the last 2."""
    positions = [i for i in range(start, end) if folded[i].isdigit() or folded[i] in "Xx"]
    for i in positions[KEEP_HEAD:len(positions) - KEEP_TAIL]:
        chars[i] = MASK


def pii_spans(text: str) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` spans of personal numbers in ``text``, in order."""
    folded = _fold(text)
    found: list[tuple[int, int]] = []

    def add(spans: Iterable[tuple[int, int]]) -> None:
        for start, end in spans:
            if all(end <= s or start >= e for s, e in found):
                found.append((start, end))

    add(m.span() for m in _ID18.finditer(folded)
        if is_id18(m.group()) or _named(text, m.start(), _ID_WORDS))
    add(m.span() for m in _ID18_GROUPED.finditer(folded)
        if is_id18(re.sub(r"[-\s]", "", m.group())) or _named(text, m.start(), _ID_WORDS))
    add(m.span() for m in _ID15.finditer(folded) if is_id15(m.group()))
    add(m.span() for m in _CARD.finditer(folded) if _is_card(text, m))
    add(m.span() for m in _MOBILE.finditer(folded))
    add(m.span("n") for m in _MOBILE_86.finditer(folded))
    add(m.span() for m in _LANDLINE.finditer(folded))
    return sorted(found)


def _mask_emails(text: str) -> str:
    """E-mail addresses with the local part masked after its first character."""
    def masked(match: re.Match[str]) -> str:
        local = match.group(1)
        return local[:1] + MASK * (len(local) - 1) + "@" + match.group(2)
    return _EMAIL.sub(masked, text)


def mask_pii(text: str) -> str:
    """``text`` with mobile, landline, ID and bank card numbers and e-mail addresses masked
    (same length as ``text``, except that full-width digits escaped as ``\\uff11`` in JSON
    are first decoded)."""
    if not text:
        return text
    if "\\u" in text:
        text = _ESCAPED_DIGIT.sub(lambda m: chr(0xFF10 + int(m.group(1))), text)
    if "@" in text:
        text = _mask_emails(text)
    spans = pii_spans(text)
    if not spans:
        return text
    folded = _fold(text)
    chars = list(text)
    for start, end in spans:
        _mask_span(chars, folded, start, end)
    return "".join(chars)



def rewrite_traces(record: logging.LogRecord, rewrite: Callable[[str], str]) -> None:
    """Apply ``rewrite`` to a record's traceback and stack text (formatting the traceback
    first, so the handler prints the rewritten one)."""
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = rewrite(record.exc_text)
    if record.stack_info:
        record.stack_info = rewrite(record.stack_info)

class PiiMaskingFilter(logging.Filter):
    """Masks personal numbers in a record's message, string arguments and traceback text.

    Attach it to handlers (``handler.addFilter(PiiMaskingFilter())``): filters on a logger do
    not see records propagated from its child loggers. When a non-string argument (say an
    int phone number) would print personal data, the message is formatted and masked once,
    and the arguments are cleared. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_pii(record.msg)
        args = record.args
        if isinstance(args, Mapping):
            record.args = {key: _mask_arg(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_mask_arg(value) for value in args)
        if _leaks(record.args):
            try:
                record.msg = mask_pii(record.getMessage())
                record.args = ()
            except (TypeError, ValueError):
                pass  # leave a broken format string to logging's own error report
        rewrite_traces(record, mask_pii)
        return True


def _mask_arg(value: Any) -> Any:
    return mask_pii(value) if isinstance(value, str) else value


def _leaks(args: Any) -> bool:
    values = args.values() if isinstance(args, Mapping) else args or ()
    for value in values:
        if isinstance(value, str) or value is None:
            continue
        try:
            shown = str(value)
        except Exception:  # a broken __str__ is logging's problem, not ours
            continue
        if pii_spans(shown):
            return True
    return False


def install_pii_filter(logger: logging.Logger | None = None) -> PiiMaskingFilter:
    """Add one :class:`PiiMaskingFilter` to every handler of ``logger`` (default: root)."""
    logger = logger or logging.getLogger()
    pii_filter = PiiMaskingFilter()
    for handler in logger.handlers:
        if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
            handler.addFilter(pii_filter)
    return pii_filter
