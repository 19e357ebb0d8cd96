"""bot.dates: Chinese date expressions resolved against the message time."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from bot.dates import SHANGHAI, DateResolution, find_date_spans, resolve_date

# Sunday 2026-11-22, 10:00 in Shanghai.
SUNDAY = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
# Monday 2026-11-23.
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
# Monday 2026-01-05: month-day answers wrap to the previous year.
NEW_YEAR = dt.datetime(2026, 1, 5, 12, 0, tzinfo=SHANGHAI)
# Saturday 17:30 UTC is already Sunday 01:30 in Shanghai.
UTC_LATE = dt.datetime(2026, 11, 21, 17, 30, tzinfo=dt.UTC)


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# (text, expected date) on SUNDAY 2026-11-22
OK_ON_SUNDAY = [
    ("今天", "2026-11-22"),
    ("昨天", "2026-11-21"),
    ("前天", "2026-11-20"),
    ("大前天", "2026-11-19"),
    ("3天前", "2026-11-19"),
    ("三天前", "2026-11-19"),
    ("十五天前", "2026-11-07"),
    ("两天前", "2026-11-20"),
    ("5天之前", "2026-11-17"),
    ("2周前", "2026-11-08"),
    ("两个星期前", "2026-11-08"),
    ("一个礼拜前", "2026-11-15"),
    ("半个月前", "2026-11-07"),
    ("一个月前", "2026-10-22"),
    ("上周五", "2026-11-13"),
    ("上星期五", "2026-11-13"),
    ("上礼拜五", "2026-11-13"),
    ("上周日", "2026-11-15"),
    ("上个星期天", "2026-11-15"),
    ("上上周五", "2026-11-06"),
    ("这周一", "2026-11-16"),
    ("本周三", "2026-11-18"),
    ("这周日", "2026-11-22"),
    ("周五", "2026-11-20"),
    ("星期日", "2026-11-22"),
    ("礼拜一", "2026-11-16"),
    ("上个月15号", "2026-10-15"),
    ("上月15日", "2026-10-15"),
    ("本月3号", "2026-11-03"),
    ("这个月3号", "2026-11-03"),
    ("11月3号", "2026-11-03"),
    ("11月3日", "2026-11-03"),
    ("十一月三号", "2026-11-03"),
    ("12月28号", "2025-12-28"),
    ("11.3", "2026-11-03"),
    ("11/3", "2026-11-03"),
    ("2026-11-03", "2026-11-03"),
    ("2026/11/03", "2026-11-03"),
    ("2026.11.3", "2026-11-03"),
    ("2026年11月3日", "2026-11-03"),
    ("26年11月3日", "2026-11-03"),
    ("二〇二六年十一月三日", "2026-11-03"),
    ("去年12月20号", "2025-12-20"),
    ("15号", "2026-11-15"),
    ("25号", "2026-10-25"),
    ("2月29号", "2024-02-29"),
    ("双十一那天下的单", "2026-11-11"),
    ("雙12", "2025-12-12"),
    # Traditional and full-width forms
    ("上個月15號", "2026-10-15"),
    ("上週五", "2026-11-13"),
    ("上禮拜五", "2026-11-13"),
    ("兩天前", "2026-11-20"),
    ("兩個星期前", "2026-11-08"),
    ("十一月三號", "2026-11-03"),
    ("這個月3號", "2026-11-03"),
    ("２０２６／１１／０３", "2026-11-03"),
    ("１１月３號", "2026-11-03"),
    # inside a sentence; the first expression wins
    ("我是上周五申请的退款", "2026-11-13"),
    ("大概三天前吧，不太记得了", "2026-11-19"),
    ("商品11.30元，我在11.3申请的", "2026-11-03"),
    ("打了3.5折，11月3号付的款", "2026-11-03"),
    ("我11/3申请，11/10被拒", "2026-11-03"),
    ("售后天猫客服昨天才回", "2026-11-21"),
]


@pytest.mark.parametrize(("text", "expected"), OK_ON_SUNDAY)
def test_resolves_relative_to_sunday(text: str, expected: str) -> None:
    result = resolve_date(text, SUNDAY)
    assert result.status == "ok", result
    assert result.value == d(expected)
    assert result.matched is not None and result.matched in text


@pytest.mark.parametrize(
    ("text", "matched", "part_of_day", "expected"),
    [
        ("10月1日下午", "10月1日下午", "afternoon", "2026-10-01"),
        ("昨天晚上", "昨天晚上", "evening", "2026-11-21"),
        ("昨天晚上十点左右", "昨天晚上", "evening", "2026-11-21"),
        ("前天上午申请的", "前天上午", "morning", "2026-11-20"),
        ("昨晚", "昨晚", "evening", "2026-11-21"),
        ("上週五下午", "上週五下午", "afternoon", "2026-11-13"),
        ("今天", "今天", None, "2026-11-22"),
    ],
)
def test_part_of_day(text: str, matched: str, part_of_day: str | None, expected: str) -> None:
    assert resolve_date(text, SUNDAY) == DateResolution("ok", d(expected), matched, part_of_day)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("明天", "明天"),
        ("后天", "后天"),
        ("下周一", "下周一"),
        ("下个月1号", "下个月1号"),
        ("2026-12-01", "2026-12-01"),
        ("今年12月1号", "今年12月1号"),
        ("2027年1月1日", "2027年1月1日"),
    ],
)
def test_future_dates(text: str, matched: str) -> None:
    assert resolve_date(text, SUNDAY) == DateResolution("future", None, matched, None)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("2月30号", "2月30号"),
        ("13月1号", "13月1号"),
        ("2026-02-30", "2026-02-30"),
        ("上个月31号", "上个月31号"),  # October has 31, but on 2026-12-05 November does not
    ],
)
def test_invalid_dates_are_unparseable(text: str, matched: str) -> None:
    now = dt.datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
    assert resolve_date(text, now) == DateResolution("unparseable", None, matched, None)


@pytest.mark.parametrize(
    "text",
    ["不记得了", "好的", "11.30元", "3.5折", "11.3%", "1.5kg", "¥11.3", "版本1.2.3", "42号鞋",
     "售后天猫", "每周一次", "十十天前", "我的订单号是123456"],
)  # fmt: skip
def test_no_date_expression(text: str) -> None:
    assert resolve_date(text, SUNDAY) == DateResolution("unparseable", None, None, None)


@pytest.mark.parametrize("text", ["", "   ", "\u3000", "\n\t"])
def test_empty(text: str) -> None:
    assert resolve_date(text, SUNDAY) == DateResolution("empty", None, None, None)


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (MONDAY, "上周五", "2026-11-20"),
        (MONDAY, "上周日", "2026-11-22"),
        (MONDAY, "周五", "2026-11-20"),
        (MONDAY, "这周一", "2026-11-23"),
        (MONDAY, "今天", "2026-11-23"),
        (NEW_YEAR, "12月28号", "2025-12-28"),
        (NEW_YEAR, "12.28", "2025-12-28"),
        (NEW_YEAR, "上个月15号", "2025-12-15"),
        (NEW_YEAR, "十天前", "2025-12-26"),
        (NEW_YEAR, "上周五", "2026-01-02"),
        (NEW_YEAR, "一个月前", "2025-12-05"),
        (UTC_LATE, "今天", "2026-11-22"),
        (UTC_LATE, "昨天", "2026-11-21"),
        (UTC_LATE, "周五", "2026-11-20"),
        (dt.datetime(2026, 11, 22, 1, 30), "昨天", "2026-11-21"),  # naive = Shanghai
        (dt.datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI), "一个月前", "2026-02-28"),
    ],
)
def test_other_message_times(now: dt.datetime, text: str, expected: str) -> None:
    result = resolve_date(text, now)
    assert (result.status, result.value) == ("ok", d(expected))


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (MONDAY, "这周三"),  # later this week
        (NEW_YEAR, "本月20号"),
        (NEW_YEAR, "2026年1月6日"),
    ],
)
def test_future_with_other_message_times(now: dt.datetime, text: str) -> None:
    assert resolve_date(text, now).status == "future"


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("我上週五下午申請，金額１１．３０元，１１．３號又催了", [(1, 6), (18, 23)]),
        ("上個月15號申請的退款", [(0, 6)]),
        ("２０２６年１１月３日和兩天前", [(0, 10), (11, 14)]),
        ("打了3.5折", []),
        ("好的", []),
        ("", []),
        ("明天或2月30号", [(0, 2), (3, 8)]),  # future and invalid dates are still dates
    ],
)
def test_find_date_spans_index_the_original(text: str, spans: list[tuple[int, int]]) -> None:
    assert find_date_spans(text) == spans


def test_spans_and_matched_agree_on_traditional_text() -> None:
    text = "我記得是十一月三號晚上"
    (start, end), *_ = find_date_spans(text)
    result = resolve_date(text, SUNDAY)
    assert text[start:end] == result.matched == "十一月三號晚上"
    assert result.part_of_day == "evening"


def test_long_input_is_fast_and_finds_the_first_date() -> None:
    text = "好的" * 2500 + "11.30元" * 500 + "1" * 2000 + "上周五" + "十" * 1000
    started = time.perf_counter()
    result = resolve_date(text, SUNDAY)
    spans = find_date_spans(text)
    assert time.perf_counter() - started < 1.0
    assert result.value == d("2026-11-13")
    assert len(spans) == 1
