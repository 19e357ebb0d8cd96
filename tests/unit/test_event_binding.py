"""Which event each date of a message dates (bot/understanding/events.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.understanding.extract import read_message
from bot.understanding.state import Turn, derive_case_state
from tests.data import catalog

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def bound(text: str) -> list[tuple[str | None, str]]:
    return [(d.event, d.day.isoformat()) for d in read_message(text, NOW, catalog().lexicon).dates]


@pytest.mark.parametrize(("text", "expected"), [
    # a short verb with 的 names its event
    ("11月8号发的，是物流卡住了", [("shipped", "2026-11-08")]),
    ("是11月10号到的，还没确认收货", [("signed", "2026-11-10")]),
    ("说错，是11月8号付的", [("paid", "2026-11-08")]),
    # a specific cue beats a weak one
    ("昨天收到的平台通知，说被投诉", [("notice_received", "2026-11-19")]),
    ("11月9号申请的小二介入，昨天出的结果",
     [("intervention_requested", "2026-11-09"), ("ruling", "2026-11-19")]),
    # a weak cue several events share takes the one the clause before names
    ("平台那边也申请过介入了，11月10号申请的", [("intervention_requested", "2026-11-10")]),
    ("卖家拒绝退款，我11月5号申请的", [("refund_requested", "2026-11-05")]),
    ("通知说标题有极限词，11月18号收到的", [("notice_received", "2026-11-18")]),
    # a cue told of the return dates the return, and the return carries to the next clause
    ("退货11月17号签收的，拆包录了视频", [("return_signed", "2026-11-17")]),
    ("退货是上周六寄的，周一物流就显示签收了",
     [("return_shipped", "2026-11-14"), ("return_signed", "2026-11-16")]),
    ("卖家说没收到退货，可是物流显示11月16号就签收了", [("return_signed", "2026-11-16")]),
    ("我申请了退货，东西是11月3号签收的",
     [("signed", "2026-11-03")]),
    # a clause with a date but no event takes the one the next clause names
    ("昨天他在旺旺上说，给300就删差评", [("extortion_demand", "2026-11-19")]),
    ("今天早上收到一个快递，打开里面是冥币", [("threat_received", "2026-11-20")]),
    # a threat and a demand told after the call came with it; a later time does not
    ("她昨天晚上打电话给我，说不给她500就天天追评，还说要找人来堵门",
     [("harassment_started", "2026-11-19"), ("extortion_demand", "2026-11-19"),
      ("threat_received", "2026-11-19")]),
    ("11月3号收到货，后来卖家威胁我", [("signed", "2026-11-03")]),
    # a negated cue names nothing; the date after 不是 is the wrong one
    ("11月3号还没发货", [(None, "2026-11-03")]),
    ("是10月26号，不是28号", [(None, "2026-10-26")]),
    # dates people say
    ("小二18号判的不支持", [("ruling", "2026-11-18")]),
    ("申请退款四天了卖家一直拖着", [("refund_requested", "2026-11-16")]),
    ("刚刚申请了客服介入", [("intervention_requested", "2026-11-20")]),
    # a time passed beyond a limit is no date ("more than 15 days since")
    ("卖家说确认收货超过15天了不管", []),
    ("卖家说确认收货超过十五天了不管", []),
    # a dotted date is a date, not the end of a clause
    ("11.6发的货，顺丰", [("shipped", "2026-11-06")]),
    # a message sent is no shipping; the buyer sending is the return (the shop's side)
    ("他是三天前发的消息", [(None, "2026-11-17")]),
    ("买家说是周一寄出的", [("return_shipped", "2026-11-16")]),
    ("买家说是周一寄出的，物流也显示16号揽收",
     [("return_shipped", "2026-11-16"), ("return_shipped", "2026-11-16")]),
    # English words read as the table's Chinese
    ("11月11号 delivered", [("signed", "2026-11-11")]),
    ("seller 11月11号 reject 了", [("refund_refused", "2026-11-11")]),
])
def test_each_date_dates_its_event(text: str, expected: list[tuple[str | None, str]]) -> None:
    assert bound(text) == expected


def _state(*texts: str):
    c = catalog()
    turns = [Turn(text=text, time=NOW, intent="refund_refused") for text in texts]
    return derive_case_state(turns, c.rulebook, c.lexicon, c.statutes)


def test_a_correction_replaces_the_date_it_corrects_and_not_the_one_it_mentions() -> None:
    state = _state("11月12号申请的退款", "不对，退款是11月13号申请的，12号是在跟卖家聊")
    assert state.event_date("refund_requested") == dt.date(2026, 11, 13)
    state = _state("11月12号申请的退款", "啊不对，打错了，是11月14号，不是12号")
    assert state.event_date("refund_requested") == dt.date(2026, 11, 14)


def test_the_time_of_the_chat_dates_no_event():
    """"我刚才说错了" is about the chat: no date of the case."""
    import datetime as dt

    from bot.understanding.extract import read_message
    from tests.data import catalog

    at = dt.datetime.fromisoformat("2026-11-20T10:00:00+08:00")
    assert read_message("金额写错了，是1199，我刚才打错了", at, catalog().lexicon).dates == ()
    told = read_message("我刚才申请了退款", at, catalog().lexicon).dates
    assert [found.event for found in told] == ["refund_requested"]


def test_a_slip_named_anywhere_corrects_the_event_the_clause_before_names() -> None:
    state = _state("签收时间是11月16号",
                   "还有签收时间我也看错了，是15号不是16号。这种情况能直接申请退款吗？")
    assert state.event_date("signed") == dt.date(2026, 11, 15)


@pytest.mark.parametrize(("text", "expected"), [
    # phone typing: spaces between Chinese words part the clauses, so a later date does not
    # reach back to an earlier clause's event, nor an earlier verb to a later date
    ("网上买的电热毯 199 11月12号签收的 用了三天今天就不热了",
     [("signed", "2026-11-12"), (None, "2026-11-20")]),
    ("买了双鞋 我11月10号申请的退货退款 到今天商家都没理",
     [("refund_requested", "2026-11-10"), (None, "2026-11-20")]),
    # a clause that is only its date dates the event of the spaced clause before it
    ("后来他就把我拉黑了 前天的事", [("blocked", "2026-11-18")]),
    # but not after punctuation, and not a question about the date
    ("卖家拒绝退款，今天的事", [(None, "2026-11-20")]),
    ("我12号签收的 想退货 今天还来得及吗", [("signed", "2026-11-12"), (None, "2026-11-20")]),
    # the verb right after a date is its own, even a weak one after a strong one
    ("网上11月14号买的台灯 89 17号收到 一开就闪",
     [("paid", "2026-11-14"), ("signed", "2026-11-17")]),
    # a verb an earlier date took is not a later date's, for a verb before it
    ("11月14号下单的沙发 2999 18号装好 今天发现腿是歪的",
     [("paid", "2026-11-14"), (None, "2026-11-18"), (None, "2026-11-20")]),
    # a space beside an English word is no clause break
    ("买家说不给他 refund 80 块就差评", []),
])
def test_phone_typing_spaces_part_clauses(text, expected):
    assert bound(text) == expected


def test_a_demand_beside_an_english_word_stays_a_demand():
    said = read_message("买家说不给他 refund 80 块就给差评", NOW, catalog().lexicon)
    assert said.demand_amount == "80" and said.amount is None


@pytest.mark.parametrize(("text", "told"), [
    ("现在能申请小二介入了吗？", False),
    ("要是卖家还不退，我就申请小二介入", False),
    ("给他三天，到23号为止不处理我就申请小二介入", False),
    ("我打算明天申请小二介入", False),
    ("我昨天申请了小二介入", True),
])
def test_a_step_asked_about_or_supposed_is_no_step_taken(text, told) -> None:
    """A question or a plan about a step is not the step: it tells no event, and no date
    binds to it (a signed text would otherwise state a step the user never took)."""
    from bot.understanding.extract import read_message

    said = read_message(text, dt.datetime(2026, 11, 20, 10, 0), catalog().lexicon)
    assert ("intervention_requested" in said.told) is told
    assert any(found.event == "intervention_requested" for found in said.dates) is (
        told and "昨天" in text)
