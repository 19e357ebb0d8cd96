"""Helpers shared by the actions: message time, the rule book, the case facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rasa_sdk import Tracker

from bot import guidance
from bot.dates import SHANGHAI
from bot.rulebook import CASE_TYPES, RuleBook, load_rulebook

CASE_SLOTS = ("case_type", "role", "order_status", "key_date", "ladder_rung")
UNKNOWN_DATE = "unknown"


def rulebook() -> RuleBook:
    """The validated rule book (loaded once per process, on first use)."""
    return load_rulebook()


def message_time(tracker: Tracker) -> datetime:
    """When the latest user message arrived (timezone-aware); now if unknown."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("timestamp"):
            return datetime.fromtimestamp(float(event["timestamp"]), tz=UTC)
    return datetime.now(tz=UTC)


def message_day(tracker: Tracker) -> date:
    """The calendar day of the latest user message in Asia/Shanghai."""
    return message_time(tracker).astimezone(SHANGHAI).date()


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entities(tracker: Tracker, entity: str) -> list[dict[str, Any]]:
    return [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == entity]


def key_date_value(value: Any) -> date | None:
    """The key_date slot as a date (None when unknown or not a valid ISO date)."""
    if not value or value == UNKNOWN_DATE:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def case_facts(tracker: Tracker) -> guidance.CaseFacts | None:
    """The current case from the slots, or None when no case is open."""
    case_type = tracker.get_slot("case_type")
    if case_type not in CASE_TYPES:
        return None
    return guidance.CaseFacts(
        case_type=case_type,
        role=tracker.get_slot("role"),
        order_status=tracker.get_slot("order_status"),
        key_date=key_date_value(tracker.get_slot("key_date")),
        today=message_day(tracker),
    )
