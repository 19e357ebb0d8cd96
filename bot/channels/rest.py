"""Rasa's REST channel with input checks and a reply for every turn.

Same path and payload as Rasa's ``rest`` channel (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``), plus:

- a body that is not a JSON object, or a sender/message that is missing or not text,
  gets 400 instead of an error inside the server;
- every turn goes through the channel rules of ``bot.channels.guards`` (the length cap,
  the notice when a custom action failed, the apology for a turn without a reply);
- conversations are namespaced: sender ``x`` is the conversation ``rest-x``, so a REST
  caller can never reach a widget (``web-``) or WeChat conversation; replies still name the
  sender as sent. ``input_channel`` is always ``rest``, whatever the caller says;
- with ``REST_TOKEN`` set (``make run`` generates it), a call needs
  ``Authorization: Bearer <REST_TOKEN>``; a POST body not sent as ``application/json`` gets
  415, so a web page cannot drive the channel with a request that skips the preflight;
- the caller's ``metadata`` is never kept (it went into every event and every action
  call); ``?stream=true`` is refused with 400 (Rasa's stream path never ended here).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.adapters import remote_actions
from bot.adapters.startup import warm_up_agent
from bot.channels.guards import TurnGuards, turn_guards
from bot.channels.reminders import ReminderDesk
from bot.channels.web import json_error
from bot.settings import load_settings

CONVERSATION_PREFIX = "rest-"


def _payload(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except (InvalidUsage, UnicodeDecodeError, ValueError) as error:
        raise InvalidUsage("the body must be a JSON object") from error
    if not isinstance(body, dict):
        raise InvalidUsage("the body must be a JSON object")
    return body


def _is_json(request: Request) -> bool:
    content_type = (request.headers.get("content-type") or "").split(";")[0]
    return content_type.strip().lower() == "application/json"


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

    def __init__(self, guards: TurnGuards | None = None,
                 reminders: ReminderDesk | None = None) -> None:
        super().__init__()
        self.guards = guards or turn_guards()
        self.reminders = reminders or ReminderDesk()

    async def _extract_sender(self, request: Request) -> str:
        sender = _payload(request).get("sender")
        if not self.guards.sender_ok(sender):
            limit = self.guards.max_sender_chars
            raise InvalidUsage(f"'sender' must be text of 1 to {limit} characters")
        return CONVERSATION_PREFIX + sender

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()  # set by the channel, never by the caller

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """No caller metadata is kept: nothing reads it, and it was stored in every event."""
        return None

    def _extract_message(self, request: Request) -> str:
        message = _payload(request).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be text")
        return message

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        async def answered(message: UserMessage) -> None:
            try:
                await self.guards.run(on_new_message, message)
                # reminders held for this caller (no REST_CALLBACK_URL) come first, once
                held = await self.reminders.held_texts(message.sender_id)
                collected = getattr(message.output_channel, "messages", None)
                if held and isinstance(collected, list):
                    collected[:0] = [{"recipient_id": message.sender_id, "text": text}
                                     for text in held]
            finally:
                _name_the_sender(message.output_channel)

        blueprint = super().blueprint(answered)

        @blueprint.exception(InvalidUsage)
        async def bad_request(_request: Request, error: InvalidUsage) -> HTTPResponse:
            return json_error(400, "bad_request", str(error))  # the other channels' shape

        @blueprint.listener("after_server_start")
        async def read_one_message(app: Any, _loop: Any) -> None:
            await warm_up_agent(getattr(app.ctx, "agent", None), self.guards.texts.warm_up)

        @blueprint.middleware("request")
        async def limit_the_address(request: Request) -> HTTPResponse | None:
            address = self.guards.client_address(request.ip,
                                                 request.headers.get("X-Forwarded-For"))
            seconds = self.guards.ip_wait(address) if request.method == "POST" else 0
            if seconds:
                return json_error(429, "rate_limited",
                                  self.guards.texts.rate_limited_reply(seconds))
            return None

        @blueprint.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            expected = load_settings().rest_token
            if expected and not _bearer_matches(request, expected):
                return json_error(401, "unauthorized",
                                  "send 'Authorization: Bearer <REST_TOKEN>'")
            if request.method == "POST" and not _is_json(request):
                return json_error(415, "unsupported_media_type",
                                  "send the body as application/json")
            return None

        @blueprint.middleware("request")
        async def refuse_stream(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and bool_arg(request, "stream", default=False):
                return json_error(400, "bad_request",
                                  "streaming is not supported: leave out '?stream'")
            return None

        @blueprint.listener("before_server_start")
        async def cap_request_size(app: Any, _loop: Any) -> None:
            self.guards.limit_request_size(app)

        @blueprint.listener("after_server_stop")
        async def close_action_sessions(*_args: Any) -> None:
            await remote_actions.close_shared_sessions()

        return blueprint
