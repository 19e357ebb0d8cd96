"""What a turn knows: the tracker-derived inputs, read once, and the reply being built.

The Rasa adapter (``actions/pipeline.py``) builds one :class:`TurnContext` per action call
from plain data (the tracker's events, latest message and slots); every step of the turn
reads it and adds to its :class:`~bot.turn.reply.Reply` and its slot events. Nothing here
imports Rasa.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from bot import case_view, guidance
from bot.catalog import Catalog
from bot.dates import SHANGHAI
from bot.readers import Readers
from bot.rulebook import RuleBook
from bot.store import CaseRepository
from bot.turn.reply import Renderer, Reply
from bot.understanding import dialogue
from bot.understanding.conversation import turns_from_events
from bot.understanding.lexicon import Lexicon
from bot.understanding.snapshot import Snapshot, resume
from bot.understanding.state import (
    CaseState,
    Turn,
    derive_case_state,
    read_turn,
    step_case_state,
)
from bot.understanding.two_in_one import request_beside
from bot.wording import Wording

CAVEAT_SLOT = "caveat_for"  # the case whose caveat was shown (or is owed no more)
LIMITS_SLOT = "limits_shown"  # a digest of the dated limits last shown
GUIDED_SLOT = "guided_for"  # the case whose rung and menu were shown
READING_SLOT = "turn_reading"  # how the readers read the turn (shown in the console)
ADVICE_SLOT = "advice_shown"  # "<case key>|<advice id>" of every advice line shown
# The case store keeps these; the case turn writes it only when one of them changed.
STORED_SLOTS = frozenset({"case_type", "role", "key_date", "order_number", "amount"})

Keep = Callable[[Callable[[CaseRepository], Any]], None]


@dataclass(frozen=True)
class Snapshots:
    """Where the turn finds the case state kept after the turns before it, and leaves the
    new one (the adapter's functions: a failure costs a whole derivation, never the turn)."""

    load: Callable[[], Snapshot | None]
    save: Callable[[Snapshot], None]


def case_key(state: CaseState) -> str:
    """Identifies one case of the conversation (its type and the turn it opened)."""
    return f"{state.case_type}@{state.opened_turn}"


NO_CASE_KEY = case_key(CaseState())  # "no case yet"


def caveat_owed(shown_for: str | None, key: str) -> bool:
    """Whether the caveat is owed to the case ``key``, given the case it was last shown
    for (a caveat shown before any case opened counts for the first case)."""
    return shown_for not in {key, NO_CASE_KEY}


@dataclass(frozen=True)
class ReminderAccess:
    """The conversation's reminders (the adapter's store) and the routes the settings open:
    ``wechat_template`` (WECHAT_TEMPLATE_ID), ``rest_callback`` (REST_CALLBACK_URL),
    ``wechat_api`` (WECHAT_APP_ID and WECHAT_APP_SECRET: WeChat sends at all)."""

    store: Any
    wechat_template: bool = False
    rest_callback: bool = False
    wechat_api: bool = True


@dataclass
class TurnContext:
    """One turn: its inputs (read from the tracker once), the reply, the slot events.

    ``latest``: the latest message's parse data; ``events``, ``slots``: the tracker's;
    ``keep``: runs a case-store write, never failing the reply; ``clock``: FIXED_CLOCK
    (tests and demos) or None; ``render``: the domain's templates, to measure the reply."""

    catalog: Catalog
    readers: Readers
    latest: Mapping[str, Any]
    events: Sequence[Mapping[str, Any]]
    slots: Mapping[str, Any]
    sender_id: str
    keep: Keep
    clock: datetime | None = None
    render: Renderer | None = None
    snapshots: Snapshots | None = None
    reminders: ReminderAccess | None = None
    slot_events: list[tuple[str, Any]] = field(default_factory=list)
    slots_reset: bool = False  # every slot reset before the slot events (records erased)
    # What the steps found, for the steps after them.
    law_answered: bool = False  # a question about the law got its own answer
    drafted: bool = False  # the turn's reply is a draft (it carries no caveat)
    answered: bool = False  # the turn's question got an answer or the honest line
    by_rule: bool = False  # the rule book answered it (that told where the case stands)
    result: guidance.Guidance | None = None  # the case's guidance, once built

    # -- the catalog's parts -------------------------------------------------------------
    @property
    def rulebook(self) -> RuleBook:
        return self.catalog.rulebook

    @property
    def lexicon(self) -> Lexicon:
        return self.catalog.lexicon

    @property
    def words(self) -> Wording:
        return self.catalog.wording

    # -- the latest message --------------------------------------------------------------
    @cached_property
    def text(self) -> str:
        return str(self.latest.get("text") or "")

    @cached_property
    def moment(self) -> datetime:
        """When the latest user message arrived (timezone-aware); now if unknown."""
        if self.clock is not None:
            return self.clock
        for event in reversed(self.events):
            if event.get("event") == "user" and event.get("timestamp"):
                return datetime.fromtimestamp(float(event["timestamp"]), tz=UTC)
        return datetime.now(tz=UTC)

    @cached_property
    def input_channel(self) -> str | None:
        """The channel the latest user message came in on (``web``, ``wechat``, ``rest``…)."""
        for event in reversed(self.events):
            if event.get("event") == "user":
                return event.get("input_channel") or None
        return None

    @cached_property
    def day(self) -> date:
        """The calendar day of the latest user message in Asia/Shanghai."""
        return self.moment.astimezone(SHANGHAI).date()

    @cached_property
    def ranking(self) -> list[tuple[str, float]]:
        """The latest message's intent ranking as (name, confidence) pairs."""
        return [(str(item["name"]), float(item.get("confidence") or 0.0))
                for item in self.latest.get("intent_ranking") or [] if item.get("name")]

    @cached_property
    def request_beside(self) -> str | None:
        """The request the latest message made beside the case it told (two in one)."""
        return request_beside(self.ranking, self.rulebook.case_types())

    @cached_property
    def intent(self) -> str | None:
        """The latest message's intent; the request, when it told a case beside one."""
        return self.request_beside or (self.latest.get("intent") or {}).get("name")

    def entities(self, entity: str) -> list[dict[str, Any]]:
        return [e for e in self.latest.get("entities") or [] if e.get("entity") == entity]

    @cached_property
    def previous_bot_texts(self) -> tuple[str, ...]:
        """Every text the assistant said between the last two user messages, in order."""
        said: list[str] = []
        seen_user = False
        for event in reversed(self.events):
            kind = event.get("event")
            if kind == "user":
                if seen_user:
                    break
                seen_user = True
            elif kind == "bot" and seen_user and event.get("text"):
                said.append(str(event["text"]))
        return tuple(reversed(said))

    @cached_property
    def previous_bot_text(self) -> str:
        """What the assistant said before the latest user message (its last texts, joined)."""
        return "\n".join(self.previous_bot_texts[-2:])

    def earlier_texts(self, most: int = 2) -> tuple[str, ...]:
        """Up to ``most`` user messages before the latest one, newest first."""
        users = [event for event in self.events if event.get("event") == "user"]
        return tuple(str(event.get("text") or "") for event in reversed(users[:-1]))[:most]

    # -- the case ------------------------------------------------------------------------
    @cached_property
    def _derived(self) -> tuple[CaseState, list[Turn]]:
        """The case state stepped from the snapshot kept after the earlier turns (a turn
        costs the same at turn 150 as at turn 10), else derived from every turn; the new
        snapshot is left for the next turn."""
        turns = turns_from_events(self.events, self.rulebook.case_types(), self.clock)
        book, lexicon, statutes = self.rulebook, self.lexicon, self.catalog.statutes

        def step(state: CaseState, turn: Turn) -> CaseState:
            return step_case_state(state, turn, book, lexicon, statutes, self.readers.role,
                                   self.readers.safety_flags, self.readers.sum_kind)

        if self.snapshots is None:
            return derive_case_state(turns, book, lexicon, statutes, self.readers.role,
                                     self.readers.safety_flags, self.readers.sum_kind), turns
        state, fresh = resume(turns, self.snapshots.load(), step,
                              lambda turn: read_turn(turn, lexicon, self.readers.sum_kind))
        self.snapshots.save(fresh)
        return state, turns

    @property
    def state(self) -> CaseState:
        """The case state derived from the whole conversation."""
        return self._derived[0]

    @property
    def turns(self) -> list[Turn]:
        """The user turns the case state read."""
        return self._derived[1]

    @property
    def case_key(self) -> str:
        return case_key(self.state)

    @cached_property
    def case_facts(self) -> guidance.CaseFacts | None:
        """The case from the conversation alone (None without one)."""
        return dialogue.case_facts(self.state, self.day, self.rulebook, self.lexicon)

    @cached_property
    def facts(self) -> guidance.CaseFacts | None:
        """The current case: the conversation's, else the one resumed from the case store
        (its record is in the conversation); None without either."""
        if self.case_facts is not None:
            return self.case_facts
        return case_view.record_facts(self.resumed, self.day, self.rulebook)

    def case_value(self, name: str) -> Any:
        """A fact of the case by its slot name: the conversation's, else the resumed case's."""
        value = self.known_slots.get(name)
        return value if value is not None else self.resumed.get(name)

    @cached_property
    def resumed(self) -> dict[str, Any]:
        """The record of the case resumed in this conversation ({} when none)."""
        return case_view.resumed_case(self.events)

    # -- the reply and the slots ---------------------------------------------------------
    @cached_property
    def reply(self) -> Reply:
        return Reply(caveat_due=caveat_owed(self.slot(CAVEAT_SLOT), self.case_key),
                     limits_shown=self.slot(LIMITS_SLOT), render=self.render)

    def slot(self, name: str) -> Any:
        """A slot's value as the turn began."""
        return self.slots.get(name)

    def set_slot(self, name: str, value: Any) -> None:
        """Set a slot at the end of the turn (in the order set)."""
        self.slot_events.append((name, value))

    @cached_property
    def known_slots(self) -> dict[str, object]:
        """The slot values the case state knows (unknown ones left out)."""
        values = dialogue.slot_values(self.state, self.rulebook, self.lexicon)
        return {name: value for name, value in values.items() if value is not None}

    def changed_slots(self) -> dict[str, object]:
        """The case state's slot values that differ from the slots as the turn began."""
        return {name: value for name, value in self.known_slots.items()
                if self.slot(name) != value}
