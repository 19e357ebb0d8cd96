"""Web chat widget channel for Rasa 3.6: a static Chinese chat page and its JSON webhook.

credentials.yml::

    bot.channels.web.WebChatInput:
      frame_ancestors: "'self' https://shop.example"  # who may frame the page (CSP syntax)

Routes (under ``/webhooks/web``):

* ``GET /`` – the chat page (``static/web/index.html``; plain HTML/CSS/JS, no build step);
  ``GET /widget.js``, ``/widget.css``, ``/embed.js`` – its assets and the embed snippet.
* ``POST /session`` – a new session key (``{"session": key}``): 128 random bits signed by
  the server (``bot.channels.web_session``). Every other call sends it in the
  ``X-Chat-Session`` header (never in the URL) and gets it back renewed in the same header;
  it expires after ``WEB_SESSION_IDLE_MINUTES`` without a message. The page keeps it in
  ``sessionStorage``: gone when the tab closes, so the next person on a shared device starts
  afresh.
* ``POST /webhook`` ``{"message": text}`` – runs the message through the bot and answers
  the bot messages as a JSON list (``text`` / ``buttons`` / ``image`` / ``custom``), like
  Rasa's REST channel. Optional ``"display"`` (the quick-reply title the user clicked) and
  ``"hidden": true`` (a message the page sends on its own, e.g. the opening ``/greet``) are
  stored in the message metadata under ``web`` so the history shows what the user saw.
* ``GET /history`` – the user / bot texts of the session's conversation, latest Rasa session
  only (the last :data:`HISTORY_LIMIT`); nothing stored yet gives ``[]``.
* ``GET /case-file.pdf`` – the session's latest case file as a PDF (made on request from
  the chat message; 404 when none was asked for). The page fetches it with the key header
  and offers it as a download.
* ``GET /reminders`` – the reminders due for the session's conversation, each handed over
  once (the page polls it while open and shows them, with a browser notification when
  allowed), and the widget's reminder labels.
* ``GET /calendar.ics`` – the dated limits the chat last showed, as a calendar file.
* ``DELETE /session`` – erases the session's conversation, its cases and its uploaded
  images (offered by the page when the user starts a new conversation).
* ``POST /upload``, ``GET /uploads/<id>`` – evidence images (``bot.channels.uploads``).

The conversation id in the tracker store is ``web-<session id>``: a web client can only ever
read or write the ``web-`` conversation its key was issued for.

A missing, malformed, forged or expired key gets 401 (``no_session``, ``bad_session``,
``session_expired``). Bad input gets a JSON error ``{"error": code, "detail": text}``: 400
for a body that is not JSON (or not sent as ``application/json``) or a missing / empty
message;
413 for a body over :data:`MAX_BODY_BYTES`; 503 while no model is loaded. A message over
``MAX_MESSAGE_CHARS`` (``bot.channels.guards``) is answered with how to shorten it, and
neither processed nor stored.
"""

from __future__ import annotations

import json
import logging
import re
from asyncio import CancelledError
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.case_files import pdf_response
from bot.channels.guards import TurnGuards, turn_guards
from bot.channels.reminders import ReminderDesk
from bot.channels.web_session import SessionError, SessionKeys, session_keys
from bot.drafting.case_file import CASE_FILE_MARK
from bot.reminders.calendar import CALENDAR_MARK, REMINDED_MARK
from bot.uploads.service import Uploads, uploads_in

logger = logging.getLogger(__name__)

STATIC_ROOT = Path(__file__).resolve().parent / "static"
WEB_STATIC = STATIC_ROOT / "web"

CONVERSATION_PREFIX = "web-"
SENDER_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_DISPLAY_CHARS = 200
# Only this site may frame the chat page unless the channel's frame_ancestors names others.
DEFAULT_ANCESTORS = "'self'"
MAX_BODY_BYTES = 64 * 1024
HISTORY_LIMIT = 100
SESSION_HEADER = "X-Chat-Session"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}

Handler = Callable[[UserMessage], Awaitable[Any]]
CaseEraser = Callable[[str], int]


# --- shared helpers (also used by bot.channels.console) -----------------------------------


class BadRequest(Exception):
    """A client error answered as ``{"error": code, "detail": detail}`` with ``status``."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def json_error(status: int, code: str, detail: str) -> HTTPResponse:
    return response.json({"error": code, "detail": detail}, status=status,
                         headers={"Cache-Control": "no-store"})


def json_ok(body: Any) -> HTTPResponse:
    return response.json(body, headers={"Cache-Control": "no-store"},
                         dumps=lambda obj: json.dumps(obj, ensure_ascii=False))


def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or :class:`BadRequest`."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(400, "bad_content_type", "send the body as application/json")
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: deep nesting
        raise BadRequest(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "bad_json", "the body must be a JSON object")
    return data


def read_message(data: dict[str, Any]) -> str:
    """The ``message`` field: a non-empty string (the length cap is the caller's)."""
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise BadRequest(400, "missing_message", "'message' must be a non-empty string")
    return message


def refusal_reply(text: str, guards: TurnGuards) -> HTTPResponse | None:
    """The channel's answer to a message over the length cap (None within it)."""
    refusal = guards.too_long_reply(text)
    return None if refusal is None else json_ok([{"text": refusal}])


def valid_sender(sender: Any) -> bool:
    return isinstance(sender, str) and SENDER_PATTERN.fullmatch(sender) is not None


def read_sender(value: Any, *, field: str = "sender") -> str:
    if not valid_sender(value):
        raise BadRequest(400, "bad_sender",
                         f"'{field}' must be 1-64 characters of A-Z a-z 0-9 _ -")
    return value


def current_agent(request: Request) -> Any | None:
    """The Rasa agent of the running server (``app.ctx.agent``), if any."""
    return getattr(request.app.ctx, "agent", None)


def agent_ready(agent: Any | None) -> bool:
    if agent is None:
        return False
    is_ready = getattr(agent, "is_ready", None)
    return bool(is_ready()) if callable(is_ready) else True


def static_response(path: Path, extra_headers: dict[str, str] | None = None,
                    values: dict[str, str] | None = None) -> HTTPResponse:
    """A static file; ``values`` fill its ``{{name}}`` placeholders (numbers from settings)."""
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    headers.update(extra_headers or {})
    body = path.read_bytes()
    for name, value in (values or {}).items():
        body = body.replace(f"{{{{{name}}}}}".encode(), value.encode())
    return response.raw(body, headers=headers,
                        content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"))


def add_static_routes(blueprint: Blueprint, folder: Path, names: Iterable[str],
                      page_headers: dict[str, str],
                      page_values: dict[str, str] | None = None) -> None:
    """``GET /`` serves ``folder/index.html`` (its placeholders filled from ``page_values``);
    ``GET /<name>`` serves each listed asset."""

    async def page(request: Request) -> HTTPResponse:
        if not request.path.endswith("/"):
            # the page loads its assets and API with relative URLs
            query = f"?{request.query_string}" if request.query_string else ""
            return response.redirect(f"{request.path}/{query}")
        return static_response(folder / "index.html", page_headers, page_values)

    blueprint.add_route(page, "/", methods=["GET"], name="page", strict_slashes=False)
    for name in names:
        target = folder / name

        async def asset(request: Request, target: Path = target) -> HTTPResponse:
            return static_response(target)

        blueprint.add_route(asset, f"/{name}", methods=["GET"],
                            name=f"asset_{name.replace('.', '_')}")


class WebOutputChannel(CollectingOutputChannel):
    """Collects bot messages without splitting texts at blank lines (drafts stay whole)."""

    @classmethod
    def name(cls) -> str:
        return "web"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


def public_message(message: dict[str, Any]) -> dict[str, Any]:
    """A collected bot message without the internal recipient id."""
    return {key: value for key, value in message.items() if key != "recipient_id"}


def history_messages(events: Iterable[Any], limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """User and bot texts from tracker events, oldest first, at most ``limit`` of them.

    User messages sent by the page on its own (``metadata.web.hidden``) are left out; a
    clicked quick reply shows its title (``metadata.web.display``) instead of its payload;
    a case file is followed by its download mark, as it was when it came.
    """
    messages: list[dict[str, Any]] = []
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "user":
            upload = uploads_in([event])
            if upload:
                messages.append({"sender": "user", "text": "", "timestamp": event.timestamp,
                                 "upload": {"id": upload[0]["id"], "name": upload[0]["name"]}})
                continue
            web = (getattr(event, "metadata", None) or {}).get("web") or {}
            if not isinstance(web, dict) or web.get("hidden"):
                continue
            display = web.get("display")
            text = display if isinstance(display, str) and display else event.text
            if text:
                messages.append({"sender": "user", "text": text,
                                 "timestamp": event.timestamp})
        elif kind == "bot":
            data = getattr(event, "data", None) or {}
            buttons = data.get("buttons") or data.get("quick_replies")
            if not event.text and not buttons:
                continue
            item: dict[str, Any] = {"sender": "bot", "text": event.text or "",
                                    "timestamp": event.timestamp}
            if buttons:
                item["buttons"] = [
                    {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                    for b in buttons if isinstance(b, dict)
                ]
            custom = data.get("custom")
            if isinstance(custom, dict) and isinstance(custom.get(CALENDAR_MARK), list):
                item["custom"] = {key: custom[key] for key in (CALENDAR_MARK, REMINDED_MARK)
                                  if key in custom}
            messages.append(item)
            if isinstance(custom, dict) and custom.get(CASE_FILE_MARK):
                messages.append({"sender": "bot", "text": "", "timestamp": event.timestamp,
                                 "custom": {CASE_FILE_MARK: custom[CASE_FILE_MARK]}})
    return messages[-limit:] if limit else messages


class WebChatInput(InputChannel):
    """The web chat widget: a static page and a JSON webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        credentials = credentials or {}
        return cls(frame_ancestors=str(credentials.get("frame_ancestors") or DEFAULT_ANCESTORS))

    def __init__(self, frame_ancestors: str = DEFAULT_ANCESTORS,
                 guards: TurnGuards | None = None, keys: SessionKeys | None = None,
                 erase_cases: CaseEraser | None = None, uploads: Uploads | None = None,
                 reminders: ReminderDesk | None = None) -> None:
        self.frame_ancestors = frame_ancestors
        self.reminders = reminders or ReminderDesk()
        self.guards = guards or turn_guards()
        self.keys = keys or session_keys()
        self._erase_cases = erase_cases
        self._uploads = uploads

    @property
    def uploads(self) -> Uploads:
        """The evidence uploads service (made from the settings on first use)."""
        if self._uploads is None:
            from bot.channels.uploads import default_uploads

            self._uploads = default_uploads()
        return self._uploads

    def page_headers(self) -> dict[str, str]:
        csp = ("default-src 'none'; script-src 'self'; style-src 'self'; "
               "connect-src 'self'; img-src 'self' https: data: blob:; base-uri 'none'; "
               f"form-action 'none'; frame-ancestors {self.frame_ancestors}")
        return {"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"}

    @staticmethod
    def conversation_id(session_id: str) -> str:
        return f"{CONVERSATION_PREFIX}{session_id}"

    def _session(self, request: Request) -> str:
        """The session id of the request's key, or :class:`BadRequest` (401)."""
        try:
            return self.keys.read(request.headers.get(SESSION_HEADER))
        except SessionError as error:
            raise BadRequest(401, error.code, error.detail) from None

    def _renewed(self, answer: HTTPResponse, session_id: str) -> HTTPResponse:
        answer.headers[SESSION_HEADER] = self.keys.issue(session_id)
        return answer

    def erase_cases(self, conversation_id: str) -> int:
        """Delete the conversation's cases from the case store (``CASES_DB_URL``)."""
        if self._erase_cases is None:
            from bot.settings import load_settings
            from bot.store import CaseRepository, create_store_engine, default_case_db_url

            repository = CaseRepository(create_store_engine(default_case_db_url(load_settings())))
            self._erase_cases = repository.delete_conversation
        return self._erase_cases(conversation_id)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        web = Blueprint(f"web_chat_{type(self).__name__}", __name__)
        add_static_routes(web, WEB_STATIC, ("widget.js", "uploads.js", "widget.css", "embed.js"),
                          self.page_headers(),
                          {"max_chars": str(self.guards.max_message_chars)})

        @web.listener("before_server_start")
        async def cap_request_size(app: Any, _loop: Any) -> None:
            self.guards.limit_request_size(app)

        @web.route("/session", methods=["POST"], name="new_session")
        async def new_session(_request: Request) -> HTTPResponse:
            key = self.keys.issue()
            return json_ok({"session": key})

        @web.route("/session", methods=["DELETE"], name="delete_session")
        async def delete_session(request: Request) -> HTTPResponse:
            try:
                session_id = self._session(request)
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            conversation_id = self.conversation_id(session_id)
            store = getattr(current_agent(request), "tracker_store", None)
            try:
                self.erase_cases(conversation_id)
                self.uploads.store.delete_conversation(conversation_id)
                _erase_conversation(store, conversation_id)
            except Exception:  # noqa: BLE001 - say so; the user can try again
                logger.exception("web: erasing a conversation failed")
                return json_error(503, "delete_failed", "the records could not be deleted")
            return json_ok({"deleted": True})

        @web.route("/webhook", methods=["POST"], name="webhook")
        async def receive(request: Request) -> HTTPResponse:
            seconds = self.guards.ip_wait(self.guards.client_address(
                request.ip, request.headers.get("X-Forwarded-For")))
            if seconds:
                return json_error(429, "rate_limited",
                                  self.guards.texts.rate_limited_reply(seconds))
            try:
                session_id = self._session(request)
                data = read_json_object(request)
                text = read_message(data)
                metadata = self._metadata(data)
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            refused = refusal_reply(text, self.guards)
            if refused is not None:
                return self._renewed(refused, session_id)
            agent = current_agent(request)
            if agent is not None and not agent_ready(agent):
                return json_error(503, "not_ready", "the assistant has no model loaded yet")

            collector = WebOutputChannel()
            message = UserMessage(text, collector, self.conversation_id(session_id),
                                  input_channel=self.name(), metadata=metadata)
            try:
                await self.guards.run(on_new_message, message)
            except CancelledError:
                logger.error("web: handling a message timed out")
                return json_error(504, "timeout", "the assistant took too long to answer")
            except Exception:
                logger.exception("web: handling a message failed")
                return json_error(500, "bot_error", "the assistant failed to answer")
            return self._renewed(json_ok([public_message(m) for m in collector.messages]),
                                 session_id)

        @web.route("/history", methods=["GET"], name="history")
        async def history(request: Request) -> HTTPResponse:
            try:
                session_id = self._session(request)
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            events = await self._own_events(request, session_id)
            return self._renewed(json_ok(history_messages(events)), session_id)

        @web.route("/case-file.pdf", methods=["GET"], name="case_file")
        async def case_file(request: Request) -> HTTPResponse:
            try:
                session_id = self._session(request)
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            events = await self._own_events(request, session_id)
            return self._renewed(await pdf_response(events), session_id)

        from bot.channels.uploads import add_web_upload_routes

        add_web_upload_routes(web, self, on_new_message, WebOutputChannel)
        @web.route("/reminders", methods=["GET"], name="reminders")
        async def reminders(request: Request) -> HTTPResponse:
            try:
                session_id = self._session(request)
                body = await self.reminders.widget_poll(self.conversation_id(session_id))
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            except Exception:  # noqa: BLE001 - the page tries again later
                logger.exception("web: reading reminders failed")
                return json_error(503, "reminders_unavailable", "reminders are unavailable")
            return self._renewed(json_ok(body), session_id)

        @web.route("/calendar.ics", methods=["GET"], name="calendar")
        async def calendar(request: Request) -> HTTPResponse:
            try:
                session_id = self._session(request)
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            events = await self._own_events(request, session_id)
            return self._renewed(self.reminders.calendar_response(
                events, self.conversation_id(session_id)), session_id)

        return web

    async def _own_events(self, request: Request, session_id: str) -> list[Any]:
        """The events of the session's own conversation, latest Rasa session only (none
        without a tracker store)."""
        store = getattr(current_agent(request), "tracker_store", None)
        tracker = None if store is None else await store.retrieve(
            self.conversation_id(session_id))
        return list(tracker.events) if tracker is not None else []

    @staticmethod
    def _metadata(data: dict[str, Any]) -> dict[str, Any] | None:
        web: dict[str, Any] = {}
        if data.get("hidden") is True:
            web["hidden"] = True
        display = data.get("display")
        if display is not None:
            if not isinstance(display, str) or len(display) > MAX_DISPLAY_CHARS:
                raise BadRequest(400, "bad_display",
                                 f"'display' must be a string of at most "
                                 f"{MAX_DISPLAY_CHARS} characters")
            if display.strip():
                web["display"] = display
        return {"web": web} if web else None



def _erase_conversation(store: Any, conversation_id: str) -> None:
    """Drop every stored event of the conversation (the project's SQL store or Rasa's
    in-memory one); any other store cannot erase, which is an error."""
    if store is None:
        return
    erase = getattr(store, "erase", None)
    if callable(erase):
        erase(conversation_id)
    elif isinstance(getattr(store, "store", None), dict):  # Rasa's InMemoryTrackerStore
        store.store.pop(conversation_id, None)
    else:
        raise RuntimeError(f"{type(store).__name__} cannot erase a conversation")
