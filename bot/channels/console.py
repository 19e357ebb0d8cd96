"""Agent console for Rasa 3.6: try messages against the model and inspect conversations.

credentials.yml::

    bot.channels.console.AgentConsoleInput:
      # token: ...   optional; default: CONSOLE_TOKEN, the console's own token

Routes (under ``/webhooks/console``):

* ``GET /`` – the console page (``static/console/``), ``/console.js``, ``/console.css``.
  The page itself holds no data; it asks for the token and sends it with every call.
* ``POST /try`` ``{"message": text, "sender": optional}`` – runs the message through the
  bot in a throw-away conversation (``console-<random>``, or ``console-<sender>`` to go on
  with an earlier try) and answers the intent ranking, entities, the actions the bot took,
  the slots it set and its replies.
* ``GET /conversation/<id>`` – any conversation (``web-…``, ``wx-<openid>``, ``rest-…``)
  summarised: user texts with their intents, bot texts, actions, slot changes, current
  slots. Unknown id: 404.
* ``GET /conversation/<id>/calendar.ics`` – the dated limits the chat last showed to that
  conversation, as a calendar file (all-day events, an alarm the day before at 09:00).
* ``GET /conversation/<id>/case-file.pdf`` – the conversation's latest case file as a PDF
  (made on request from the chat message; 404 when none was asked for).
* ``GET /conversation/<id>/story`` – the conversation as a Rasa test story (YAML,
  downloaded as ``<id>.yml``); the latest session unless ``?all_sessions=true``.

Every read of a conversation is audited: one JSON line on the ``bot.audit`` logger with the
console token's fingerprint (never the token), the conversation id, the view and the time.

Every API call needs the console's own token (``CONSOLE_TOKEN``; the HTTP API's token never
opens it) as ``Authorization: Bearer <token>``, never in the URL: missing or wrong gives
401. Without a configured token the API answers 503: the console shows conversations, so it
is never open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.case_view import console_view, resumed_case
from bot.catalog import Catalog, load_catalog
from bot.channels.case_files import pdf_response
from bot.channels.guards import TurnGuards, turn_guards
from bot.channels.reminders import ReminderDesk
from bot.channels.uploads import image_response
from bot.channels.web import (
    STATIC_ROOT,
    BadRequest,
    WebOutputChannel,
    add_static_routes,
    agent_ready,
    current_agent,
    json_error,
    json_ok,
    public_message,
    read_json_object,
    read_message,
    read_sender,
)
from bot.dates import SHANGHAI
from bot.settings import load_settings
from bot.understanding.conversation import turns_from_events
from bot.understanding.dialogue import slot_values
from bot.understanding.state import derive_case_state
from bot.understanding.view import state_view
from bot.uploads.store import UploadStore, upload_store

logger = logging.getLogger(__name__)
audit_log = logging.getLogger("bot.audit")
audit_log.setLevel(logging.INFO)  # kept whatever level Rasa's own logs are at

CONSOLE_STATIC = STATIC_ROOT / "console"
TRY_PREFIX = "console-"
MAX_CONVERSATION_ID = 255
MAX_SUMMARY_EVENTS = 1000
ACTION_LISTEN = "action_listen"

Handler = Callable[[UserMessage], Awaitable[Any]]


def token_from_request(request: Request) -> str | None:
    """The bearer token of the Authorization header (never the query string, which
    proxies log)."""
    header = request.headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def token_id(token: str) -> str:
    """A token's fingerprint for the audit log (never the token itself)."""
    return hashlib.sha256(b"console-token:" + token.encode("utf-8")).hexdigest()[:16]


def audit_read(token: str, conversation_id: str, view: str, found: bool) -> None:
    """One structured audit line: which console token read which conversation, and when."""
    audit_log.info(json.dumps({
        "event": "console_read", "token_id": token_id(token),
        "conversation_id": conversation_id, "view": view, "found": found,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }, ensure_ascii=False))


def token_matches(given: str | None, expected: str) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _entity(entity: dict[str, Any]) -> dict[str, Any]:
    keys = ("entity", "value", "start", "end", "confidence_entity", "extractor", "role",
            "group")
    return {key: entity[key] for key in keys if entity.get(key) is not None}


def _intent(intent: dict[str, Any] | None) -> dict[str, Any] | None:
    if not intent or not intent.get("name"):
        return None
    return {"name": intent.get("name"), "confidence": intent.get("confidence")}


def user_summary(event: Any) -> dict[str, Any]:
    parse = getattr(event, "parse_data", None) or {}
    return {
        "type": "user",
        "text": event.text,
        "intent": _intent(event.intent),
        "entities": [_entity(e) for e in (event.entities or [])],
        "timestamp": event.timestamp,
        "input_channel": getattr(event, "input_channel", None),
        "intent_ranking": [i for i in (_intent(x) for x in parse.get("intent_ranking") or [])
                           if i],
    }


def summarise_event(event: Any) -> dict[str, Any] | None:
    """One tracker event as a small JSON object for the console; ``None`` to leave it out."""
    kind = getattr(event, "type_name", None)
    if kind == "user":
        summary = user_summary(event)
        summary.pop("intent_ranking")
        return summary
    if kind == "bot":
        data = event.data or {}
        item: dict[str, Any] = {"type": "bot", "text": event.text, "timestamp": event.timestamp}
        if data.get("buttons"):
            item["buttons"] = [b.get("title") for b in data["buttons"] if isinstance(b, dict)]
        return item
    if kind == "action":
        return {"type": "action", "name": event.action_name, "policy": event.policy,
                "confidence": event.confidence, "timestamp": event.timestamp}
    if kind == "slot":
        return {"type": "slot", "name": event.key, "value": event.value,
                "timestamp": event.timestamp}
    if kind == "active_loop":
        return {"type": "form", "name": event.name, "timestamp": event.timestamp}
    if kind in {"session_started", "restart", "rewind", "undo", "followup", "reminder",
                "cancel_reminder", "pause", "resume", "action_execution_rejected"}:
        return {"type": kind, "timestamp": event.timestamp}
    return None


def events_after_last_user(events: Iterable[Any]) -> tuple[Any | None, list[Any]]:
    """The latest user event and everything after it."""
    events = list(events)
    for index in range(len(events) - 1, -1, -1):
        if getattr(events[index], "type_name", None) == "user":
            return events[index], events[index + 1:]
    return None, []


def story_yaml(tracker: DialogueStateTracker, conversation_id: str,
               all_sessions: bool = False) -> str:
    """The conversation as Rasa test stories, like Rasa's ``GET /conversations/<id>/story``."""
    sessions = get_trackers_for_conversation_sessions(tracker)
    sessions = [s for s in sessions if s.events] or [tracker]
    if not all_sessions:
        sessions = sessions[-1:]
    steps = []
    for number, session in enumerate(sessions, 1):
        session.sender_id = conversation_id
        if len(sessions) > 1:
            session.sender_id += f", story {number}"
        steps += session.as_story().story_steps
    return YAMLStoryWriter().dumps(steps, is_test_story=True)


def _case_and_state(tracker: Any, catalog: Catalog
                    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The case view (rule-book entry, sources, dated limits, both drafts) and the case
    state, both from the state derived once from the whole conversation."""
    clock = load_settings().fixed_clock
    today = (clock or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()
    book, lexicon = catalog.rulebook, catalog.lexicon
    events = [event.as_dict() for event in tracker.events]
    try:
        turns = turns_from_events(events, book.case_types(), clock)
        state = derive_case_state(turns, book, lexicon, catalog.statutes)
    except Exception:  # noqa: BLE001 - the console must still show the rest
        logger.exception("console: could not derive the case state")
        return None, None
    slots = {"draft_kind": tracker.get_slot("draft_kind"), **resumed_case(events),
             **{k: v for k, v in slot_values(state, book, lexicon).items() if v is not None}}
    try:
        case = console_view(slots, today, book=book, drafts=catalog.drafts, lexicon=lexicon,
                            words=catalog.wording, state=state)
    except Exception:  # noqa: BLE001 - the console must still show the rest
        logger.exception("console: could not build the case view")
        case = None
    return case, state_view(catalog.wording, state, today, book, lexicon)


def _safe_filename(conversation_id: str) -> str:
    return (re.sub(r"[^A-Za-z0-9_.-]", "_", conversation_id) or "conversation")[:80] + ".yml"


class AgentConsoleInput(InputChannel):
    """The agent console (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> AgentConsoleInput:
        token = (credentials or {}).get("token") or load_settings().console_token
        return cls(token=str(token) if token else None)

    def __init__(self, token: str | None = None, guards: TurnGuards | None = None,
                 catalog: Catalog | None = None, store: UploadStore | None = None,
                 reminders: ReminderDesk | None = None) -> None:
        self.guards = guards or turn_guards()
        self._catalog = catalog
        self.upload_store = store or upload_store(load_settings())
        self.reminders = reminders or ReminderDesk()
        admin = load_settings().auth_token
        if token and admin and hmac.compare_digest(token.encode(), admin.encode()):
            logger.error("console: CONSOLE_TOKEN equals RASA_AUTH_TOKEN; the console stays "
                         "closed until it has a token of its own")
            token = None
        self.token = token or None

    @property
    def catalog(self) -> Catalog:
        """The data the console's case view reads (built once, when the server starts)."""
        if self._catalog is None:
            self._catalog = load_catalog()
        return self._catalog

    def page_headers(self) -> dict[str, str]:
        csp = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
               "img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'")
        return {"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY"}

    def _refuse(self, request: Request) -> HTTPResponse | None:
        if not self.token:
            return json_error(503, "console_disabled",
                              "no token is configured: set CONSOLE_TOKEN (the console's own "
                              "token, never the HTTP API's) to use the agent console")
        if not token_matches(token_from_request(request), self.token):
            return json_error(401, "unauthorized",
                              "send the console token as 'Authorization: Bearer <token>'")
        return None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        catalog = self.catalog  # a broken data file stops the server's start here
        console = Blueprint(f"agent_console_{type(self).__name__}", __name__)
        add_static_routes(console, CONSOLE_STATIC, ("console.js", "console.css"),
                          self.page_headers())

        @console.route("/try", methods=["POST"], name="try")
        async def try_message(request: Request) -> HTTPResponse:
            refused = self._refuse(request)
            if refused is not None:
                return refused
            try:
                data = read_json_object(request)
                text = read_message(data)
                conversation_id = self._try_conversation(data.get("sender"))
            except BadRequest as error:
                return json_error(error.status, error.code, error.detail)
            refusal = self.guards.too_long_reply(text)
            if refusal is not None:
                return json_ok({"conversation_id": conversation_id, "text": text[:200],
                                "replies": [{"text": refusal}], "actions": [], "slots": {},
                                "intent": None, "intent_ranking": [], "entities": [],
                                "case": None, "state": None})
            agent = current_agent(request)
            if agent is None or not agent_ready(agent):
                return json_error(503, "not_ready", "no model is loaded")

            collector = WebOutputChannel()
            try:
                message = UserMessage(text, collector, conversation_id, input_channel=self.name())
                await self.guards.run(on_new_message, message)
            except Exception:
                logger.exception("console: handling a message failed")
                return json_error(500, "bot_error", "the bot failed on this message")

            tracker = await agent.tracker_store.retrieve(conversation_id)
            user, after = events_after_last_user(tracker.events if tracker else [])
            summary = user_summary(user) if user is not None else {}
            actions = [
                {"name": e.action_name, "policy": e.policy, "confidence": e.confidence}
                for e in after
                if getattr(e, "type_name", None) == "action" and e.action_name != ACTION_LISTEN
            ]
            slots = {e.key: e.value for e in after if getattr(e, "type_name", None) == "slot"}
            case, state = _case_and_state(tracker, catalog) if tracker else (None, None)
            return json_ok({
                "conversation_id": conversation_id,
                "text": text,
                "intent": summary.get("intent"),
                "intent_ranking": summary.get("intent_ranking", []),
                "entities": summary.get("entities", []),
                "actions": actions,
                "slots": slots,
                "replies": [public_message(m) for m in collector.messages],
                "case": case,
                "state": state,
            })

        @console.route("/conversation/<conversation_id:str>", methods=["GET"],
                       name="conversation")
        async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
            tracker = await self._tracker(request, conversation_id, "conversation")
            if isinstance(tracker, HTTPResponse):
                return tracker
            events = [s for s in (summarise_event(e) for e in tracker.events) if s]
            truncated = len(events) > MAX_SUMMARY_EVENTS
            slots = {k: v for k, v in tracker.current_slot_values().items() if v is not None}
            return json_ok({
                "conversation_id": conversation_id,
                "events": events[-MAX_SUMMARY_EVENTS:],
                "truncated": truncated,
                "slots": slots,
                "latest_intent": _intent(tracker.latest_message.intent)
                if tracker.latest_message else None,
            })

        @console.route("/conversation/<conversation_id:str>/story", methods=["GET"],
                       name="story")
        async def story(request: Request, conversation_id: str) -> HTTPResponse:
            tracker = await self._tracker(request, conversation_id, "story")
            if isinstance(tracker, HTTPResponse):
                return tracker
            all_sessions = (request.args.get("all_sessions") or "").lower() in {"1", "true"}
            text = story_yaml(tracker, conversation_id, all_sessions)
            filename = _safe_filename(conversation_id)
            return response.text(
                text, content_type="application/x-yaml; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"',
                         "Cache-Control": "no-store"},
            )

        @console.route("/conversation/<conversation_id:str>/case-file.pdf", methods=["GET"],
                       name="case_file")
        async def case_file(request: Request, conversation_id: str) -> HTTPResponse:
            tracker = await self._tracker(request, conversation_id, "case_file")
            if isinstance(tracker, HTTPResponse):
                return tracker
            return await pdf_response(tracker.events,
                                _safe_filename(conversation_id)[:-4] + ".pdf")

        @console.route("/conversation/<conversation_id:str>/uploads/<upload_id:str>",
                       methods=["GET"], name="upload_image")
        async def upload_image(request: Request, conversation_id: str,
                               upload_id: str) -> HTTPResponse:
            tracker = await self._tracker(request, conversation_id, "upload")
            if isinstance(tracker, HTTPResponse):
                return tracker
            return image_response(self.upload_store, conversation_id, upload_id)
        @console.route("/conversation/<conversation_id:str>/calendar.ics", methods=["GET"],
                       name="calendar")
        async def calendar(request: Request, conversation_id: str) -> HTTPResponse:
            tracker = await self._tracker(request, conversation_id, "calendar")
            if isinstance(tracker, HTTPResponse):
                return tracker
            return self.reminders.calendar_response(tracker.events, conversation_id)

        return console

    @staticmethod
    def _try_conversation(sender: Any) -> str:
        if sender is None or sender == "":
            return f"{TRY_PREFIX}{uuid.uuid4().hex[:16]}"
        sender = read_sender(sender)
        return sender if sender.startswith(TRY_PREFIX) else f"{TRY_PREFIX}{sender}"

    async def _tracker(self, request: Request, conversation_id: str,
                       view: str) -> DialogueStateTracker | HTTPResponse:
        """The whole stored conversation, or the error answer (token checked first); every
        authorised read is audited (``bot.audit``: token fingerprint, conversation, time)."""
        refused = self._refuse(request)
        if refused is not None:
            return refused
        if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID:
            return json_error(400, "bad_conversation_id", "bad conversation id")
        store = getattr(current_agent(request), "tracker_store", None)
        if store is None:
            return json_error(503, "not_ready", "no tracker store is available")
        tracker = await store.retrieve_full_tracker(conversation_id)
        audit_read(self.token or "", conversation_id, view, tracker is not None)
        if tracker is None:
            return json_error(404, "not_found", f"no conversation '{conversation_id}'")
        return tracker
