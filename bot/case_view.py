"""A case as seen from its record and its case state: the agent console's view.

A case resumed from the case store lives in the conversation: the resume reply carries its
record (``RESUMED_MARK``), read back by :func:`resumed_case`. The console passes the case
state's slot values over that record as a plain ``{name: value}`` mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot import guidance
from bot.drafting import DraftCatalog, render_draft
from bot.drafting.compose import context_for, facts_from_state
from bot.drafting.request import CaseSide, kind_for_rung
from bot.rulebook import RuleBook
from bot.sources import Citation
from bot.understanding.lexicon import Lexicon
from bot.understanding.state import CaseState, Fact
from bot.wording import Wording

UNKNOWN_DATE = "unknown"
RESUMED_MARK = "resumed_case"  # the record of a case resumed from the case store
RECORD_FIELDS = ("case_type", "role", "order_status", "key_date", "order_number", "amount")


def resumed_case(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The record of the case last resumed in this conversation ({} when none): the
    conversation, not the slots, carries it (a restart forgets it)."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "restart":
            break
        if kind == "bot":
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, Mapping) and isinstance(custom.get(RESUMED_MARK), Mapping):
                record = custom[RESUMED_MARK]
                return {name: record.get(name) for name in RECORD_FIELDS}
    return {}


def iso_date(value: Any) -> date | None:
    """A slot holding an ISO date as a date (None when unknown or not a date)."""
    if not value or value == UNKNOWN_DATE:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def record_facts(slots: Mapping[str, Any], today: date, book: RuleBook
               ) -> guidance.CaseFacts | None:
    """The open case a record describes (slot names; None without a case)."""
    case_type = slots.get("case_type")
    if case_type not in book.case_types():
        return None
    return guidance.CaseFacts(case_type=case_type, role=slots.get("role"),
                              order_status=slots.get("order_status"),
                              key_date=iso_date(slots.get("key_date")), today=today)


SLOT_FACTS = ("order_number", "amount", "item", "shop_name")


def _state_from_slots(slots: Mapping[str, Any], case_type: str, role: str) -> CaseState:
    """A case resumed from the case store: the facts its slots hold."""
    state = CaseState(case_type=case_type, role=role)
    for name in SLOT_FACTS:
        if slots.get(name):
            state.facts[name] = Fact(name, str(slots[name]), 0, "")
    return state


def _citations(result: guidance.Guidance) -> list[Citation]:
    """The case's citations: entry, time limits and rungs, each once, in that order."""
    found = [*result.citations, *(c for item in result.deadlines for c in item.citations),
             *(c for view in result.ladder for c in view.citations)]
    return list({c.ref: c for c in found}.values())


def console_view(slots: Mapping[str, Any], today: date, *, book: RuleBook,
                 drafts: DraftCatalog, lexicon: Lexicon, words: Wording,
                 state: CaseState | None = None) -> dict[str, Any] | None:
    """What an agent needs beside the replies: the rule-book entry and its sources, the
    dated limits, and the kind of draft a plain request would get, polite and firm side by
    side, filled from the case state (None without a case)."""
    facts = record_facts(slots, today, book)
    if facts is None:
        return None
    result = guidance.build_guidance(book, facts)
    state = state or _state_from_slots(slots, result.case_type, result.role)
    catalog = drafts
    side = CaseSide(result.case_type, result.role, frozenset(state.events),
                    result.current_rung.id)
    kind_id = slots.get("draft_kind")
    if kind_id not in catalog.kinds or not catalog.kind(kind_id).written_for(
            side.case_type, side.role, side.events):
        kind_id = kind_for_rung(catalog, side)
    kind = catalog.kind(kind_id)
    context = context_for(words, kind_id, result, today, catalog)
    facts_for_draft = facts_from_state(state, lexicon)
    texts = {
        tone: render_draft(catalog, kind_id, result.case_type, result.role, tone,
                           facts_for_draft, context).text
        for tone in kind.tones
    }
    return {
        "entry": result.entry_id,
        "case": words.label("case_type", result.case_type),
        "summary": result.summary,
        "sources": list(result.sources),
        "citations": [words.console_line(c) for c in _citations(result)],
        "deadlines": [words.format_deadline(item, today) for item in result.deadlines],
        "rung": result.current_rung.name,
        "addressee": kind.addressee,
        "draft_kind": kind.label,
        "drafts": texts,
    }
