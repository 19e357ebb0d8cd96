"""A case as seen from its slots: draft facts, draft context, and the console's view.

Shared by the drafting action (rasa-sdk slots) and the agent console (Rasa tracker slots):
both pass a plain ``{slot: value}`` mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from bot import drafting, guidance, presenter, text
from bot.rulebook import CASE_TYPES, RuleBook, load_rulebook

SKIPPED = "skip"
UNKNOWN_DATE = "unknown"
PAYMENT = "payment"
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
# A draft asks for an answer this many days after today (a request, not a platform rule).
REPLY_WITHIN_DAYS = 3


def iso_date(value: Any) -> date | None:
    """A slot holding an ISO date as a date (None when unknown or not a date)."""
    if not value or value == UNKNOWN_DATE:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def case_facts(slots: Mapping[str, Any], today: date) -> guidance.CaseFacts | None:
    """The open case described by the slots (None without a case)."""
    case_type = slots.get("case_type")
    if case_type not in CASE_TYPES:
        return None
    return guidance.CaseFacts(case_type=case_type, role=slots.get("role"),
                              order_status=slots.get("order_status"),
                              key_date=iso_date(slots.get("key_date")), today=today)


def _fact(slots: Mapping[str, Any], name: str) -> str | None:
    value = slots.get(name)
    return None if value in (None, "", SKIPPED) else str(value)


def draft_facts(slots: Mapping[str, Any], result: guidance.Guidance) -> drafting.DraftFacts:
    """DraftFacts from the facts the user confirmed; nothing is filled in by guess."""
    dates: dict[str, date] = {}
    if result.key_event and result.key_date and result.key_event in drafting.event_keys():
        dates[result.key_event] = result.key_date
    paid = iso_date(slots.get("payment_date"))
    if paid is not None:
        dates.setdefault(PAYMENT, paid)
    evidence = _fact(slots, "evidence") or ""
    return drafting.DraftFacts(
        order_number=_fact(slots, "order_number"), item=_fact(slots, "item"),
        amount=_fact(slots, "amount"), event_dates=dates,
        what_happened=_fact(slots, "what_happened"), demand=_fact(slots, "demand"),
        shop_name=_fact(slots, "shop_name"), contact=_fact(slots, "contact"),
        evidence=[item.strip() for item in LIST_SEPARATORS.split(evidence) if item.strip()],
    )


def draft_context(result: guidance.Guidance, addressee: str, today: date
                  ) -> drafting.DraftContext:
    """Rule, deadline and next step for the firm tone (from the rule book), reply-by date."""
    return drafting.DraftContext(
        rule_reference=text.load_locale()["presenter"]["draft_rule_reference"],
        deadline_text=presenter.draft_deadline(result, today),
        next_step=presenter.next_step_after(result, addressee),
        reply_by=today + timedelta(days=REPLY_WITHIN_DAYS),
    )


def console_view(slots: Mapping[str, Any], today: date, book: RuleBook | None = None
                 ) -> dict[str, Any] | None:
    """What an agent needs beside the replies: the rule-book entry and its sources, the
    dated limits, and the polite and firm drafts side by side (None without a case)."""
    facts = case_facts(slots, today)
    if facts is None:
        return None
    book = book or load_rulebook()
    result = guidance.build_guidance(book, facts)
    addressees = drafting.supported_addressees(result.case_type, result.role)
    wanted = slots.get("addressee")
    addressee = wanted if wanted in addressees else addressees[0]
    facts_for_draft = draft_facts(slots, result)
    context = draft_context(result, addressee, today)
    drafts = {
        tone: drafting.render_draft(result.case_type, result.role, addressee, tone,
                                    facts_for_draft, context).text
        for tone in ("polite", "firm")
    }
    return {
        "entry": result.entry_id,
        "case": text.label("case_type", result.case_type),
        "summary": result.summary,
        "sources": list(result.sources),
        "deadlines": [text.format_deadline(item, today) for item in result.deadlines],
        "rung": result.current_rung.name,
        "addressee": addressee,
        "drafts": drafts,
    }
