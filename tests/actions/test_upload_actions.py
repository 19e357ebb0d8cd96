# ruff: noqa: E501 - the conversations are easier to read on one line
"""Upload turns through the actions: what was read is said and asked, the confirmation
adds it, the evidence list ticks the item off, drafts and the case file list the image."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.case import ActionCaseTurn
from actions.drafting import ActionCaseFile
from actions.guidance import ActionEvidence
from actions.uploads import ActionReadUpload
from bot.dates import SHANGHAI
from bot.uploads.service import upload_payload
from tests.actions.conftest import SLOT_NAMES, message, render, responses

AT = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
ORDER = "订单号4012345678901234567。实付268.00元。2026年11月18日下单。"
CHAT = "对方说“不给退，你自己看着办”。"


def _upload_event(text: str, kind: str, name: str) -> dict[str, Any]:
    payload = upload_payload("b" * 24, name, kind, text)
    entities = [{"entity": key, "value": value}
                for key, value in json.loads(payload[len("/upload_evidence"):]).items()]
    return {"event": "user", "timestamp": AT.timestamp(), "text": payload,
            "parse_data": {"text": payload, "intent": {"name": "upload_evidence", "confidence": 1.0},
                           "intent_ranking": [{"name": "upload_evidence", "confidence": 1.0}],
                           "entities": entities}}


def _said(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "timestamp": AT.timestamp(), "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                           "intent_ranking": [{"name": intent, "confidence": 0.9}], "entities": []}}


def tracker(events: list[dict[str, Any]]) -> Tracker:
    slots = {name: None for name in (*SLOT_NAMES, "caveat_for", "guided_for", "limits_shown",
                                     "asked", "asked_event")}
    slots.update({"case_type": "refund_refused", "role": "buyer", "caveat_for": "refund_refused@1"})
    return Tracker(sender_id="web-test", slots=slots, latest_message=events[-1]["parse_data"],
                   events=events, paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


@pytest.mark.anyio
async def test_an_upload_says_what_it_read_and_asks(dispatcher, domain):
    events = [_said("卖家一直不同意退款", "refund_refused"), _upload_event(ORDER, "order_page", "订单.png")]
    await ActionReadUpload().run(dispatcher, tracker(events), domain)
    assert responses(dispatcher) == ["utter_upload_read"]
    text = render(domain, message(dispatcher, "utter_upload_read"))
    assert "订单号4012345678901234567" in text and "实付268元" in text
    assert "11月18日付款" in text and "订单页面截图" in text and "订单.png" in text


@pytest.mark.anyio
async def test_a_photo_with_no_text_asks_whether_to_keep_it(dispatcher, domain):
    events = [_said("收到就是坏的", "quality_problem"), _upload_event("", "goods", "photo.jpg")]
    await ActionReadUpload().run(dispatcher, tracker(events), domain)
    assert responses(dispatcher) == ["utter_upload_read_nothing"]


@pytest.mark.anyio
async def test_the_confirmation_adds_it_and_the_evidence_list_ticks_it(dispatcher, domain):
    events = [_said("卖家一直不同意退款", "refund_refused"),
              _upload_event(ORDER, "order_page", "订单.png"),
              _upload_event(CHAT, "chat", "聊天.png"), _said("对", "affirm")]
    await ActionCaseTurn().run(dispatcher, tracker(events), domain)
    added = render(domain, message(dispatcher, "utter_upload_added"))
    assert "订单页面截图（附件：订单.png）" in added and "聊天截图（附件：聊天.png）" in added
    assert "utter_act_yes" not in responses(dispatcher)  # no "好的，明白了" after it
    dispatcher.messages.clear()
    await ActionEvidence().run(dispatcher, tracker([*events, _said("要准备什么证据", "ask_evidence")]), domain)
    listed = message(dispatcher, "utter_evidence")
    held = [line for line in listed["items"].splitlines() if "✓" in line or "已有" in line]
    assert any("聊天" in line for line in held), listed["items"]


@pytest.mark.anyio
async def test_the_case_file_lists_the_uploads_by_name(dispatcher, domain):
    events = [_said("卖家一直不同意退款", "refund_refused"),
              _upload_event(ORDER, "order_page", "订单.png"), _said("对", "affirm"),
              _said("把案件材料整理给我", "request_case_file")]
    await ActionCaseFile().run(dispatcher, tracker(events), domain)
    text = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert "订单页面截图（附件：订单.png）" in text and "4012345678901234567" in text


@pytest.mark.anyio
async def test_a_denied_reading_is_not_added(dispatcher, domain):
    events = [_said("卖家一直不同意退款", "refund_refused"),
              _upload_event(ORDER, "order_page", "订单.png"), _said("不对", "deny")]
    await ActionCaseTurn().run(dispatcher, tracker(events), domain)
    assert "utter_upload_kept_unread" in responses(dispatcher)


@pytest.mark.anyio
@pytest.mark.parametrize("text", ["我有截图，怎么发给你", "聊天截图可以发给你看吗", "照片怎么上传"])
async def test_asking_how_to_send_a_screenshot_is_told_how(dispatcher, domain, text):
    events = [_said("卖家一直不同意退款", "refund_refused"), _said(text, "ask_evidence")]
    await ActionEvidence().run(dispatcher, tracker(events), domain)
    assert responses(dispatcher) == ["utter_upload_how"]
    assert "已一并上传" not in render(domain, message(dispatcher, "utter_upload_how"))


@pytest.mark.anyio
async def test_an_evidence_question_without_a_screenshot_is_the_checklist(dispatcher, domain):
    events = [_said("卖家一直不同意退款", "refund_refused"), _said("要准备什么证据", "ask_evidence")]
    await ActionEvidence().run(dispatcher, tracker(events), domain)
    assert "utter_upload_how" not in responses(dispatcher)
