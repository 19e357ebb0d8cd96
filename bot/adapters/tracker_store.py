"""The SQL tracker store, plus erasure, with a cheaper save.

Rasa's ``SQLTrackerStore`` (same table, same rows, same queries for reading), with:

- **Erasure.** ``action_delete_my_data`` (after the user confirmed) removes the user's
  cases in the action server; the conversation itself lives here, in Rasa's process, so
  this store drops every stored event of that conversation instead of saving the turn,
  but only when the action reported success with its explicit event (the slot
  :data:`ERASED_SLOT` set true in the same turn). Rasa records ``ActionExecuted`` even for
  an action that failed; then nothing is erased. The next message starts afresh.
- **A cheaper save that loses no turn.** Rasa counts the stored events of the
  conversation before every save and stores the tracker's events past that count, one ORM
  object at a time: when two turns of one conversation overlap (a turn that outlived its
  lock), the later save slices by the earlier one's count and drops its own events. This
  store remembers how many events each tracker it handed out had (the processor saves the
  very tracker it retrieved), appends what that tracker added, in one statement, and logs
  an overlap when the conversation grew in between. For a tracker it did not hand out it
  reads the stored events' types and times and appends the ones missing.
- **A cap on an event's size** (``MAX_EVENT_BYTES``): an event whose JSON is larger is
  stored without its metadata (the only part a caller can make large).
- **SQLite tuned for a server.** A connection pool instead of a new connection per query,
  ``secure_delete`` (an erased conversation is overwritten, and the WAL is checkpointed and
  truncated after it), and WAL journaling with ``synchronous=NORMAL`` (a crash of the
  process loses nothing; a power cut can lose the last turns). Other databases keep Rasa's
  engine settings.

Measured with ``make bench`` and py-spy (``docs/performance.md``).
"""

from __future__ import annotations

import json
import logging
import weakref
from collections import Counter, OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.adapters.startup import install_rasa_process_hooks
from bot.settings import load_settings
from bot.store.engine import wipe_sqlite_wal

ERASE_ACTION = "action_delete_my_data"
ERASED_SLOT = "data_erased"  # set true by the erase action once the cases are gone
# Conversations whose stored-event count is remembered (least recently used dropped).
REMEMBERED_CONVERSATIONS = 10_000
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                  "PRAGMA busy_timeout=5000", "PRAGMA secure_delete=ON")
logger = logging.getLogger(__name__)


def _new_key(sender_id: str) -> tuple[str, str]:
    """The hand-out key of a conversation that had no stored events."""
    return ("new", sender_id)


def erased_in_last_turn(tracker: DialogueStateTracker) -> bool:
    """True when, after the latest user message, the erase action ran and reported success
    (its explicit event: the slot ERASED_SLOT set true)."""
    ran = succeeded = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
            ran = True
        if isinstance(event, SlotSet) and event.key == ERASED_SLOT and event.value is True:
            succeeded = True
    return ran and succeeded


def capped_event_json(data: dict[str, Any], max_bytes: int) -> str:
    """``data`` as JSON; over ``max_bytes`` its metadata is left out (a warning is logged)."""
    text = json.dumps(data)
    if len(text) <= max_bytes:  # json.dumps escapes to ASCII: characters are bytes
        return text
    slim = {key: value for key, value in data.items() if key != "metadata"}
    if isinstance(slim.get("parse_data"), dict):
        slim["parse_data"] = {key: value for key, value in slim["parse_data"].items()
                              if key != "metadata"}
    text = json.dumps(slim)
    logger.warning("an event of type %s was over %s bytes: stored without its metadata "
                   "(%s bytes now)", data.get("event"), max_bytes, len(text))
    return text


def event_row(sender_id: str, event: Event, max_bytes: int | None = None) -> dict[str, Any]:
    """The ``events`` table row Rasa's SQLTrackerStore writes for ``event`` (its JSON
    capped at ``max_bytes``, default ``MAX_EVENT_BYTES``)."""
    data = event.as_dict()
    if max_bytes is None:
        max_bytes = load_settings().max_event_bytes
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": capped_event_json(data, max_bytes),
    }


def sqlite_server_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """A pooled SQLite engine with WAL journaling (one connection per query otherwise)."""
    engine = sa.create_engine(url, poolclass=sa.pool.QueuePool,
                              connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


class ErasingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (``url``/``host`` is a full SQLAlchemy URL) that honours erasure."""

    def __init__(self, *args: Any, url: str | None = None, **kwargs: Any) -> None:
        if url and not kwargs.get("host"):
            kwargs["host"] = url
        install_rasa_process_hooks()  # this store is what endpoints.yml always names
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (
            None, "", ":memory:"
        ):
            self.engine.dispose()
            self.engine: sa.engine.Engine = sqlite_server_engine(self.engine.url)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # sender_id -> events of its current session stored, as far as this process knows
        self._stored: OrderedDict[str, int] = OrderedDict()
        # id(tracker) -> (the tracker handed out, its events then); NEW_KEY for "none stored"
        self._handed: OrderedDict[object, tuple[weakref.ref | None, int]] = OrderedDict()

    def _remember(self, sender_id: str, stored: int) -> None:
        self._stored[sender_id] = stored
        self._stored.move_to_end(sender_id)
        while len(self._stored) > REMEMBERED_CONVERSATIONS:
            self._stored.popitem(last=False)

    def _hand_out(self, key: object, tracker: DialogueStateTracker | None) -> None:
        count = len(tracker.events) if tracker is not None else 0
        self._handed[key] = (weakref.ref(tracker) if tracker is not None else None, count)
        self._handed.move_to_end(key)
        while len(self._handed) > REMEMBERED_CONVERSATIONS:
            self._handed.popitem(last=False)

    def _handed_count(self, tracker: DialogueStateTracker) -> int | None:
        """The events ``tracker`` had when this store handed it out (0 for a conversation
        that had none stored), or None for a tracker made elsewhere."""
        remembered = self._handed.pop(id(tracker), None)
        if remembered is not None and remembered[0] is not None and remembered[0]() is tracker:
            return remembered[1]
        fresh = self._handed.pop(_new_key(tracker.sender_id), None)
        return None if fresh is None else fresh[1]

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if not fetch_events_from_all_sessions and (tracker is not None or self.domain):
            # (without a domain Rasa returns None even for a stored conversation)
            key = id(tracker) if tracker is not None else _new_key(sender_id)
            self._hand_out(key, tracker)
            self._remember(sender_id, len(tracker.events) if tracker else 0)
        return tracker

    def _missing(self, session: Any, tracker: DialogueStateTracker) -> list[Event]:
        """The tracker's events that its stored session lacks, by type and time."""
        stored = Counter(
            (row.type_name, row.timestamp) for row in self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False))
        missing = []
        for event in tracker.events:
            key = (event.type_name, event.timestamp)
            if stored[key] > 0:
                stored[key] -= 1
            else:
                missing.append(event)
        return missing

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the tracker's new events (or erases the conversation on request)."""
        if erased_in_last_turn(tracker):
            self._stored.pop(tracker.sender_id, None)
            self._handed.pop(id(tracker), None)
            removed = self.erase(tracker.sender_id)
            logger.info("erased a conversation on request (%s events)", removed)
            return
        await self.stream_events(tracker)
        sender = tracker.sender_id
        handed = self._handed_count(tracker)
        known = self._stored.get(sender)
        with self.session_scope() as session:
            if handed is None:
                new = self._missing(session, tracker)
                known = None
            else:
                new = list(tracker.events)[handed:]
                if known is not None and known > handed and new:
                    logger.warning("overlapping turns in one conversation: %s events were "
                                   "stored since this turn began; its %s events are appended",
                                   known - handed, len(new))
            max_bytes = load_settings().max_event_bytes
            rows = [event_row(sender, event, max_bytes) for event in new]
            if rows:
                session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()
        base = handed if handed is not None else len(tracker.events) - len(rows)
        self._remember(sender, max(base, known or 0) + len(rows))
        self._hand_out(id(tracker), tracker)

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; returns how many."""
        with self.session_scope() as session:
            removed = session.execute(
                sa.delete(self.SQLEvent.__table__).where(
                    self.SQLEvent.__table__.c.sender_id == sender_id)
            ).rowcount
            session.commit()
        wipe_sqlite_wal(self.engine)  # with secure_delete on: no copy left on disk
        return int(removed or 0)
