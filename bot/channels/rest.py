"""Rasa's REST channel with input checks and a reply for every turn.

Same path and payload as Rasa's ``rest`` channel (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``), plus:

- a body that is not a JSON object, or a sender/message that is missing or not text,
  gets 400 instead of an error inside the server;
- a turn that produced no reply at all gets the short apology from
  ``data/channels/rest.yml``, so the user is never left in silence;
- when a custom action failed during the turn (action server down, an error or a
  malformed answer; ``bot.adapters.remote_actions``), the reply says that the answer may
  be incomplete (the conversation itself is kept, and goes on normally once the action
  server is back);
- conversations are namespaced: sender ``x`` is the conversation ``rest-x``, so a REST
  caller can never reach a widget (``web-``) or WeChat conversation; replies still name the
  sender as sent. ``input_channel`` is always ``rest``, whatever the caller says;
- with ``REST_TOKEN`` set, a call needs ``Authorization: Bearer <REST_TOKEN>``;
- a message over ``MAX_MESSAGE_CHARS`` is answered (``bot.channels.guards``), not processed.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.adapters import remote_actions
from bot.adapters.startup import install_rasa_process_hooks
from bot.channels.guards import limit_request_size, too_long_reply
from bot.datafiles import data_path
from bot.settings import load_settings

TEXTS = data_path("channels", "rest.yml")
MAX_SENDER_CHARS = 128
CONVERSATION_PREFIX = "rest-"


@lru_cache(maxsize=1)
def _texts() -> dict[str, str]:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


def no_reply_text() -> str:
    """The apology for a turn without any reply."""
    return str(_texts()["no_reply"])


def actions_down_text() -> str:
    """The note for a turn during which the action server was unreachable."""
    return str(_texts()["actions_down"])


def _payload(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except (InvalidUsage, UnicodeDecodeError, ValueError) as error:
        raise InvalidUsage("the body must be a JSON object") from error
    if not isinstance(body, dict):
        raise InvalidUsage("the body must be a JSON object")
    return body


def _bearer_matches(request: Request, expected: str) -> bool:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              expected.encode())


def _name_the_sender(collector: Any) -> None:
    """Replies name the sender as the caller sent it, not the namespaced conversation id."""
    for message in getattr(collector, "messages", []):
        recipient = message.get("recipient_id")
        if isinstance(recipient, str) and recipient.startswith(CONVERSATION_PREFIX):
            message["recipient_id"] = recipient[len(CONVERSATION_PREFIX):]


class SafeRestInput(RestInput):
    """Rasa's REST channel (same name and URL) that validates input and never goes silent."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafeRestInput:
        return cls()

    async def _extract_sender(self, request: Request) -> str:
        sender = _payload(request).get("sender")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(f"'sender' must be text of 1 to {MAX_SENDER_CHARS} characters")
        return CONVERSATION_PREFIX + sender

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()  # set by the channel, never by the caller

    def _extract_message(self, request: Request) -> str:
        message = _payload(request).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be text")
        return message

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        install_rasa_process_hooks()  # failed custom actions become visible to `answered`

        async def answered(message: UserMessage) -> None:
            collector = message.output_channel
            refusal = too_long_reply(message.text or "")
            if refusal is not None:
                await collector.send_text_message(message.sender_id, refusal)
                _name_the_sender(collector)
                return
            with remote_actions.watching_action_failures() as failed:
                try:
                    await on_new_message(message)
                finally:
                    if isinstance(collector, CollectingOutputChannel):
                        if failed:
                            await collector.send_text_message(message.sender_id,
                                                              actions_down_text())
                        elif not collector.messages:
                            await collector.send_text_message(message.sender_id,
                                                              no_reply_text())
                    _name_the_sender(collector)

        blueprint = super().blueprint(answered)

        @blueprint.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            expected = load_settings().rest_token
            if expected and not _bearer_matches(request, expected):
                return response.json({"error": "unauthorized", "detail":
                                      "send 'Authorization: Bearer <REST_TOKEN>'"}, status=401)
            return None

        @blueprint.listener("before_server_start")
        async def cap_request_size(app: Any, _loop: Any) -> None:
            limit_request_size(app)

        @blueprint.listener("after_server_stop")
        async def close_action_sessions(*_args: Any) -> None:
            await remote_actions.close_shared_sessions()

        return blueprint
