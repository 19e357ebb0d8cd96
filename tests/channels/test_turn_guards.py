"""One set of turn rules for every channel: the widget gets the same never-silent reply and
length cap as REST (the REST channel's own tests cover it there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.guards import turn_guards
from bot.channels.web import WebChatInput
from tests.channels.sanic_server import serve
from tests.channels.test_web_channel import web_headers


class QuietAgent:
    """Says nothing to "silence"; echoes anything else."""

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        if message.text != "silence":
            await message.output_channel.send_text_message(message.sender_id, "ok")


@pytest.fixture(scope="module")
def widget() -> Iterator[str]:
    with serve([WebChatInput()], QuietAgent()) as base:
        yield f"{base}/webhooks/web/webhook"


def test_the_widget_never_goes_silent(widget) -> None:
    replies = requests.post(widget, json={"message": "silence"}, headers=web_headers(),
                            timeout=10).json()
    assert [reply["text"] for reply in replies] == [turn_guards().texts.no_reply]


def test_the_widget_answers_an_ordinary_turn_as_before(widget) -> None:
    replies = requests.post(widget, json={"message": "你好"}, headers=web_headers(),
                            timeout=10).json()
    assert [reply["text"] for reply in replies] == ["ok"]


@pytest.mark.anyio
async def test_the_guard_refuses_a_long_message_without_running_the_turn() -> None:
    ran: list[str] = []

    async def handler(message: UserMessage) -> None:
        ran.append(message.text)

    collector = CollectingOutputChannel()
    text = "长" * 2001
    assert not await turn_guards().run(handler, UserMessage(text, collector, "s"))
    assert ran == [] and collector.messages[0]["text"] == turn_guards().too_long_reply(text)


def test_oversized_metadata_never_reaches_the_bot() -> None:
    """Issue 24.1: metadata over the cap is dropped for every channel before the turn."""
    import asyncio

    seen: list[UserMessage] = []

    async def handler(message: UserMessage) -> None:
        seen.append(message)

    guards = turn_guards()
    for metadata, kept in (({"web": {"display": "好"}}, True), ({"x": "y" * 100_000}, False)):
        message = UserMessage("你好", CollectingOutputChannel(), "web-a", metadata=metadata)
        asyncio.run(guards.run(handler, message))
        assert (seen[-1].metadata == metadata) is kept
