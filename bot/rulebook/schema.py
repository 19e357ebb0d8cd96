"""The rule book's pydantic (v1) models and its error, which names the file, the entry and
the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, root_validator, validator

from bot.datafiles import display
from bot.rulebook.names import ASKABLE, Kind, Side, Unit
from bot.sources import split_refs


class RuleBookError(ValueError):
    """A rule-book file is malformed or inconsistent."""

    def __init__(
        self,
        file: Path | str,
        problem: str,
        entry: str | None = None,
        field: str | None = None,
        what: str = "entry",
    ) -> None:
        self.file = str(file)
        self.entry = entry
        self.field = field
        self.problem = problem
        parts = [display(file)]
        if entry is not None:
            parts.append(f"{what} '{entry}'")
        if field:
            parts.append(field)
        parts.append(problem)
        super().__init__(": ".join(parts))


# ---------------------------------------------------------------------------------------
# models


class _Model(BaseModel):
    class Config:
        extra = "forbid"
        allow_mutation = False
        anystr_strip_whitespace = True


def _require_text(value: Any, what: str) -> str:
    """Reject missing, non-string or blank values with a readable message."""
    if value is None or not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is missing or empty")
    return value.strip()


def _texts(values: Iterable[Any], what: str) -> list[str]:
    """Validate a list of non-empty strings."""
    return [_require_text(v, what) for v in values]


class TimeLimit(_Model):
    """One time limit: amount (or range) of a unit counted from an event."""

    id: str
    amount: int
    amount_max: int | None = None
    unit: Unit
    counts_from: str
    outcome: str
    kind: Kind = Kind.DEADLINE
    approximate: bool = False
    source: str | None = None
    note: str | None = None
    as_of: dt.date | None = None  # inherited from the case entry when not given

    @validator("id", "counts_from", "outcome", pre=True)
    def _text(cls, value: Any, field: Any) -> str:
        return _require_text(value, field.name)

    @validator("unit", pre=True)
    def _unit(cls, value: Any) -> Any:
        allowed = [u.value for u in Unit]
        if value not in allowed:
            raise ValueError(f"unknown unit '{value}' (expected one of {', '.join(allowed)})")
        return value

    @validator("kind", pre=True)
    def _kind(cls, value: Any) -> Any:
        allowed = [k.value for k in Kind]
        if value not in allowed:
            raise ValueError(f"unknown kind '{value}' (expected one of {', '.join(allowed)})")
        return value

    @validator("amount")
    def _amount(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"amount {value} is negative")
        return value

    @validator("amount_max")
    def _amount_max(cls, value: int | None, values: dict[str, Any]) -> int | None:
        amount = values.get("amount")
        if value is not None and amount is not None and value < amount:
            raise ValueError(f"amount_max {value} is less than amount {amount}")
        return value

    @validator("source", pre=True, always=True)
    def _source(cls, value: Any) -> str:
        refs = split_refs(value) if isinstance(value, str | list) else []
        if not refs:
            raise ValueError("source is missing or empty: every time limit needs its source tag")
        return ", ".join(refs)

    @validator("note", pre=True)
    def _note(cls, value: Any) -> str | None:
        return None if value is None else _require_text(value, "note")


class StartIf(_Model):
    """When a ladder step is where the user already is (any condition suffices)."""

    status: list[str] = []
    key_date: bool = False
    reached: str | None = None


class LadderStep(_Model):
    """A rung in a case's ladder, with case-specific extra evidence."""

    rung: str
    evidence: list[str] = []
    evidence_only: bool = False  # the case's evidence replaces the rung's generic list
    note: str | None = None
    start_if: StartIf | None = None

    @validator("evidence", pre=True)
    def _evidence(cls, value: Any) -> list[str]:
        return _texts(value or [], "evidence item")


class Note(_Model):
    """A sourced remark attached to a case."""

    text: str
    source: str
    as_of: dt.date | None = None

    @validator("text", "source", pre=True)
    def _text(cls, value: Any, field: Any) -> str:
        return _require_text(value, field.name)


class CaseEntry(_Model):
    """Guidance for one case type and role."""

    id: str
    case_type: str
    role: str
    summary: str
    first_steps: list[str]
    menu_path: list[str] = []
    key_event: str | None = None
    key_event_by_status: dict[str, str] = {}
    asks: list[str] = []
    time_limits: list[TimeLimit] = []
    ladder: list[LadderStep]
    safety: list[str] = []
    progress_path: list[list[str]] = []
    notes: list[Note] = []
    sources: list[str]
    as_of: dt.date

    @root_validator(pre=True)
    def _inherit_as_of(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Time limits and notes written inline take the entry's ``as_of`` unless given."""
        as_of = values.get("as_of")
        for key in ("time_limits", "notes"):
            items = values.get(key)
            if as_of is not None and isinstance(items, list):
                values[key] = [{**item, "as_of": item.get("as_of") or as_of}
                               if isinstance(item, dict) else item for item in items]
        return values

    @validator("id", "case_type", "role", "summary", pre=True)
    def _text(cls, value: Any, field: Any) -> str:
        return _require_text(value, field.name)

    @validator("first_steps", "sources", pre=True)
    def _nonempty_texts(cls, value: Any, field: Any) -> list[str]:
        if not value or not isinstance(value, list):
            raise ValueError(f"{field.name} must be a non-empty list")
        return _texts(value, field.name)

    @validator("menu_path", pre=True)
    def _menu(cls, value: Any) -> list[str]:
        return _texts(value or [], "menu item")

    @validator("ladder", pre=True)
    def _ladder(cls, value: Any) -> list[Any]:
        if not value or not isinstance(value, list):
            raise ValueError("ladder must be a non-empty list of rung ids")
        return [{"rung": step} if isinstance(step, str) else step for step in value]

    @validator("progress_path", pre=True)
    def _progress(cls, value: Any) -> list[Any]:
        if not value:
            return []
        if all(isinstance(item, str) for item in value):
            return [value]
        return value

    @validator("asks")
    def _asks(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in ASKABLE:
                raise ValueError(f"unknown ask '{item}' (expected one of {', '.join(ASKABLE)})")
        if len(set(value)) != len(value):
            raise ValueError("duplicate item in asks")
        return value

    @validator("time_limits")
    def _unique_limits(cls, value: list[TimeLimit]) -> list[TimeLimit]:
        seen: set = set()
        for limit in value:
            if limit.id in seen:
                raise ValueError(f"duplicate time-limit id '{limit.id}'")
            seen.add(limit.id)
        return value

    @root_validator(skip_on_failure=True)
    def _key_date_needs_event(cls, values: dict[str, Any]) -> dict[str, Any]:
        if "key_date" in values["asks"] and not values["key_event"]:
            raise ValueError("asks key_date but the entry has no key_event")
        return values

    def key_event_for(self, order_status: str | None = None) -> str | None:
        """The event the user's key date refers to, given the order status."""
        if order_status and order_status in self.key_event_by_status:
            return self.key_event_by_status[order_status]
        return self.key_event

    def time_limit(self, limit_id: str) -> TimeLimit:
        """Look up one of this entry's time limits by id."""
        for limit in self.time_limits:
            if limit.id == limit_id:
                return limit
        raise KeyError(f"entry '{self.id}' has no time limit '{limit_id}'")

    @property
    def rung_ids(self) -> list[str]:
        """The ladder's rung ids, in order."""
        return [step.rung for step in self.ladder]


class Rung(_Model):
    """A shared escalation rung."""

    id: str
    side: Side
    name: str
    action: str
    menu_path: list[str] = []
    prerequisites: list[str] = []
    evidence: list[str] = []
    notes: list[str] = []
    # Rule-book events: the rung is done once the case told one of ``done_by``; it applies
    # only once the case told every one of ``needs`` (an appeal needs a ruling).
    done_by: list[str] = []
    needs: list[str] = []
    sources: list[str]
    as_of: dt.date

    @validator("id", "name", "action", pre=True)
    def _text(cls, value: Any, field: Any) -> str:
        return _require_text(value, field.name)

    @validator("menu_path", "prerequisites", "evidence", "notes", pre=True)
    def _lists(cls, value: Any, field: Any) -> list[str]:
        return _texts(value or [], field.name)

    @validator("sources", pre=True)
    def _sources(cls, value: Any) -> list[str]:
        if not value or not isinstance(value, list):
            raise ValueError("sources must be a non-empty list")
        return _texts(value, "source")


class SafetyFlag(_Model):
    """A safety flag and the message it shows."""

    id: str
    message: str
    source: str
    as_of: dt.date

    @validator("id", "message", "source", pre=True)
    def _text(cls, value: Any, field: Any) -> str:
        return _require_text(value, field.name)


class SafetyTrigger(_Model):
    """Keywords that raise safety flags, minus harmless phrases containing them."""

    flags: list[str]
    keywords: list[str]
    exclude: list[str] = []

    @validator("flags", "keywords", pre=True)
    def _nonempty(cls, value: Any, field: Any) -> list[str]:
        if not value or not isinstance(value, list):
            raise ValueError(f"{field.name} must be a non-empty list")
        return _texts(value, field.name)

    def matches(self, text: str) -> bool:
        """True if a keyword occurs once the excluded phrases are removed."""
        for phrase in sorted(self.exclude, key=len, reverse=True):
            text = text.replace(phrase, "\n")
        return any(keyword in text for keyword in self.keywords)


# ---------------------------------------------------------------------------------------
