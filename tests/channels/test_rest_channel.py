"""The REST channel: Rasa's payload and path, input checks, and never a silent turn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from rasa.core.channels.channel import UserMessage

from bot.channels.rest import SafeRestInput, no_reply_text
from tests.channels.sanic_server import serve


class EchoAgent:
    """Echoes; stays silent for "silence" (as when the action server is down); fails on "boom"."""

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        if message.text == "boom":
            raise RuntimeError("stub failure")
        if message.text != "silence":
            reply = "echo:" + message.text
            await message.output_channel.send_text_message(message.sender_id, reply)


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    with serve([SafeRestInput()], EchoAgent()) as base:
        yield f"{base}/webhooks/rest/webhook"


def test_a_message_is_answered_like_rasas_rest_channel(webhook):
    replies = requests.post(webhook, json={"sender": "a", "message": "你好"}, timeout=10).json()
    assert replies == [{"recipient_id": "a", "text": "echo:你好"}]


@pytest.mark.parametrize("text", ["silence", "boom"])
def test_a_turn_without_a_reply_gets_the_apology(webhook, text):
    replies = requests.post(webhook, json={"sender": "b", "message": text}, timeout=10).json()
    assert replies == [{"recipient_id": "b", "text": no_reply_text()}]


@pytest.mark.parametrize(
    "body",
    [b'{"sender": "x", "message": ', b'["not", "an", "object"]', b'{"message": "hi"}',
     b'{"sender": "x", "message": 5}', b'{"sender": "", "message": "hi"}',
     b'{"sender": "x", "message": "\xff\xfe"}', b"sender=x&message=hi"],
    ids=["broken-json", "array", "no-sender", "number", "empty-sender", "bad-utf8", "form"],
)
def test_malformed_requests_get_400(webhook, body):
    response = requests.post(webhook, data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text


def test_a_turn_while_the_action_server_is_down_says_so():
    from bot.channels.rest import actions_down_text
    from tests.e2e.test_rest_conversation import _free_port

    closed = f"http://127.0.0.1:{_free_port()}/webhook"  # nothing listens there
    with serve([SafeRestInput(action_webhook=closed)], EchoAgent()) as base:
        replies = requests.post(f"{base}/webhooks/rest/webhook",
                                json={"sender": "c", "message": "你好"}, timeout=10).json()
    assert [r["text"] for r in replies] == ["echo:你好", actions_down_text()]
