"""Resume, list and delete the user's own records (case store fixture per test)."""

from __future__ import annotations

import pytest

from actions.records import ActionDeleteMyData, ActionListCases, ActionResumeCase
from tests.actions.conftest import make_tracker, message, render, responses, slot_events

pytestmark = pytest.mark.anyio


def _ranked(*names: str) -> dict:
    return {"intent_ranking": [{"name": n, "confidence": 0.5} for n in names]}


async def test_resume_brings_back_the_named_case(dispatcher, domain, case_store):
    refund = case_store.open_case("test-user", "refund_refused", "buyer")
    case_store.set_fact(refund.id, "refund_requested", "2026-11-18")
    case_store.open_case("test-user", "counterfeit", "buyer")
    tracker = make_tracker("我上次那个退款的事", "resume_case")
    tracker.latest_message.update(_ranked("resume_case", "refund_refused"))
    slots = slot_events(await ActionResumeCase().run(dispatcher, tracker, domain))
    assert slots["case_type"] == "refund_refused" and slots["key_date"] == "2026-11-18"
    assert "卖家拒绝或拖延退款" in render(domain, message(dispatcher, "utter_case_resumed"))


async def test_resume_without_a_named_case_takes_the_latest(dispatcher, domain, case_store):
    case_store.open_case("test-user", "refund_refused", "buyer")
    case_store.open_case("test-user", "counterfeit", "buyer")
    tracker = make_tracker("继续上次的", "resume_case")
    slots = slot_events(await ActionResumeCase().run(dispatcher, tracker, domain))
    assert slots["case_type"] == "counterfeit"


async def test_resume_with_nothing_on_record(dispatcher, domain):
    events = await ActionResumeCase().run(dispatcher, make_tracker("上次那个", "resume_case"),
                                          domain)
    assert events == [] and responses(dispatcher) == ["utter_no_open_case"]


async def test_list_shows_only_this_users_open_cases(dispatcher, domain, case_store):
    case_store.open_case("test-user", "not_shipped", "buyer")
    case_store.open_case("someone-else", "lawsuit", "buyer")
    await ActionListCases().run(dispatcher, make_tracker("我的案子", "list_cases"), domain)
    listed = render(domain, message(dispatcher, "utter_case_list"))
    assert "付款后不发货" in listed and "起诉卖家" not in listed


async def test_delete_removes_cases_and_drafts_and_resets_slots(dispatcher, domain, case_store):
    case = case_store.open_case("test-user", "refund_refused", "buyer")
    case_store.add_draft(case.id, "polite", "seller", "草稿")
    case_store.open_case("someone-else", "lawsuit", "buyer")
    events = await ActionDeleteMyData().run(dispatcher, make_tracker("确认删除", "affirm"), domain)
    assert events[0] == {"event": "reset_slots", "timestamp": None}
    assert slot_events(events) == {"data_erased": True}  # the explicit success event
    assert case_store.open_cases("test-user") == []
    assert len(case_store.open_cases("someone-else")) == 1
    assert responses(dispatcher) == ["utter_data_deleted"]



async def test_a_failed_delete_says_so_and_sends_no_success_event(dispatcher, domain,
                                                                  monkeypatch):
    from actions import common

    class Broken:
        def delete_conversation(self, _sender):
            raise OSError("disk full")

    monkeypatch.setattr(common, "case_repository", lambda: Broken())
    events = await ActionDeleteMyData().run(dispatcher, make_tracker("确认删除", "affirm"), domain)
    assert events == [] and responses(dispatcher) == ["utter_delete_failed"]


async def test_delete_removes_the_uploaded_images_too(dispatcher, domain, case_store,
                                                      monkeypatch, tmp_path):
    from actions import common
    from bot.uploads.store import LocalUploadStore, new_upload_id

    images = LocalUploadStore(tmp_path)
    mine, theirs = new_upload_id(), new_upload_id()
    images.put("test-user", mine, "png", b"mine")
    images.put("someone-else", theirs, "png", b"theirs")
    monkeypatch.setattr(common, "upload_store", lambda: images)
    await ActionDeleteMyData().run(dispatcher, make_tracker("确认删除", "affirm"), domain)
    assert images.get("test-user", mine) is None
    assert images.get("someone-else", theirs) is not None


async def test_the_resumed_case_lives_in_the_conversation_not_the_slots(dispatcher, domain,
                                                                        case_store):
    """The resume reply carries the case's record; the next turn reads the case from it, and
    slots that name a case without it are not read back as a second source (issue 26)."""
    from actions.guidance import ActionCaseGuidance
    from bot.case_view import RESUMED_MARK

    refund = case_store.open_case("test-user", "refund_refused", "buyer")
    case_store.set_fact(refund.id, "refund_requested", "2026-11-18")
    await ActionResumeCase().run(dispatcher, make_tracker("我上次那个退款的事", "resume_case"),
                                 domain)
    record = message(dispatcher, "utter_case_resumed")["custom"][RESUMED_MARK]
    assert record["case_type"] == "refund_refused" and record["key_date"] == "2026-11-18"

    after = make_tracker("然后呢", "ask_next_step")
    after.events.insert(0, {"event": "bot", "text": "", "data": {"custom": {RESUMED_MARK: record}}})
    guided = type(dispatcher)()
    await ActionCaseGuidance().run(guided, after, domain)
    assert "utter_which_case" not in responses(guided)

    slots_only = make_tracker("然后呢", "ask_next_step", slots={"case_type": "refund_refused",
                                                               "role": "buyer"})
    slots_only.events[:] = slots_only.events[-1:]  # the slots name a case; the conversation not
    unguided = type(dispatcher)()
    await ActionCaseGuidance().run(unguided, slots_only, domain)
    assert responses(unguided) == ["utter_which_case"]
