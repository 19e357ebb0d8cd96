"""The drafting action and the draft form with tracker fixtures."""

from __future__ import annotations

import pytest

from actions.drafting import SKIPPED, ActionDraftComplaint, ValidateDraftForm
from tests.actions.conftest import make_tracker, message, render, responses, slot_events

pytestmark = pytest.mark.anyio

CASE = {"case_type": "refund_refused", "role": "buyer", "order_status": "refunding",
        "key_date": "2026-11-18"}
FACTS = {"order_number": "3012345678901234", "item": "一件羽绒服", "amount": "299",
         "payment_date": "2026-11-10",
         "what_happened": "11月18日申请退款，卖家一直拒绝", "demand": "全额退款",
         "shop_name": "某某旗舰店", "evidence": "旺旺聊天截图、退款页面截图"}


def _draft_text(dispatcher) -> str:
    return "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))


async def test_draft_with_all_facts_uses_them_and_leaves_no_placeholder(dispatcher, domain):
    tracker = make_tracker("帮我写个投诉", "request_draft", slots={**CASE, **FACTS})
    events = await ActionDraftComplaint().run(dispatcher, tracker, domain)
    draft = _draft_text(dispatcher)
    for value in ("3012345678901234", "一件羽绒服", "299", "全额退款", "某某旗舰店"):
        assert value in draft
    assert "2026年11月18日" in draft
    assert "【" not in draft and "旺旺聊天截图" in draft
    assert "utter_draft_header" in responses(dispatcher)
    assert slot_events(events)["tone"] == "polite"


async def test_missing_facts_become_placeholders_and_are_named(dispatcher, domain):
    tracker = make_tracker("帮我写个投诉", "request_draft", slots=CASE)
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    assert "【订单号】" in _draft_text(dispatcher)
    assert "订单号" in render(domain, message(dispatcher, "utter_draft_missing"))


async def test_firm_tone_states_the_deadline_and_next_step(dispatcher, domain):
    slots = {**CASE, **FACTS, "tone": "firm"}
    await ActionDraftComplaint().run(dispatcher, make_tracker(slots=slots), domain)
    firm = _draft_text(dispatcher)
    polite_dispatcher = type(dispatcher)()
    slots["tone"] = "polite"
    await ActionDraftComplaint().run(polite_dispatcher, make_tracker(slots=slots), domain)
    assert firm != _draft_text(polite_dispatcher)
    assert "11月21日" in firm  # 客服介入 possible from (refund + 3 days), from the rule book


async def test_the_same_draft_is_not_shown_twice(dispatcher, domain):
    tracker = make_tracker(slots={**CASE, **FACTS})
    events = await ActionDraftComplaint().run(dispatcher, tracker, domain)
    again = type(dispatcher)()
    slots = {**CASE, **FACTS, **slot_events(events)}
    assert await ActionDraftComplaint().run(again, make_tracker(slots=slots), domain) == []
    assert again.messages == []


async def test_regulator_draft_for_a_seller_case_is_refused_politely(dispatcher, domain):
    slots = {"case_type": "accused_of_harassment", "role": "seller", "addressee": "regulator"}
    events = await ActionDraftComplaint().run(dispatcher, make_tracker(slots=slots), domain)
    assert "utter_draft_addressee_unavailable" in responses(dispatcher)
    assert slot_events(events)["addressee"] == "platform"


async def test_draft_without_a_case_asks_which_case(dispatcher, domain):
    tracker = make_tracker("帮我写投诉", "request_draft")
    await ActionDraftComplaint().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_which_case"]


async def test_the_form_asks_for_contact_only_for_12315(dispatcher, domain):
    form = ValidateDraftForm()
    slots = {**CASE}
    asked = await form.required_slots([], dispatcher, make_tracker(slots=slots), domain)
    assert "order_number" in asked and "contact" not in asked
    slots["addressee"] = "regulator"
    asked = await form.required_slots([], dispatcher, make_tracker(slots=slots), domain)
    assert "contact" in asked


async def test_free_text_answers_and_skips(dispatcher, domain):
    form = ValidateDraftForm()
    asked = {**CASE, "requested_slot": "item"}
    tracker = make_tracker("一件黑色羽绒服", "inform", slots=asked)
    assert await form.extract_item(dispatcher, tracker, domain) == {"item": "一件黑色羽绒服"}
    tracker = make_tracker("跳过", "inform", slots=asked)
    assert await form.extract_item(dispatcher, tracker, domain) == {"item": SKIPPED}
    tracker = make_tracker("语气强硬一点", "request_draft", slots=asked)
    assert await form.extract_item(dispatcher, tracker, domain) == {}


async def test_order_number_from_digits_in_the_answer(dispatcher, domain):
    asked = {**CASE, "requested_slot": "order_number"}
    tracker = make_tracker("是 30123456789", "inform", slots=asked)
    result = await ValidateDraftForm().extract_order_number(dispatcher, tracker, domain)
    assert result == {"order_number": "30123456789"}
    tracker = make_tracker("我找找", "inform", slots=asked)
    result = await ValidateDraftForm().extract_order_number(dispatcher, tracker, domain)
    assert result == {"order_number": None}


async def test_the_next_step_named_in_a_draft_follows_the_addressee(dispatcher, domain):
    from bot.rulebook import load_rulebook

    book = load_rulebook()
    names = {book.rung(r).id: book.rung(r).name for r in ("external_complaint", "court")}
    slots = {**CASE, **FACTS, "tone": "firm", "addressee": "platform"}
    await ActionDraftComplaint().run(dispatcher, make_tracker(slots=slots), domain)
    to_platform = _draft_text(dispatcher)
    assert names["external_complaint"] in to_platform
    assert "别一直等" not in to_platform and "src 000" not in to_platform  # advice stays out
    regulator = type(dispatcher)()
    slots["addressee"] = "regulator"
    await ActionDraftComplaint().run(regulator, make_tracker(slots=slots), domain)
    assert names["court"] in _draft_text(regulator)


async def test_shown_drafts_are_kept_with_the_case(dispatcher, domain, case_store):
    await ActionDraftComplaint().run(dispatcher, make_tracker(slots={**CASE, **FACTS}), domain)
    case = case_store.latest_open_case("test-user", "refund_refused")
    drafts = case_store.drafts(case.id)
    assert len(drafts) == 1 and "3012345678901234" in drafts[0].text
