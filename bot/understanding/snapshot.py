"""The case state kept between turns, so that a turn costs the same at turn 150 as at 10.

A :class:`Snapshot` is the state after the first ``turns`` user turns, as JSON, with a
digest chained over those turns (text, time, NLU ranking, what the assistant had asked).
:func:`resume` checks the digest against the conversation, decodes the state and steps it
over the turns that came after (:func:`~bot.understanding.state.step_case_state`); a
missing, stale or unreadable snapshot falls back to the whole derivation, which stays the
reference: the fold and the derivation give the same state on every conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.understanding.state import CaseState, Fact, Turn

logger = logging.getLogger(__name__)

EMPTY_DIGEST = ""
Step = Callable[[CaseState, Turn], CaseState]
Read = Callable[[Turn], Any]  # the latest turn's reading (MessageFacts), re-read on resume


@dataclass(frozen=True)
class Snapshot:
    """The state after ``turns`` user turns, and the digest of those turns."""

    turns: int
    digest: str
    state: str  # JSON (:func:`encode`)


def turn_digest(previous: str, turn: Turn) -> str:
    """The digest of the turns so far, chained with one more turn."""
    raw = json.dumps([previous, turn.text, turn.time.isoformat(), turn.intent,
                      [list(pair) for pair in turn.ranking], turn.asked, turn.asked_event,
                      None if turn.upload is None else list(turn.upload)],
                     ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def digests(turns: Sequence[Turn]) -> list[str]:
    """The chained digest after each number of turns (index 0: no turn)."""
    chain = [EMPTY_DIGEST]
    for turn in turns:
        chain.append(turn_digest(chain[-1], turn))
    return chain


def _value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def _read_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"date"}:
        return dt.date.fromisoformat(value["date"])
    return value


def _fact(fact: Fact) -> list[Any]:
    return [fact.name, _value(fact.value), fact.turn, fact.words,
            None if fact.time is None else fact.time.isoformat()]


def _read_fact(raw: list[Any]) -> Fact:
    name, value, turn, words, time = raw
    return Fact(name, _read_value(value), int(turn), words,
                None if time is None else dt.time.fromisoformat(time))


def encode(state: CaseState) -> str:
    """The state as JSON (the latest turn's reading is not kept: it is re-read)."""
    return json.dumps({
        "case_type": state.case_type, "role": state.role, "role_said": state.role_said,
        "opened_turn": state.opened_turn, "matter_turn": state.matter_turn,
        "facts": [_fact(f) for f in state.facts.values()],
        "lists": {name: [_fact(f) for f in kept] for name, kept in state.lists.items()},
        "events": [_fact(f) for f in state.events.values()],
        "told": [_fact(f) for f in state.told.values()],
        "undated_words": [_fact(f) for f in state.undated_words],
        "order_status": None if state.order_status is None else _fact(state.order_status),
        "notes": [_fact(f) for f in state.notes],
        "safety": list(state.safety), "safety_seen": list(state.safety_seen),
        "switched_from": state.switched_from, "new_matter": state.new_matter,
        "turns": state.turns,
        "pending": [_fact(f) for f in state.pending],
        "attachments": [_fact(f) for f in state.attachments],
        "uploads_added": list(state.uploads_added),
    }, ensure_ascii=False)


def decode(text: str) -> CaseState:
    """The state :func:`encode` wrote (ValueError / KeyError / TypeError when it cannot)."""
    raw = json.loads(text)
    facts = [_read_fact(f) for f in raw["facts"]]
    events = [_read_fact(f) for f in raw["events"]]
    told = [_read_fact(f) for f in raw["told"]]
    return CaseState(
        case_type=raw["case_type"], role=raw["role"], role_said=bool(raw["role_said"]),
        opened_turn=raw["opened_turn"], matter_turn=int(raw.get("matter_turn", 1)),
        facts={f.name: f for f in facts},
        lists={name: [_read_fact(f) for f in kept] for name, kept in raw["lists"].items()},
        events={f.name: f for f in events}, told={f.name: f for f in told},
        undated_words=[_read_fact(f) for f in raw["undated_words"]],
        order_status=None if raw["order_status"] is None else _read_fact(raw["order_status"]),
        notes=[_read_fact(f) for f in raw["notes"]],
        safety=tuple(raw["safety"]), safety_seen=tuple(raw["safety_seen"]),
        switched_from=raw["switched_from"], new_matter=bool(raw["new_matter"]),
        turns=int(raw["turns"]),
        pending=[_read_fact(f) for f in raw.get("pending", [])],
        attachments=[_read_fact(f) for f in raw.get("attachments", [])],
        uploads_added=tuple(raw.get("uploads_added", [])))


def resume(turns: Sequence[Turn], snapshot: Snapshot | None, step: Step, read: Read
           ) -> tuple[CaseState, Snapshot]:
    """The state after ``turns``: from ``snapshot`` when it matches their beginning (else
    from an empty state), stepped over the rest; and the snapshot to keep for the next
    turn. ``read`` re-reads the latest turn when the snapshot already covers every turn."""
    chain = digests(turns)
    state, start = CaseState(), 0
    if snapshot is not None and snapshot.turns <= len(turns) \
            and chain[snapshot.turns] == snapshot.digest:
        try:
            state, start = decode(snapshot.state), snapshot.turns
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("case snapshot unreadable, derived again: %s", error)
    for turn in turns[start:]:
        state = step(state, turn)
    if start == len(turns) and turns:
        state.latest = read(turns[-1])
    return state, Snapshot(len(turns), chain[-1], encode(state))
