"""The case actions with tracker fixtures: opening a case and the case form."""

from __future__ import annotations

from datetime import datetime

import pytest

from actions.case import ActionAskKeyDate, ActionOpenCase, ValidateCaseForm
from bot.case_view import UNKNOWN_DATE
from tests.actions.conftest import make_tracker, message, render, responses, slot_events

pytestmark = pytest.mark.anyio


async def test_open_case_explains_the_case_and_sets_the_buyer_role(dispatcher, domain):
    tracker = make_tracker("卖家一直不同意退款怎么办", "refund_refused")
    events = await ActionOpenCase().run(dispatcher, tracker, domain)
    slots = slot_events(events)
    assert slots["case_type"] == "refund_refused"
    assert slots["role"] == "buyer"
    text = render(domain, message(dispatcher, "utter_case_intro"))
    assert "退款" in text and "我的淘宝" in text


async def test_open_case_for_a_seller_case_sets_the_seller_role(dispatcher, domain):
    tracker = make_tracker("买家投诉我恶意骚扰", "accused_of_harassment")
    events = await ActionOpenCase().run(dispatcher, tracker, domain)
    assert slot_events(events)["role"] == "seller"


async def test_open_case_leaves_role_open_when_the_case_has_two_sides(dispatcher, domain):
    tracker = make_tracker("小二判我输了", "ruling_unfair")
    events = await ActionOpenCase().run(dispatcher, tracker, domain)
    assert slot_events(events)["role"] is None


async def test_open_case_takes_the_role_the_user_states(dispatcher, domain):
    entity = {"entity": "role", "value": "seller", "start": 0, "end": 4}
    tracker = make_tracker("我是卖家，小二判我输了", "ruling_unfair", [entity])
    events = await ActionOpenCase().run(dispatcher, tracker, domain)
    assert slot_events(events)["role"] == "seller"


async def test_threats_put_safety_first(dispatcher, domain):
    tracker = make_tracker("卖家给我寄了冥币还说要找上门", "seller_harassment")
    await ActionOpenCase().run(dispatcher, tracker, domain)
    assert responses(dispatcher)[0] == "utter_safety_first"
    assert "110" in render(domain, message(dispatcher, "utter_safety_first"))


async def test_switching_case_clears_the_old_case_facts(dispatcher, domain):
    old = {"case_type": "not_shipped", "order_status": "not_shipped", "key_date": "2026-11-01"}
    tracker = make_tracker("其实是假货", "counterfeit", slots=old)
    slots = slot_events(await ActionOpenCase().run(dispatcher, tracker, domain))
    assert slots["case_type"] == "counterfeit"
    assert slots["order_status"] is None and slots["key_date"] is None


async def test_open_case_without_a_case_intent_asks_which_case(dispatcher, domain):
    events = await ActionOpenCase().run(dispatcher, make_tracker("嗯", "affirm"), domain)
    assert events == [] and responses(dispatcher) == ["utter_which_case"]


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"case_type": "refund_refused", "role": "buyer"}, ["order_status", "key_date"]),
        ({"case_type": "ruling_unfair"}, ["role"]),
        ({"case_type": "accused_of_harassment", "role": "seller"}, ["key_date"]),
        ({"case_type": "listing_violation", "role": "seller"}, []),
        ({"case_type": "staff_complaint", "role": "seller"}, ["role"]),
        ({"case_type": "logistics_claim"}, ["role", "order_status", "key_date"]),
        ({}, []),
    ],
)
async def test_the_form_asks_only_what_the_case_needs(dispatcher, domain, slots, expected):
    form = ValidateCaseForm()
    tracker = make_tracker(slots=slots)
    asked = await form.required_slots(form.domain_slots(domain), dispatcher, tracker, domain)
    assert asked == expected


def _asked(slot: str, **slots) -> dict:
    return {"case_type": "refund_refused", "role": "buyer", "requested_slot": slot, **slots}


async def test_key_date_is_resolved_against_the_message_time(dispatcher, domain):
    tracker = make_tracker("11月18号申请的", "inform", slots=_asked("key_date"))
    assert await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain) == {
        "key_date": "2026-11-18"
    }


async def test_relative_dates_use_the_shanghai_day_of_the_message(dispatcher, domain):
    # 17:30 UTC on 11-21 is already 01:30 on 11-22 in Shanghai, so 昨天 is 11-21.
    utc_evening = datetime.fromisoformat("2026-11-21T17:30:00+00:00")
    tracker = make_tracker("昨天", "inform", slots=_asked("key_date"), at=utc_evening)
    result = await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain)
    assert result == {"key_date": "2026-11-21"}


async def test_a_future_date_is_asked_again(dispatcher, domain):
    tracker = make_tracker("2026年12月1日", "inform", slots=_asked("key_date"))
    assert await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain) == {
        "key_date": None
    }
    assert "2026年12月1日" in render(domain, message(dispatcher, "utter_key_date_future"))


async def test_an_unreadable_date_is_asked_again(dispatcher, domain):
    tracker = make_tracker("就那天吧", "inform", slots=_asked("key_date"))
    assert await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain) == {
        "key_date": None
    }
    assert responses(dispatcher) == ["utter_key_date_unclear"]


async def test_not_remembering_the_date_is_accepted(dispatcher, domain):
    tracker = make_tracker("不记得了", "deny", slots=_asked("key_date"))
    assert await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain) == {
        "key_date": UNKNOWN_DATE
    }


async def test_a_question_during_the_form_is_left_to_the_policies(dispatcher, domain):
    tracker = make_tracker("客服介入要等几天", "ask_deadline", slots=_asked("key_date"))
    assert await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain) == {}
    assert dispatcher.messages == []


async def test_a_date_in_the_opening_message_fills_the_slot(dispatcher, domain):
    entity = {"entity": "date", "value": "11月18号", "start": 1, "end": 7}
    slots = {"case_type": "refund_refused", "role": "buyer"}
    tracker = make_tracker("我11月18号申请的退款卖家不理", "refund_refused", [entity], slots)
    assert await ValidateCaseForm().extract_key_date(dispatcher, tracker, domain) == {
        "key_date": "2026-11-18"
    }


async def test_order_status_comes_from_the_entity(dispatcher, domain):
    entity = {"entity": "order_status", "value": "shipped", "start": 0, "end": 5}
    tracker = make_tracker("已经发货了", "inform", [entity], _asked("order_status"))
    assert await ValidateCaseForm().extract_order_status(dispatcher, tracker, domain) == {
        "order_status": "shipped"
    }


async def test_an_unclear_answer_to_order_status_is_asked_again(dispatcher, domain):
    tracker = make_tracker("不太清楚", "inform", slots=_asked("order_status"))
    assert await ValidateCaseForm().extract_order_status(dispatcher, tracker, domain) == {
        "order_status": None
    }
    assert responses(dispatcher) == ["utter_slot_unclear"]


async def test_role_answer(dispatcher, domain):
    entity = {"entity": "role", "value": "buyer", "start": 0, "end": 2}
    slots = {"case_type": "ruling_unfair", "requested_slot": "role"}
    tracker = make_tracker("买家", "inform", [entity], slots)
    assert await ValidateCaseForm().extract_role(dispatcher, tracker, domain) == {"role": "buyer"}


async def test_ask_key_date_names_the_event_of_the_case(dispatcher, domain):
    tracker = make_tracker(slots={"case_type": "refund_refused", "role": "buyer"})
    await ActionAskKeyDate().run(dispatcher, tracker, domain)
    assert render(domain, message(dispatcher, "utter_ask_key_date")).startswith("申请退款")


async def test_ask_key_date_follows_the_order_status(dispatcher, domain):
    slots = {"case_type": "not_shipped", "role": "buyer", "order_status": "refunding"}
    await ActionAskKeyDate().run(dispatcher, make_tracker(slots=slots), domain)
    assert render(domain, message(dispatcher, "utter_ask_key_date")).startswith("申请退款")


async def test_threats_in_traditional_characters_put_safety_first(dispatcher, domain):
    tracker = make_tracker("賣家說知道我家地址要上門找我", "not_shipped")
    await ActionOpenCase().run(dispatcher, tracker, domain)
    assert responses(dispatcher)[0] == "utter_safety_first"
