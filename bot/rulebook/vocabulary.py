"""The rule book's fixed vocabulary: its files, roles, case types, order statuses, units,
kinds of limit and ladder sides."""

from __future__ import annotations

from enum import StrEnum

from bot.datafiles import data_path

DEFAULT_RULEBOOK_DIR = data_path("rulebook")

EVENTS_FILE = "events.yml"
LADDER_FILE = "ladder.yml"
SAFETY_FILE = "safety.yml"
TIMELINES_FILE = "timelines.yml"
FACETS_FILE = "facets.yml"
SPECIAL_FILES = (EVENTS_FILE, LADDER_FILE, SAFETY_FILE, TIMELINES_FILE, FACETS_FILE)

BUYER = "buyer"
SELLER = "seller"
ROLES: tuple[str, ...] = (BUYER, SELLER)

# The 18 case-type intents of shared/intents.md (the public contract; never rename).
CASE_TYPES: tuple[str, ...] = (
    "ruling_unfair",
    "refund_refused",
    "seller_harassment",
    "not_shipped",
    "not_received",
    "not_as_described",
    "quality_problem",
    "counterfeit",
    "broken_promise",
    "staff_complaint",
    "external_escalation",
    "lawsuit",
    "accused_of_harassment",
    "wrong_item_returned",
    "listing_violation",
    "image_theft",
    "malicious_review",
    "logistics_claim",
)

# Case types whose role is asked rather than implied by the intent.
ASKED_ROLE_CASES: tuple[str, ...] = ("ruling_unfair", "staff_complaint", "logistics_claim")
_SELLER_CASES = (
    "accused_of_harassment",
    "wrong_item_returned",
    "listing_violation",
    "image_theft",
    "malicious_review",
)
ROLES_BY_CASE: dict[str, tuple[str, ...]] = {
    case: ROLES if case in ASKED_ROLE_CASES else (SELLER,) if case in _SELLER_CASES else (BUYER,)
    for case in CASE_TYPES
}

ORDER_STATUSES: tuple[str, ...] = (
    "unpaid",
    "not_shipped",
    "shipped",
    "received",
    "completed",
    "refunding",
    "closed",
)
ASKABLE: tuple[str, ...] = ("role", "order_status", "key_date")


class Unit(StrEnum):
    """Unit of a time limit."""

    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


class Kind(StrEnum):
    """How a time limit reads: possible from (opens), due by (deadline), expected by."""

    OPENS = "opens"
    DEADLINE = "deadline"
    EXPECTED = "expected"


class Side(StrEnum):
    """Which role's ladders may use a rung."""

    BUYER = "buyer"
    SELLER = "seller"
    ANY = "any"
