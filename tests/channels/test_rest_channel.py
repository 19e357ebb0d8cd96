"""The REST channel: Rasa's payload and path, input checks, and never a silent turn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.channels.guards import turn_guards
from bot.channels.rest import SafeRestInput
from tests.channels.sanic_server import serve


class EchoAgent:
    """Echoes; stays silent for "silence"; fails on "boom"; for "outage", first runs a real
    custom action against an action server that is not there (and goes on, as Rasa does)."""

    def __init__(self, action_webhook: str | None = None) -> None:
        self.action_webhook = action_webhook
        self.received: list[UserMessage] = []

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == "boom":
            raise RuntimeError("stub failure")
        if message.text == "outage":
            action = RemoteAction("action_next_step", EndpointConfig(self.action_webhook))
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
            try:
                await action.run(message.output_channel, None, tracker, Domain.empty())
            except RasaException:
                pass  # Rasa's processor logs it and goes on without the action's events
        if message.text != "silence":
            reply = "echo:" + message.text
            await message.output_channel.send_text_message(message.sender_id, reply)


AGENT = EchoAgent()


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    with serve([SafeRestInput()], AGENT) as base:
        yield f"{base}/webhooks/rest/webhook"


def test_a_message_is_answered_like_rasas_rest_channel(webhook):
    replies = requests.post(webhook, json={"sender": "a", "message": "你好"}, timeout=10).json()
    assert replies == [{"recipient_id": "a", "text": "echo:你好"}]


@pytest.mark.parametrize("text", ["silence", "boom"])
def test_a_turn_without_a_reply_gets_the_apology(webhook, text):
    replies = requests.post(webhook, json={"sender": "b", "message": text}, timeout=10).json()
    assert replies == [{"recipient_id": "b", "text": turn_guards().texts.no_reply}]


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
    assert response.json()["error"] == "bad_request"  # one error body shape in every channel


def test_a_turn_whose_custom_action_failed_says_so():
    from tests.processes import free_port

    closed = f"http://127.0.0.1:{free_port()}/webhook"  # nothing listens there
    with serve([SafeRestInput()], EchoAgent(closed)) as base:
        url = f"{base}/webhooks/rest/webhook"
        failed = requests.post(url, json={"sender": "c", "message": "outage"}, timeout=10)
        fine = requests.post(url, json={"sender": "c", "message": "你好"}, timeout=10)
    assert [r["text"] for r in failed.json()] == ["echo:outage", turn_guards().texts.actions_down]
    assert [r["text"] for r in fine.json()] == ["echo:你好"]


def test_rest_conversations_are_namespaced_and_the_channel_is_rest(webhook):
    replies = requests.post(webhook, json={"sender": "web-someone", "message": "我的案子",
                                           "input_channel": "web"}, timeout=10).json()
    message = AGENT.received[-1]
    assert message.sender_id == "rest-web-someone" and message.input_channel == "rest"
    assert replies[0]["recipient_id"] == "web-someone"  # the reply names the sender as sent


def test_a_message_over_the_cap_is_answered_and_not_processed(webhook):
    before = len(AGENT.received)
    replies = requests.post(webhook, json={"sender": "d", "message": "退款1" + " " * 20_000 + "天"},
                            timeout=10).json()
    assert len(AGENT.received) == before
    assert "2000" in replies[0]["text"] and replies[0]["recipient_id"] == "d"


def test_with_a_rest_token_a_call_needs_it(monkeypatch):
    monkeypatch.setenv("REST_TOKEN", "s3cret")
    with serve([SafeRestInput()], EchoAgent()) as base:
        url = f"{base}/webhooks/rest/webhook"
        body = {"sender": "e", "message": "你好"}
        assert requests.post(url, json=body, timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert requests.post(url, json=body, headers=wrong, timeout=10).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert requests.post(url, json=body, headers=right, timeout=10).status_code == 200


def test_stream_is_refused_with_400_at_once(webhook):
    """Issue 24.2: ``?stream=true`` used to keep the response open for an hour."""
    before = len(AGENT.received)
    response = requests.post(webhook, params={"stream": "true"}, timeout=5,
                             json={"sender": "s", "message": "你好"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"
    assert len(AGENT.received) == before


def test_caller_metadata_is_not_stored(webhook):
    """Issue 24.1: a caller's metadata went into every event and every action call."""
    body = {"sender": "m", "message": "你好", "metadata": {"blob": "x" * 500_000}}
    assert requests.post(webhook, json=body, timeout=10).status_code == 200
    assert AGENT.received[-1].metadata is None


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_body_not_sent_as_json_gets_415(webhook, content_type):
    """Issue 24.7: any web page could drive the REST channel with a "simple" request (no
    preflight) whose body was read as JSON anyway."""
    before = len(AGENT.received)
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(webhook, data=b'{"sender": "f", "message": "\u5220"}',
                             headers=headers, timeout=10)
    assert response.status_code == 415, response.text
    assert response.json()["error"] == "unsupported_media_type"
    assert len(AGENT.received) == before
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert requests.post(webhook, data=b'{"sender": "f", "message": "hi"}', headers=charset,
                         timeout=10).status_code == 200


def test_deeply_nested_json_gets_400(webhook):
    """Issue 24.8, on the REST channel too."""
    body = b'{"sender": "n", "message": "hi", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = requests.post(webhook, data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text[:200]


def test_the_per_ip_limit_counts_each_client_behind_a_trusted_proxy():
    import dataclasses

    from bot.ratelimit import TokenBuckets
    from bot.settings import load_settings

    guards = dataclasses.replace(turn_guards(load_settings({"TRUSTED_PROXIES": "127.0.0.1"})),
                                 addresses=TokenBuckets(2), senders=None)
    with serve([SafeRestInput(guards)], EchoAgent()) as base:
        url = f"{base}/webhooks/rest/webhook"

        def post(client: str, sender: str) -> int:
            return requests.post(url, json={"sender": sender, "message": "你好"},
                                 headers={"X-Forwarded-For": client}, timeout=10).status_code

        assert [post("198.51.100.7", f"s{n}") for n in range(3)] == [200, 200, 429]
        assert post("198.51.100.8", "other") == 200  # another client behind the same proxy
