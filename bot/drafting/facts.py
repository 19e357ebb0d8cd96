"""What a draft is made of: the user's facts, the case context, and the rendered draft."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, validator

TONES = ("polite", "firm")  # the tones a kind may list (data/drafts/kinds.yml)
TEXT_FACTS = ("order_number", "product_id", "tracking_number", "item", "amount",
              "demand_amount", "shop_name", "seller_location")
LIST_FACTS = ("story", "evidence", "wants")
NEEDABLE = frozenset({*TEXT_FACTS, "story", "demand", "evidence"})
_BARE_AMOUNT = re.compile(r"\d{1,12}(?:\.\d{1,2})?")


class DraftError(ValueError):
    """An unknown kind, case, role or tone, or a kind not written for the case."""


class DraftConfigError(RuntimeError):
    """The files under data/drafts/ are inconsistent; the message names file and entry."""


class TimelineEntry(BaseModel):
    """One dated event of the case (a lexicon event id, data/understanding/lexicon.yml)."""

    day: date
    event: str


class Said(BaseModel):
    """What the other side said: the user's cue (e.g. "the seller said") and the words."""

    cue: str = ""
    words: str


class DraftFacts(BaseModel):
    """What the user told, each field optional; lists keep the user's order."""

    order_number: str | None = None
    product_id: str | None = None
    tracking_number: str | None = None
    item: str | None = None
    amount: str | None = None
    demand_amount: str | None = None
    shop_name: str | None = None
    seller_location: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    story: list[str] = Field(default_factory=list)  # what went wrong, in the user's words
    problem: str | None = None  # the problem in a few of the user's words (short versions)
    other_side: list[Said] = Field(default_factory=list)  # what the other side said
    evidence: list[str] = Field(default_factory=list)
    wants: list[str] = Field(default_factory=list)  # lexicon wants (refund, delete the review …)
    safety: list[str] = Field(default_factory=list)  # safety flags the case raised

    @validator("story", "evidence", "wants", "safety", pre=True)
    def _as_list(cls, value: Any) -> Any:
        """Accept None or a single string for a list."""
        if value is None:
            return []
        return [value] if isinstance(value, str) else value


class DraftContext(BaseModel):
    """What the rule book adds: the rule's name, a reply-by date with the limit it comes
    from, the next step, and the evidence to attach when the user listed none."""

    rule_reference: str | None = None
    reply_by: date | None = None
    reply_by_asked: bool = False  # the user gave the other side this date (any tone states it)
    deadline_text: str | None = None
    next_step: str | None = None
    next_step_asked: bool = False  # the user named the next step (any tone states it)
    suggested_evidence: list[str] = Field(default_factory=list)
    wording: int = 0  # 1: the other wording, for a rewrite that would come out the same


class Draft(BaseModel):
    """A rendered draft and the facts it still shows as placeholders."""

    text: str
    missing: list[str]
    kind: str
    addressee: str
    case_type: str
    role: str
    tone: str
