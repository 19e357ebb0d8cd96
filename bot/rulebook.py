"""Rule book: pydantic (v1) models, loader and validator for ``data/rulebook/*.yml``.

The directory holds four fixed files and any number of case files:

* ``events.yml``    - ``events: {id: label}``, the events a time limit counts from;
* ``ladder.yml``    - ``rungs: [...]``, the escalation rungs;
* ``safety.yml``    - ``flags: {id: {message, source, as_of}}`` and ``triggers: [...]``;
* ``timelines.yml`` - ``limits: [...]``, time limits shared by several cases;
* every other ``*.yml`` - ``cases: [...]``, one entry per case type and role.

Every ``source`` names its references (a practice article such as "src 000", or a
document id and an article number; see ``data/law/sources.yml``) and every entry its
``as_of`` date, when it was last checked against them. Any problem, an unresolvable
reference included, stops the load with a :class:`RuleBookError` naming the file, the
entry and the field.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError, root_validator, validator

from bot.datafiles import REPO_ROOT, data_path
from bot.sources import Citation, SourceError, Sources, load_sources, split_refs

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
        parts = [_display(file)]
        if entry is not None:
            parts.append(f"{what} '{entry}'")
        if field:
            parts.append(field)
        parts.append(problem)
        super().__init__(": ".join(parts))


def _display(file: Path | str) -> str:
    """Show a path relative to the repository when it lies inside it."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


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
# the rule book


class RuleBook:
    """The validated rule book with lookups used by guidance and actions."""

    def __init__(
        self,
        directory: Path,
        events: dict[str, str],
        rungs: dict[str, Rung],
        entries: list[CaseEntry],
        flags: dict[str, SafetyFlag],
        triggers: list[SafetyTrigger],
        facets: dict[str, tuple[str, ...]] | None = None,
        citations: dict[str, Citation] | None = None,
        shared_limits: dict[str, TimeLimit] | None = None,
    ) -> None:
        self.directory = directory
        self._shared_limits = shared_limits or {}
        self._citations = citations or {}
        self._facets = facets or {}
        self._events = events
        self._rungs = rungs
        self._entries = entries
        self._flags = flags
        self._triggers = triggers

    def entries(self) -> list[CaseEntry]:
        """All case entries, in file order."""
        return list(self._entries)

    def roles_for(self, case_type: str) -> list[str]:
        """Roles with an entry for this case type (buyer first)."""
        roles = {e.role for e in self._entries if e.case_type == case_type}
        return [role for role in ROLES if role in roles]

    def entry(self, case_type: str, role: str | None = None) -> CaseEntry:
        """The entry for a case type and role.

        With ``role=None`` (or a role the case type has no entry for, when it has exactly
        one entry, whose role the intent implies) the buyer entry or the only entry is
        returned. Unknown case types raise ``KeyError``.
        """
        matches = [e for e in self._entries if e.case_type == case_type]
        if not matches:
            raise KeyError(f"no rule-book entry for case type '{case_type}'")
        if role is not None:
            for found in matches:
                if found.role == role:
                    return found
            if len(matches) > 1:
                raise KeyError(f"no rule-book entry for case type '{case_type}' and role '{role}'")
        if len(matches) == 1:
            return matches[0]
        for found in matches:
            if found.role == BUYER:
                return found
        return matches[0]

    def rung(self, rung_id: str) -> Rung:
        """A rung by id."""
        try:
            return self._rungs[rung_id]
        except KeyError:
            raise KeyError(f"unknown ladder rung '{rung_id}'") from None

    def rungs(self) -> list[Rung]:
        """All rungs, in file order."""
        return list(self._rungs.values())

    def event_label(self, event_id: str) -> str:
        """The Chinese label of an event."""
        try:
            return self._events[event_id]
        except KeyError:
            raise KeyError(f"unknown event '{event_id}'") from None

    def events(self) -> dict[str, str]:
        """All events: id -> label."""
        return dict(self._events)

    def safety_flag(self, flag_id: str) -> SafetyFlag:
        """A safety flag by id."""
        try:
            return self._flags[flag_id]
        except KeyError:
            raise KeyError(f"unknown safety flag '{flag_id}'") from None

    def safety_flag_ids(self) -> list[str]:
        """All safety flag ids, in file order."""
        return list(self._flags)

    def facets_of(self, case_type: str) -> tuple[str, ...]:
        """Case types that, told while ``case_type`` is open, are details of it (facets.yml)."""
        return self._facets.get(case_type, ())

    def safety_triggers(self) -> list[SafetyTrigger]:
        """All keyword triggers, in file order."""
        return list(self._triggers)

    def shared_limit(self, limit_id: str) -> TimeLimit:
        """A time limit of ``timelines.yml`` by id."""
        try:
            return self._shared_limits[limit_id]
        except KeyError:
            raise KeyError(f"unknown shared time limit '{limit_id}'") from None

    def shared_limits(self) -> dict[str, TimeLimit]:
        """All time limits of ``timelines.yml``, by id."""
        return dict(self._shared_limits)

    def cite(self, source: str | Iterable[str]) -> tuple[Citation, ...]:
        """The resolved citations of a source field (checked at load; unknown: empty)."""
        refs = split_refs(source if isinstance(source, str) else list(source))
        return tuple(self._citations[ref] for ref in refs if ref in self._citations)

    def citations(self) -> dict[str, Citation]:
        """Every reference the rule book uses, resolved."""
        return dict(self._citations)


# ---------------------------------------------------------------------------------------
# loading


@lru_cache(maxsize=8)
def load_rulebook(
    directory: Path = DEFAULT_RULEBOOK_DIR, require_complete: bool = True,
    sources: Sources | None = None,
) -> RuleBook:
    """Load and validate the rule book in ``directory`` (cached per arguments).

    With ``require_complete`` every case type must have an entry for each of its roles.
    Sources are resolved against ``sources`` (default: ``data/law``).
    """
    return _load(Path(directory), require_complete, sources or load_sources())


def _read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning read and syntax errors into RuleBookError."""
    if not path.is_file():
        raise RuleBookError(path, "file is missing")
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise RuleBookError(path, f"malformed YAML: {detail}") from None


def _top(path: Path, data: Any, key: str, kind: type, allowed: Iterable[str] = ()) -> Any:
    """Return ``data[key]`` after checking the file's top-level shape."""
    if not isinstance(data, dict) or key not in data:
        raise RuleBookError(path, f"expected a mapping with a top-level '{key}' key")
    extra = set(data) - {key, *allowed}
    if extra:
        raise RuleBookError(
            path, f"unexpected top-level key(s): {', '.join(sorted(map(str, extra)))}"
        )
    value = data[key]
    if not isinstance(value, kind):
        raise RuleBookError(path, f"'{key}' must be a {'list' if kind is list else 'mapping'}")
    return value


def _field_of(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Render a pydantic error location, naming list items by their id where possible."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if item == "__root__":
            continue
        if isinstance(item, int):
            label = str(item)
            element = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(element, dict):
                label = str(element.get("id") or element.get("rung") or item)
            elif isinstance(element, str):
                label = element
            if parts:
                parts[-1] = f"{parts[-1]}[{label}]"
            else:
                parts.append(f"[{label}]")
            node = element
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def _parse(model: type, raw: Any, path: Path, ident: str, what: str) -> Any:
    """Build a model from raw YAML data or raise RuleBookError naming the first problem."""
    if not isinstance(raw, dict):
        raise RuleBookError(path, "must be a mapping", entry=ident, what=what)
    try:
        return model.parse_obj(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_of(tuple(first["loc"]), raw)
        raise RuleBookError(path, first["msg"], entry=ident, field=field, what=what) from None


def _load_events(directory: Path) -> dict[str, str]:
    path = directory / EVENTS_FILE
    events = _top(path, _read_yaml(path), "events", dict)
    for event_id, label in events.items():
        if not isinstance(event_id, str) or not isinstance(label, str) or not label.strip():
            raise RuleBookError(
                path, "label is missing or empty", entry=str(event_id), what="event"
            )
    return {k: v.strip() for k, v in events.items()}


def _load_rungs(directory: Path) -> dict[str, Rung]:
    path = directory / LADDER_FILE
    raws = _top(path, _read_yaml(path), "rungs", list, allowed=("generic_evidence",))
    rungs: dict[str, Rung] = {}
    for index, raw in enumerate(raws):
        ident = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{index + 1}"
        rung = _parse(Rung, raw, path, ident, "rung")
        if rung.id in rungs:
            raise RuleBookError(path, "duplicate rung id", entry=rung.id, field="id", what="rung")
        rungs[rung.id] = rung
    return rungs


def _load_safety(directory: Path) -> tuple[dict[str, SafetyFlag], list[SafetyTrigger]]:
    path = directory / SAFETY_FILE
    data = _read_yaml(path)
    raw_flags = _top(path, data, "flags", dict, allowed=("triggers",))
    flags: dict[str, SafetyFlag] = {}
    for flag_id, raw in raw_flags.items():
        body = dict(raw) if isinstance(raw, dict) else raw
        if isinstance(body, dict):
            body["id"] = flag_id
        flags[str(flag_id)] = _parse(SafetyFlag, body, path, str(flag_id), "flag")
    raw_triggers = data.get("triggers") or []
    if not isinstance(raw_triggers, list):
        raise RuleBookError(path, "'triggers' must be a list")
    triggers: list[SafetyTrigger] = []
    for index, raw in enumerate(raw_triggers):
        ident = f"#{index + 1}"
        trigger = _parse(SafetyTrigger, raw, path, ident, "trigger")
        for flag in trigger.flags:
            if flag not in flags:
                raise RuleBookError(
                    path,
                    f"unknown safety flag '{flag}'",
                    entry=ident,
                    field="flags",
                    what="trigger",
                )
        triggers.append(trigger)
    return flags, triggers


def _load_shared_limits(directory: Path, events: dict[str, str]
                        ) -> tuple[dict[str, dict[str, Any]], dict[str, TimeLimit]]:
    """Validate timelines.yml; return the raw dicts (entries copy and may override them)
    and the limits themselves."""
    path = directory / TIMELINES_FILE
    raws = _top(path, _read_yaml(path), "limits", list)
    shared: dict[str, dict[str, Any]] = {}
    models: dict[str, TimeLimit] = {}
    for index, raw in enumerate(raws):
        ident = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{index + 1}"
        limit = _parse(TimeLimit, raw, path, ident, "time limit")
        if limit.id in shared:
            raise RuleBookError(
                path, "duplicate time-limit id", entry=limit.id, field="id", what="time limit"
            )
        if limit.counts_from not in events:
            raise RuleBookError(
                path,
                f"unknown event '{limit.counts_from}'",
                entry=limit.id,
                field="counts_from",
                what="time limit",
            )
        if limit.as_of is None:
            raise RuleBookError(path, "as_of is missing: when was it last checked?",
                                entry=limit.id, field="as_of", what="time limit")
        shared[limit.id] = raw
        models[limit.id] = limit
    return shared, models


def _resolve_uses(
    raw: dict[str, Any], shared: dict[str, dict[str, Any]], path: Path, ident: str
) -> dict[str, Any]:
    """Replace ``{use: id, ...overrides}`` time limits with copies of the shared ones."""
    limits = raw.get("time_limits")
    if not isinstance(limits, list):
        return raw
    resolved = []
    for index, item in enumerate(limits):
        if isinstance(item, dict) and "use" in item:
            name = item["use"]
            if name not in shared:
                raise RuleBookError(
                    path,
                    f"unknown shared time limit '{name}' (not in {TIMELINES_FILE})",
                    entry=ident,
                    field=f"time_limits[{index}].use",
                )
            merged = copy.deepcopy(shared[name])
            merged.update({k: v for k, v in item.items() if k != "use"})
            resolved.append(merged)
        else:
            resolved.append(item)
    out = dict(raw)
    out["time_limits"] = resolved
    return out


def _check_entry(
    entry: CaseEntry,
    path: Path,
    events: dict[str, str],
    rungs: dict[str, Rung],
    flags: dict[str, SafetyFlag],
) -> None:
    """Cross-reference checks that need the other files."""

    def fail(field: str, problem: str) -> RuleBookError:
        return RuleBookError(path, problem, entry=entry.id, field=field)

    if entry.case_type not in CASE_TYPES:
        raise fail(
            "case_type",
            f"unknown case type '{entry.case_type}' "
            f"(not one of the {len(CASE_TYPES)} case intents)",
        )
    if entry.role not in ROLES:
        raise fail("role", f"unknown role '{entry.role}' (expected one of {', '.join(ROLES)})")
    allowed = ROLES_BY_CASE[entry.case_type]
    if entry.role not in allowed:
        raise fail("role", f"role '{entry.role}' does not apply to case type '{entry.case_type}'")
    if "role" in entry.asks and entry.case_type not in ASKED_ROLE_CASES:
        raise fail(
            "asks", f"role is implied by case type '{entry.case_type}' and must not be asked"
        )
    if entry.key_event is not None and entry.key_event not in events:
        raise fail("key_event", f"unknown event '{entry.key_event}'")
    for status, event in entry.key_event_by_status.items():
        if status not in ORDER_STATUSES:
            raise fail(f"key_event_by_status.{status}", f"unknown order status '{status}'")
        if event not in events:
            raise fail(f"key_event_by_status.{status}", f"unknown event '{event}'")
    for limit in entry.time_limits:
        if limit.counts_from not in events:
            raise fail(
                f"time_limits[{limit.id}].counts_from", f"unknown event '{limit.counts_from}'"
            )
    limit_ids = {limit.id for limit in entry.time_limits}
    seen_rungs: set = set()
    for step in entry.ladder:
        field = f"ladder[{step.rung}]"
        rung = rungs.get(step.rung)
        if rung is None:
            raise fail(field, f"unknown ladder rung '{step.rung}' (not in {LADDER_FILE})")
        if step.rung in seen_rungs:
            raise fail(field, f"rung '{step.rung}' appears twice")
        seen_rungs.add(step.rung)
        if rung.side is not Side.ANY and rung.side.value != entry.role:
            raise fail(
                field, f"rung '{step.rung}' is a {rung.side.value} rung, entry role is {entry.role}"
            )
        if step.start_if is not None:
            for status in step.start_if.status:
                if status not in ORDER_STATUSES:
                    raise fail(f"{field}.start_if.status", f"unknown order status '{status}'")
            if step.start_if.reached is not None and step.start_if.reached not in limit_ids:
                raise fail(
                    f"{field}.start_if.reached",
                    f"unknown time limit '{step.start_if.reached}' in this entry",
                )
    for flag in entry.safety:
        if flag not in flags:
            raise fail("safety", f"unknown safety flag '{flag}' (not in {SAFETY_FILE})")


def _resolve_citations(
    sources: Sources, directory: Path, rungs: dict[str, Rung], flags: dict[str, SafetyFlag],
    entries: list[tuple[Path, CaseEntry]], shared: dict[str, TimeLimit],
) -> dict[str, Citation]:
    """Resolve every reference of every source field; the first bad one names its place."""
    places: list[tuple[Path, str, str, Any]] = [
        (directory / TIMELINES_FILE, limit.id, "source", limit.source)
        for limit in shared.values()]
    for rung in rungs.values():
        places.append((directory / LADDER_FILE, rung.id, "sources", rung.sources))
    for flag in flags.values():
        places.append((directory / SAFETY_FILE, flag.id, "source", flag.source))
    for path, entry in entries:
        places.append((path, entry.id, "sources", entry.sources))
        places += [(path, entry.id, f"time_limits[{limit.id}].source", limit.source)
                   for limit in entry.time_limits]
        places += [(path, entry.id, f"notes[{index}].source", note.source)
                   for index, note in enumerate(entry.notes)]
    resolved: dict[str, Citation] = {}
    for path, ident, field, value in places:
        for ref in split_refs(value):
            if ref in resolved:
                continue
            try:
                resolved[ref] = sources.resolve(ref)
            except SourceError as exc:
                raise RuleBookError(path, f"{exc.problem}: {ref!r}", entry=ident,
                                    field=field) from None
    return resolved


def _load(directory: Path, require_complete: bool, sources: Sources) -> RuleBook:
    if not directory.is_dir():
        raise RuleBookError(directory, "rule-book directory is missing")
    events = _load_events(directory)
    rungs = _load_rungs(directory)
    flags, triggers = _load_safety(directory)
    shared, shared_models = _load_shared_limits(directory, events)

    entries: list[CaseEntry] = []
    located: list[tuple[Path, CaseEntry]] = []
    seen_ids: dict[str, Path] = {}
    seen_pairs: dict[tuple[str, str], str] = {}
    case_files = sorted(p for p in directory.glob("*.yml") if p.name not in SPECIAL_FILES)
    for path in case_files:
        raws = _top(path, _read_yaml(path), "cases", list)
        for index, raw in enumerate(raws):
            ident = (
                str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{index + 1}"
            )
            if ident in seen_ids:
                raise RuleBookError(
                    path,
                    f"duplicate entry id (already defined in {_display(seen_ids[ident])})",
                    entry=ident,
                    field="id",
                )
            if isinstance(raw, dict):
                raw = _resolve_uses(raw, shared, path, ident)
            entry = _parse(CaseEntry, raw, path, ident, "entry")
            _check_entry(entry, path, events, rungs, flags)
            pair = (entry.case_type, entry.role)
            if pair in seen_pairs:
                raise RuleBookError(
                    path,
                    f"a second entry for case type '{entry.case_type}' and role '{entry.role}' "
                    f"(first: '{seen_pairs[pair]}')",
                    entry=entry.id,
                    field="case_type",
                )
            seen_ids[ident] = path
            seen_pairs[pair] = entry.id
            entries.append(entry)
            located.append((path, entry))

    if require_complete:
        missing = [
            f"{case}/{role}"
            for case in CASE_TYPES
            for role in ROLES_BY_CASE[case]
            if (case, role) not in seen_pairs
        ]
        if missing:
            raise RuleBookError(directory, f"no entry for: {', '.join(missing)}")
    citations = _resolve_citations(sources, directory, rungs, flags, located,
                                   shared_models)
    return RuleBook(directory, events, rungs, entries, flags, triggers, _load_facets(directory),
                    citations, shared_models)


def _load_facets(directory: Path) -> dict[str, tuple[str, ...]]:
    """``facets: {case_type: [case types that are details of it]}``; optional file."""
    path = directory / FACETS_FILE
    if not path.is_file():
        return {}
    raw = _top(path, _read_yaml(path), "facets", dict)
    facets: dict[str, tuple[str, ...]] = {}
    for case_type, details in raw.items():
        if case_type not in CASE_TYPES:
            raise RuleBookError(path, "unknown case type", entry=str(case_type))
        if not isinstance(details, list):
            raise RuleBookError(path, "must be a list of case types", entry=str(case_type))
        for detail in details:
            if detail not in CASE_TYPES or detail == case_type:
                raise RuleBookError(path, f"'{detail}' is not another case type",
                                    entry=str(case_type))
        facets[str(case_type)] = tuple(details)
    return facets
