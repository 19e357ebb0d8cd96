"""What the case state means for the next reply: the one question still needed, the case
facts guidance reads, the slots Rasa keeps, and a short list of what the user just told us.

Plain functions: no Rasa import. The actions call them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.guidance import CaseFacts
from bot.rulebook import CaseEntry, RuleBook
from bot.understanding.intents import intent_registry
from bot.understanding.lexicon import Lexicon
from bot.understanding.state import CaseState, Turn, lexicon_event_for


@dataclass(frozen=True)
class Question:
    """The one thing to ask next: ``slot`` and, for a date, the event it dates."""

    slot: str
    rulebook_event: str | None = None
    lexicon_event: str | None = None


def entry_for(state: CaseState, book: RuleBook) -> CaseEntry | None:
    """The rule-book entry of the open case (None without a case)."""
    if state.case_type is None:
        return None
    roles = book.roles_for(state.case_type)
    role = state.role if state.role in roles else None
    return book.entry(state.case_type, role)


def asked_in_case(turns: Sequence[Turn], state: CaseState) -> set[str]:
    """The questions not to ask again: answered in some way since the case opened, or
    already re-asked once (a question in between allows one re-ask, no more)."""
    first = state.opened_turn or 1
    counts: dict[str, int] = {}
    done: set[str] = set()
    digressions = intent_registry().members("digression")
    for turn in turns[first - 1:]:
        if not turn.asked:
            continue
        counts[turn.asked] = counts.get(turn.asked, 0) + 1
        if turn.intent not in digressions or counts[turn.asked] >= 2:
            done.add(turn.asked)
    return done


def next_question(state: CaseState, turns: Sequence[Turn], book: RuleBook, lexicon: Lexicon
                  ) -> Question | None:
    """The one question the case's main time limits still need; never one asked before."""
    entry = entry_for(state, book)
    if entry is None:
        return None
    asked = asked_in_case(turns, state)
    dates = state.rulebook_dates(lexicon)
    if len(book.roles_for(entry.case_type)) > 1 and state.role is None and "role" not in asked:
        return Question("role")
    candidates = {entry.key_event, *entry.key_event_by_status.values()} - {None}
    if ("order_status" in entry.asks and entry.key_event_by_status and state.status is None
            and "order_status" not in asked and not candidates & set(dates)):
        return Question("order_status")
    event = entry.key_event_for(state.status)
    if "key_date" in entry.asks and event and event not in dates and "key_date" not in asked:
        return Question("key_date", event, lexicon_event_for(event, lexicon))
    return None


def case_facts(state: CaseState, today: dt.date, book: RuleBook, lexicon: Lexicon
               ) -> CaseFacts | None:
    """What guidance reads: case, role, status and every known event date."""
    entry = entry_for(state, book)
    if entry is None:
        return None
    dates = state.rulebook_dates(lexicon)
    key_event = entry.key_event_for(state.status)
    return CaseFacts(case_type=entry.case_type, role=entry.role, order_status=state.status,
                     key_date=dates.get(key_event) if key_event else None, today=today,
                     event_dates=dates, told=state.rulebook_told(lexicon))


def slot_values(state: CaseState, book: RuleBook, lexicon: Lexicon) -> dict[str, Any]:
    """The slots Rasa and the draft form read, as the case state sets them."""
    entry = entry_for(state, book)
    dates = state.rulebook_dates(lexicon)
    key_event = entry.key_event_for(state.status) if entry else None
    paid = state.event_date("paid")
    joined = {name: "、".join(str(v) for v in state.values(name)) or None
              for name in ("problems", "evidence", "wants")}
    return {
        "case_type": state.case_type,
        "role": entry.role if entry else state.role,
        "order_status": state.status,
        "key_date": dates[key_event].isoformat() if key_event in dates else None,
        "order_number": state.value("order_number"),
        "amount": state.value("amount"),
        "item": state.value("item"),
        "shop_name": state.value("shop_name"),
        "what_happened": joined["problems"],
        "evidence": joined["evidence"],
        "demand": joined["wants"],
        "payment_date": paid.isoformat() if paid else None,
    }


def latest_facts(state: CaseState, lexicon: Lexicon, labels: dict[str, str],
                 with_problems: bool = True) -> list[tuple[str, str]]:
    """(label, value) of what the latest turn said, for a one-line acknowledgement (a fact
    said again is acknowledged again). ``with_problems``: also the problem in the user's
    words (not when the message asks something: that wants an answer, not a receipt)."""
    said = state.latest
    if said is None:
        return []
    kept_item = state.facts.get("item")
    found = [(labels[name], str(getattr(said, name))) for name in
             ("order_number", "product_id", "tracking_number", "amount", "demand_amount", "item",
              "shop_name", "seller_location")
             if getattr(said, name) and name in labels
             # the case keeps its first item: another one named later is not acknowledged
             and (name != "item" or (kept_item is not None and kept_item.turn == state.turns))]
    for event_id, fact in state.events.items():
        if fact.turn == state.turns:
            found.append((lexicon.event_label(event_id), f"{fact.value.month}月{fact.value.day}日"))
    for name in ("problems", "evidence", "wants") if with_problems else ("evidence", "wants"):
        if getattr(said, name) and name in labels:
            found.append((labels[name], "、".join(getattr(said, name))))
    if said.order_status and "order_status" in labels:
        found.append((labels["order_status"], said.order_status))
    return found
