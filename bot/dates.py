"""Chinese date expressions → ``datetime.date``, relative to the message's own timestamp.

Library decision: own table of regex rules + handlers, cn2an for Chinese numerals. jionlp 1.5.31
was rejected: banners on import (0.5 s; +numpy/jiojio/requests, 19 MB), ranges for 两周前 and
一个月前, 12月28号 put in the coming year, and no 11.3, 上週五 or 兩天前.

Text is normalized first (``bot.chinese_forms.normalize``: Traditional → Simplified, full-width →
half-width, length-preserving), so spans found on it index the original message as well.
"""

from __future__ import annotations

import calendar
import datetime
import re
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.chinese_forms import normalize

__all__ = ["SHANGHAI", "DateResolution", "find_date_spans", "resolve_coming_date",
           "resolve_date"]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

Status = Literal["ok", "future", "past", "unparseable", "empty"]


@dataclass(frozen=True)
class DateResolution:
    """Outcome of :func:`resolve_date`.

    ``value`` is set only when ``status == "ok"``. ``matched`` is the substring of the
    original input that was read as a date (also set for "future" and for an invalid date
    such as 2月30号, which is "unparseable"); it is None when no date expression was found.
    """

    status: Status
    value: datetime.date | None
    matched: str | None
    part_of_day: str | None


# --- numerals --------------------------------------------------------------------------

_CN_COUNT = r"(?:\d{1,3}|[零一二两三四五六七八九十百]{1,4})"  # 3, 十五, 两
_MONTH = r"(?:(?<!\d)\d{1,2}|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_DAY_END = r"(?:[日号]|(?![\d十]))"  # 3号 / 3日 / bare 3 not followed by another digit
_CN_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0"}


@lru_cache(maxsize=1)
def _cn2an() -> Callable[[str, str], int]:
    """Import cn2an on first use (it takes ~0.2 s to import)."""
    import cn2an

    return cn2an.cn2an


def number_value(token: str) -> int:
    """Arabic or Chinese numeral → int (十五 → 15, 两 → 2, 二〇二六 → 2026)."""
    if token.isascii() and token.isdigit():
        return int(token)
    return int(_cn2an()(token, "smart"))


def _year(token: str) -> int:
    """4- or 2-digit year, arabic or Chinese digit by digit (26 / 二六 → 2026)."""
    digits = "".join(_CN_DIGITS.get(c, c) for c in token)
    year = int(digits)
    return year + 2000 if len(digits) == 2 else year


# --- calendar helpers ------------------------------------------------------------------


def _make_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _most_recent(month: int, day: int, today: datetime.date) -> datetime.date | None:
    """The latest month/day on or before ``today`` (looks back far enough for 2月29)."""
    for year in range(today.year, today.year - 9, -1):
        candidate = _make_date(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    return None


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """Shift by whole months, clamping the day (3月31日 - 1 month → 2月28/29日)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last))


def _plausible_month_day(month: int, day: int) -> bool:
    return _make_date(2000, month, day) is not None  # 2000 is a leap year


# --- rules: pattern + handler ----------------------------------------------------------

Resolved = tuple[datetime.date | None, str | None]  # (date or None if invalid, part of day)
Handler = Callable[[re.Match[str], datetime.date], Resolved]
Accept = Callable[[re.Match[str], str], bool]

_DAY_WORDS: dict[str, tuple[int, str | None]] = {
    "大前天": (-3, None),
    "前天": (-2, None),
    "前晚": (-2, "evening"),
    "昨天": (-1, None),
    "昨日": (-1, None),
    "昨晚": (-1, "evening"),
    "昨夜": (-1, "evening"),
    "今天": (0, None),
    "今日": (0, None),
    "今早": (0, "morning"),
    "今晨": (0, "morning"),
    "今晚": (0, "evening"),
    "大后天": (3, None),
    "明天": (1, None),
    "明日": (1, None),
    "后天": (2, None),
    "刚刚": (0, None),
    "刚才": (0, None),
}
# 后天 after 售/之/以/然/最 is 售后天猫 / 之后天天…, not "the day after tomorrow".
_DAY_WORD_PATTERN = "|".join(
    rf"(?<![售之以然最落背]){word}" if word.endswith("后天") else word for word in _DAY_WORDS
)
_WEEKDAYS = {c: i for i, c in enumerate("一二三四五六日", start=1)} | {"天": 7}
_WEEK_SHIFT = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, "下下": 2, "": None}
_MONTH_SHIFT = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1}
_UNIT_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7}
_AMOUNT_UNITS = (
    "元", "块", "毛", "角", "折", "%", "斤", "克", "两", "米", "寸", "倍", "万", "千", "件",
    "个", "分", "岁", "升", "度", "码", "g", "k", "m", "c", "l", "w", "x",
)  # fmt: skip
_PARTS_OF_DAY = {
    "凌晨": "morning", "早上": "morning", "早晨": "morning", "清晨": "morning",
    "上午": "morning", "中午": "afternoon", "下午": "afternoon", "傍晚": "evening",
    "晚上": "evening", "夜里": "evening", "夜晚": "evening", "半夜": "evening",
    "深夜": "evening",
}  # fmt: skip
_PART_OF_DAY_RE = re.compile(r"\s?的?(" + "|".join(_PARTS_OF_DAY) + ")")


def _day_word(m: re.Match[str], today: datetime.date) -> Resolved:
    offset, pod = _DAY_WORDS[m.group(0)]
    return today + datetime.timedelta(days=offset), pod


def _ago(m: re.Match[str], today: datetime.date) -> Resolved:
    if m.group("half"):
        return today - datetime.timedelta(days=15), None
    n, unit = number_value(m.group("n")), m.group("unit").removeprefix("个")
    if unit == "月":
        return _add_months(today, -n), None
    return today - datetime.timedelta(days=n * _UNIT_DAYS[unit]), None


def _weekday(m: re.Match[str], today: datetime.date) -> Resolved:
    target = _WEEKDAYS.get(m.group("wd")) or int(m.group("wd"))
    shift = _WEEK_SHIFT[m.group("rel") or ""]
    if shift is None:  # bare 周五: the most recent one on or before today
        return today - datetime.timedelta(days=(today.isoweekday() - target) % 7), None
    monday = today - datetime.timedelta(days=today.isoweekday() - 1)
    return monday + datetime.timedelta(weeks=shift, days=target - 1), None


def _full_date(m: re.Match[str], today: datetime.date) -> Resolved:
    year, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    return _make_date(year, month, day), None


def _month_day(m: re.Match[str], today: datetime.date) -> Resolved:
    month, day = number_value(m.group("m")), number_value(m.group("d"))
    if m.group("y"):
        return _make_date(_year(m.group("y")), month, day), None
    rel_year = m.group("ry")
    if rel_year:
        offset = {"前年": -2, "去年": -1, "今年": 0}[rel_year]
        return _make_date(today.year + offset, month, day), None
    return _most_recent(month, day, today), None


def _rel_month(m: re.Match[str], today: datetime.date) -> Resolved:
    first = _add_months(today.replace(day=1), _MONTH_SHIFT[m.group("rel")])
    return _make_date(first.year, first.month, number_value(m.group("d"))), None


def _dotted(m: re.Match[str], today: datetime.date) -> Resolved:
    return _most_recent(int(m.group("m")), int(m.group("d")), today), None


def _bare_day(m: re.Match[str], today: datetime.date) -> Resolved:
    day = number_value(m.group("d"))
    for back in range(0, 12):
        first = _add_months(today.replace(day=1), -back)
        candidate = _make_date(first.year, first.month, day)
        if candidate is not None and candidate <= today:
            return candidate, None
    return None, None


def _shopping_festival(m: re.Match[str], today: datetime.date) -> Resolved:
    month = 11 if m.group("which") in ("11", "十一") else 12
    return _most_recent(month, month, today), None


def _accept_dotted(m: re.Match[str], text: str) -> bool:
    """11.3 / 11/3 is a date only if valid and not an amount (11.30元, 3.5折, 1.5kg)."""
    if not _plausible_month_day(int(m.group("m")), int(m.group("d"))):
        return False
    after = text[m.end() : m.end() + 3].lstrip().lower()
    return not after.startswith(_AMOUNT_UNITS)


def _accept_ago(m: re.Match[str], text: str) -> bool:
    """N天前 needs a well-formed count (十十天前 is not one)."""
    if m.group("half"):
        return True
    try:
        number_value(m.group("n"))
    except ValueError:
        return False
    return True


def _accept_bare_day(m: re.Match[str], text: str) -> bool:
    """15号 alone is a day of month only when 1–31 (42号 is a shoe size)."""
    return 1 <= number_value(m.group("d")) <= 31


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    handler: Handler
    accept: Accept | None = None


_RULES: tuple[_Rule, ...] = (
    _Rule(
        "full_date",
        re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
                   r"(?:[日号]|(?!\d))"),
        _full_date,
    ),
    _Rule(
        "month_day",
        re.compile(r"(?:(?P<y>(?<!\d)\d{4}|(?<!\d)\d{2}|[〇零一二三四五六七八九]{2,4})年"
                   r"|(?P<ry>前年|去年|今年))?"
                   rf"(?P<m>{_MONTH})月份?(?P<d>{_DAY}){_DAY_END}"),
        _month_day,
    ),
    _Rule(
        "relative_month",
        re.compile(rf"(?P<rel>上上|上|这|本|下)个?月(?:份)?的?(?P<d>{_DAY}){_DAY_END}"),
        _rel_month,
    ),
    _Rule(
        "weekday",
        re.compile(r"(?:(?P<rel>上上|上|这|本|下下|下)个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])(?![次遍])"),
        _weekday,
    ),
    _Rule(
        "ago",
        re.compile(rf"(?:(?P<half>半)个?月|(?<!\d)(?P<n>{_CN_COUNT})"
                   r"(?P<unit>个月|个?(?:天|日|周|星期|礼拜)))(?:之|以)?前"),
        _ago,
        _accept_ago,
    ),
    _Rule(
        "since",  # 申请退款四天了: four days ago (a count of days, weeks or months, then 了)
        re.compile(rf"(?P<half>(?!))?(?<![\d第超过快近到多零一二两三四五六七八九十百])(?P<n>{_CN_COUNT})(?P<unit>个月|个?(?:天|周|星期|礼拜))了"),
        _ago,
        _accept_ago,
    ),
    _Rule("day_word", re.compile(_DAY_WORD_PATTERN), _day_word),
    _Rule(
        "dotted",
        re.compile(r"(?<![\d¥￥$])(?<!\d[./:-])(?P<m>\d{1,2})[./](?P<d>\d{1,2})"
                   r"(?:[日号]|(?!\d|[./:]\d))"),
        _dotted,
        _accept_dotted,
    ),
    _Rule(
        "shopping_festival",  # 双11 / 双十二: the most recent 11月11日 / 12月12日
        re.compile(r"双(?P<which>11|12|十一|十二)(?!\d)"),
        _shopping_festival,
    ),
    _Rule(
        "bare_day",
        re.compile(rf"(?<![\d./月第零〇一二两三四五六七八九十])(?P<d>{_DAY})号(?![楼线店码色位])"),
        _bare_day,
        _accept_bare_day,
    ),
    _Rule(
        "bare_day_digits",  # 小二18号判的: digits right after a Chinese numeral character
        re.compile(r"(?<=[零〇一二两三四五六七八九十])(?P<d>\d{1,2})号(?![楼线店码色位])"),
        _bare_day,
        _accept_bare_day,
    ),
)  # fmt: skip


# --- scanning --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int  # including a part-of-day suffix such as 下午
    rule: _Rule
    match: re.Match[str]
    part_of_day: str | None


def _iter_hits(norm: str) -> Iterator[_Hit]:
    """Non-overlapping date expressions in normalized text, left to right.

    Every rule is a linear scan (``finditer``); at equal start the longest match wins.
    """
    candidates: list[tuple[int, int, int, re.Match[str]]] = []
    for index, rule in enumerate(_RULES):
        for match in rule.pattern.finditer(norm):
            if rule.accept is None or rule.accept(match, norm):
                candidates.append((match.start(), -match.end(), index, match))
    candidates.sort(key=lambda c: c[:3])
    position = 0
    for start, _neg_end, index, match in candidates:
        if start < position:
            continue
        end, pod = match.end(), None
        suffix = _PART_OF_DAY_RE.match(norm, end)
        if suffix:
            end, pod = suffix.end(), _PARTS_OF_DAY[suffix.group(1)]
        position = end
        yield _Hit(start, end, _RULES[index], match, pod)


def _today(now: datetime.datetime) -> datetime.date:
    """The calendar date of ``now`` in Asia/Shanghai (naive = already Shanghai time)."""
    if now.tzinfo is None or now.utcoffset() is None:
        return now.date()
    return now.astimezone(SHANGHAI).date()


def resolve_date(text: str, now: datetime.datetime) -> DateResolution:
    """Resolve the first date expression in ``text`` relative to ``now``.

    now: timezone-aware message time (any tz; converted to Asia/Shanghai). Naive = treat
    as Asia/Shanghai.
    """
    if not text or not text.strip():
        return DateResolution("empty", None, None, None)
    norm = normalize(text)
    hit = next(_iter_hits(norm), None)
    if hit is None:
        return DateResolution("unparseable", None, None, None)
    today = _today(now)
    value, word_pod = hit.rule.handler(hit.match, today)
    matched = text[hit.start : hit.end]
    part_of_day = hit.part_of_day or word_pod
    if value is None:
        return DateResolution("unparseable", None, matched, part_of_day)
    if value > today:
        return DateResolution("future", None, matched, part_of_day)
    return DateResolution("ok", value, matched, part_of_day)


def find_date_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of date expressions in the original ``text``.

    Matching runs on the normalized text, which has the same length, so the spans index
    the original (Traditional / full-width) string. Future and invalid dates are included.
    """
    if not text:
        return []
    return [(hit.start, hit.end) for hit in _iter_hits(normalize(text))]


# A date ahead (a reminder's): a month-day, a bare day or weekday without a year or a
# week is the next one on or after today; "3天后" counts forward.
_RECENT_DAYS = 31  # a month-day this recent stays in the past (11月18号 said on 11月20号)
_ROLLS_FORWARD = {"month_day", "dotted", "shopping_festival", "weekday", "bare_day",
                  "bare_day_digits"}
_AHEAD = re.compile(rf"(?<!\d)(?P<n>{_CN_COUNT})"
                    r"(?P<unit>个月|个?(?:天|日|周|星期|礼拜))(?:之|以)?后")


def _forward(hit: _Hit, value: datetime.date, today: datetime.date) -> datetime.date | None:
    """``value`` (the most recent reading) moved to the next one on or after ``today``."""
    if value >= today or hit.rule.name not in _ROLLS_FORWARD:
        return value
    groups = hit.match.groupdict()
    if groups.get("y") or groups.get("ry") or groups.get("rel"):
        return value  # a year or a week was named: it stays in the past
    if hit.rule.name == "weekday":
        return value + datetime.timedelta(days=7)
    if hit.rule.name.startswith("bare_day"):
        for ahead in range(0, 13):
            first = _add_months(today.replace(day=1), ahead)
            candidate = _make_date(first.year, first.month, value.day)
            if candidate is not None and candidate >= today:
                return candidate
        return None
    if (today - value).days <= _RECENT_DAYS:
        return value  # a day of the last month is a day gone, not next year's
    for year in range(value.year + 1, value.year + 9):
        candidate = _make_date(year, value.month, value.day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def resolve_coming_date(text: str, now: datetime.datetime) -> DateResolution:
    """The first date expression in ``text`` read as a day ahead (today or later), relative
    to ``now``: ``ok`` with the date, ``past`` for a date already gone (3天前, 去年5月1号),
    else ``unparseable`` / ``empty``."""
    if not text or not text.strip():
        return DateResolution("empty", None, None, None)
    norm, today = normalize(text), _today(now)
    ahead = _AHEAD.search(norm)
    hit = next(_iter_hits(norm), None)
    if ahead is not None and (hit is None or ahead.start() <= hit.start):
        try:
            n = number_value(ahead.group("n"))
        except ValueError:
            return DateResolution("unparseable", None, ahead.group(0), None)
        unit = ahead.group("unit").removeprefix("个")
        day = (_add_months(today, n) if unit == "月"
               else today + datetime.timedelta(days=n * _UNIT_DAYS[unit]))
        return DateResolution("ok", day, text[ahead.start():ahead.end()], None)
    if hit is None:
        return DateResolution("unparseable", None, None, None)
    value, word_pod = hit.rule.handler(hit.match, today)
    matched, pod = text[hit.start:hit.end], hit.part_of_day or word_pod
    value = None if value is None else _forward(hit, value, today)
    if value is None:
        return DateResolution("unparseable", None, matched, pod)
    return DateResolution("ok" if value >= today else "past", value if value >= today
                          else None, matched, pod)
