"""Guidance actions with tracker fixtures: dated deadlines, the ladder, evidence, progress."""

from __future__ import annotations

import pytest

from actions.guidance import (
    ActionCaseGuidance,
    ActionCheckProgress,
    ActionEvidence,
    ActionExplainDeadlines,
    ActionNextStep,
)
from tests.actions.conftest import make_tracker, message, render, responses, slot_events
from tests.data import catalog

pytestmark = pytest.mark.anyio

REFUND = {"case_type": "refund_refused", "role": "buyer", "order_status": "refunding",
          "key_date": "2026-11-18"}


async def test_guidance_dates_the_refund_deadlines_with_sources_and_caveat(dispatcher, domain):
    events = await ActionCaseGuidance().run(dispatcher, make_tracker(slots=REFUND), domain)
    text = render(domain, message(dispatcher, "utter_deadlines_dated"))
    assert "申请退款" in text and "11月18日" in text
    assert "11月21日" in text and "11月27日" in text  # 客服介入 after 3 days; 维权中心 after 9
    assert "据2022年的公开文章" in text and "src 000" not in text
    assert "不构成法律意见" in text
    assert responses(dispatcher)[-1] == "utter_guidance_menu"
    assert "ladder_rung" in slot_events(events)


async def test_working_days_skip_the_national_day_holiday(dispatcher, domain):
    # A harassment complaint received on 2026-09-30: the evidence and handling limits in
    # working days run past the 10-01..10-07 holiday.
    slots = {"case_type": "accused_of_harassment", "role": "seller", "key_date": "2026-09-30"}
    await ActionExplainDeadlines().run(dispatcher, make_tracker(slots=slots), domain)
    text = render(domain, message(dispatcher, "utter_deadlines_dated"))
    assert "10月2日" not in text and "10月5日" not in text
    assert "10月10日" in text  # the 调休 Saturday counts as a working day


async def test_dates_in_2027_say_only_weekends_were_skipped(dispatcher, domain):
    slots = {"case_type": "accused_of_harassment", "role": "seller", "key_date": "2026-12-30"}
    tracker = make_tracker(slots=slots)
    await ActionExplainDeadlines().run(dispatcher, tracker, domain)
    text = render(domain, message(dispatcher, "utter_deadlines_dated"))
    assert "2027年" in text and "只扣除了周末" in text


async def test_deadlines_without_a_date_name_the_event(dispatcher, domain):
    slots = {**REFUND, "key_date": "unknown"}
    await ActionExplainDeadlines().run(dispatcher, make_tracker(slots=slots), domain)
    text = render(domain, message(dispatcher, "utter_deadlines_undated"))
    assert "申请退款" in text and "据2022年的公开文章" in text


async def test_questions_without_a_case_ask_which_case(dispatcher, domain):
    for action in (ActionExplainDeadlines(), ActionNextStep(), ActionEvidence()):
        await action.run(dispatcher, make_tracker("下一步呢", "ask_next_step"), domain)
    assert responses(dispatcher) == ["utter_which_case"] * 3


async def test_still_not_working_climbs_one_rung_at_a_time(dispatcher, domain):
    ladder = [step.rung for step in catalog().rulebook.entry("refund_refused").ladder]
    slots = {**REFUND, "ladder_rung": 0.0}
    seen = []
    for _ in range(len(ladder) + 1):
        dispatcher.messages.clear()
        events = await ActionNextStep().run(dispatcher, make_tracker(slots=slots), domain)
        slots["ladder_rung"] = slot_events(events)["ladder_rung"]
        seen.append(int(slots["ladder_rung"]))
        render(domain, dispatcher.messages[0])
    assert seen == [*range(1, len(ladder)), len(ladder) - 1, len(ladder) - 1]
    assert responses(dispatcher) == ["utter_rung_last"]


async def test_evidence_for_the_current_rung(dispatcher, domain):
    slots = {"case_type": "seller_harassment", "role": "buyer", "ladder_rung": 0.0}
    await ActionEvidence().run(dispatcher, make_tracker(slots=slots), domain)
    text = render(domain, message(dispatcher, "utter_evidence"))
    assert "旺旺" in text and "通话记录" in text


async def test_progress_without_a_case_gives_the_general_places(dispatcher, domain):
    await ActionCheckProgress().run(dispatcher, make_tracker("投诉进度在哪看"), domain)
    assert "退款维权" in render(domain, message(dispatcher, "utter_progress"))


@pytest.mark.parametrize("entry", catalog().rulebook.entries(), ids=lambda e: e.id)
async def test_every_case_gets_complete_guidance(dispatcher, domain, entry):
    slots = {"case_type": entry.case_type, "role": entry.role, "order_status": "shipped",
             "key_date": "2026-11-18"}
    await ActionCaseGuidance().run(dispatcher, make_tracker(slots=slots), domain)
    for msg in dispatcher.messages:
        if msg.get("response") and domain["responses"][msg["response"]][0].get("text"):
            render(domain, msg)  # every template variable is filled
    assert responses(dispatcher)[-1] == "utter_guidance_menu"


async def test_guidance_and_the_ladder_are_kept_in_the_case_store(dispatcher, domain, case_store):
    slots = {**REFUND, "order_number": "3012345678901234"}
    await ActionCaseGuidance().run(dispatcher, make_tracker(slots=slots), domain)
    case = case_store.latest_open_case("test-user", "refund_refused")
    assert case.key_dates == {"refund_requested": "2026-11-18"}
    assert case.order_number == "3012345678901234"
    start = case.ladder_rung
    slots["ladder_rung"] = float(start)
    await ActionNextStep().run(dispatcher, make_tracker(slots=slots), domain)
    assert case_store.latest_open_case("test-user").ladder_rung == start + 1


async def test_a_broken_case_store_never_breaks_the_answer(dispatcher, domain, monkeypatch):
    from actions import common

    def down():
        raise RuntimeError("database is down")

    monkeypatch.setattr(common, "case_repository", down)
    await ActionCaseGuidance().run(dispatcher, make_tracker(slots=REFUND), domain)
    assert responses(dispatcher)[-1] == "utter_guidance_menu"


async def test_a_resumed_case_shows_its_limits_again(dispatcher, domain, case_store):
    from actions.records import ActionResumeCase

    first = type(dispatcher)()
    shown = slot_events(await ActionCaseGuidance().run(first, make_tracker(slots=REFUND), domain))
    assert shown["limits_shown"]  # the dated limits, shown once: not again unchanged
    again = type(dispatcher)()
    await ActionExplainDeadlines().run(again, make_tracker(slots={**REFUND, **shown}), domain)
    assert "utter_deadlines_dated" not in responses(again)
    refund = case_store.open_case("test-user", "refund_refused", "buyer")
    case_store.set_fact(refund.id, "refund_requested", "2026-11-18")
    resumed = slot_events(await ActionResumeCase().run(
        type(dispatcher)(), make_tracker("我上次那个退款的事", "resume_case"), domain))
    await ActionCaseGuidance().run(dispatcher, make_tracker(slots={**REFUND, **shown, **resumed}),
                                   domain)
    assert "utter_deadlines_dated" in responses(dispatcher)
