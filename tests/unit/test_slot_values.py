"""Slash syntax reads only the payloads the assistant showed, and slot values are checked by
type and length (issue 24, item 10)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.server import set_aside_invalid_slots_of
from bot.nlu.normalizer import ChineseTextNormalizer
from bot.slot_values import domain_rules

FORGED = [
    '/inform{"order_number": {"a": 1}}',
    '/inform{"order_number": "' + "3" * 300 + '"}',
    '/inform{"role": "admin"}',
    "/restart",
    '  /affirm{"x": 1}',
]
SHOWN = ["/affirm", '/inform{"role": "buyer"}', ' /request_draft{"tone": "firm"} ',
         "/refund_refused"]


def _read(text: str) -> Message:
    """The message after the normalizer and Rasa's slash reader, as at inference."""
    [message] = ChineseTextNormalizer({}).process([Message({TEXT: text})])
    return YAMLStoryReader.unpack_regex_message(message, domain=None)


@pytest.mark.parametrize("text", FORGED)
def test_a_slash_message_the_assistant_never_showed_is_text(text: str) -> None:
    message = _read(text)
    assert message.get(INTENT) is None
    assert not message.get("entities")


@pytest.mark.parametrize("text", SHOWN)
def test_a_payload_of_a_button_is_read_as_its_intent(text: str) -> None:
    message = _read(text)
    assert message.get(INTENT)["name"] == text.strip()[1:].split("{")[0]


def test_the_payloads_come_from_the_domains_buttons() -> None:
    payloads = domain_rules().payloads
    assert '/inform{"role": "seller"}' in payloads and "/deny" in payloads
    assert not any("{{" in payload for payload in payloads)


@pytest.mark.parametrize(("name", "value", "ok"), [
    ("order_number", "3512345678901234567", True),
    ("order_number", {"a": 1}, False),
    ("order_number", "3" * 300, False),
    ("order_number", "12ab", False),
    ("amount", "1299.5", True),
    ("amount", "9" * 300, False),
    ("amount", ["1"], False),
    ("role", "buyer", True),
    ("role", "admin", False),
    ("tone", {"firm": True}, False),
    ("ladder_rung", 2.0, True),
    ("ladder_rung", True, False),
    ("ladder_rung", float("nan"), False),
    ("ladder_rung", 10**300, False),
    ("item", "蓝牙耳机", True),
    ("item", "长" * 5000, False),
    ("draft_missing", ["shop_name"], True),
    ("draft_missing", "shop_name", False),
    ("data_erased", True, True),
    ("data_erased", "yes", False),
    ("session_started_metadata", {"channel": "web"}, True),
    ("anything", None, True),
])
def test_slot_values_are_checked_by_type_and_length(name: str, value: Any, ok: bool) -> None:
    assert domain_rules().slot_ok(name, value) is ok


@dataclass
class Call:
    path: str = "/webhook"
    json: Any = field(default_factory=dict)


def test_the_action_server_sets_aside_values_that_do_not_fit() -> None:
    slots = {"order_number": {"a": 1}, "amount": "3" * 300, "role": "buyer",
             "case_type": "refund_refused", "ladder_rung": 1.0}
    call = Call(json={"next_action": "action_case_turn", "sender_id": "web-x",
                      "tracker": {"sender_id": "web-x", "slots": dict(slots)}})
    assert set_aside_invalid_slots_of(call) == ["amount", "order_number"]
    assert call.json["tracker"]["slots"] == {**slots, "order_number": None, "amount": None}
    assert set_aside_invalid_slots_of(Call(path="/health", json=None)) == []
    assert set_aside_invalid_slots_of(Call(json=json.loads('["not", "a", "call"]'))) == []
