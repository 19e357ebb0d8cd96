"""Loading and validating ``data/rulebook/*.yml``: every id and every source reference is
checked, and any problem stops the load with a :class:`RuleBookError` naming the file, the
entry and the field."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.datafiles import display, parse_yaml
from bot.holidays import HolidayData
from bot.rulebook.book import RuleBook
from bot.rulebook.names import (
    CASE_RULEBOOK_FILE,
    CASES_DIR,
    EVENTS_FILE,
    FACETS_FILE,
    LADDER_FILE,
    ORDER_STATUSES,
    ROLES,
    SAFETY_FILE,
    SPECIAL_FILES,
    TIMELINES_FILE,
    CaseFolder,
    Side,
)
from bot.rulebook.schema import (
    CaseEntry,
    RuleBookError,
    Rung,
    SafetyFlag,
    SafetyTrigger,
    TimeLimit,
)
from bot.sources import Citation, SourceError, Sources, split_refs


def load_rulebook(
    directory: Path, *, cases: Mapping[str, CaseFolder], sources: Sources,
    holidays: HolidayData, require_complete: bool = True,
) -> RuleBook:
    """Load and validate the rule book in ``directory``.

    ``cases`` are the case types (the folders of ``data/cases``); the entries of each
    folder's ``rulebook.yml`` are read when a ``cases`` folder lies beside ``directory``.
    With ``require_complete`` every case type must have an entry for each of its roles.
    Sources are resolved against ``sources``; working days count by ``holidays``.
    """
    return _load(Path(directory), require_complete, sources, dict(cases), holidays)


def _read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning read and syntax errors into RuleBookError."""
    if not path.is_file():
        raise RuleBookError(path, "file is missing")
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
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


def _parse(model: type[BaseModel], raw: Any, path: Path, ident: str, what: str) -> Any:
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
    cases: dict[str, CaseFolder],
) -> None:
    """Cross-reference checks that need the other files."""

    def fail(field: str, problem: str) -> RuleBookError:
        return RuleBookError(path, problem, entry=entry.id, field=field)

    if entry.case_type not in cases:
        raise fail(
            "case_type",
            f"unknown case type '{entry.case_type}' "
            f"(not one of the {len(cases)} case intents)",
        )
    if entry.role not in ROLES:
        raise fail("role", f"unknown role '{entry.role}' (expected one of {', '.join(ROLES)})")
    allowed = cases[entry.case_type].roles
    if entry.role not in allowed:
        raise fail("role", f"role '{entry.role}' does not apply to case type '{entry.case_type}'")
    if "role" in entry.asks and len(cases[entry.case_type].roles) < 2:
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


def _load(directory: Path, require_complete: bool, sources: Sources,
          cases: dict[str, CaseFolder], holidays: HolidayData) -> RuleBook:
    if not directory.is_dir():
        raise RuleBookError(directory, "rule-book directory is missing")
    events = _load_events(directory)
    rungs = _load_rungs(directory)
    for rung in rungs.values():
        for field_name in ("done_by", "needs"):
            for event in getattr(rung, field_name):
                if event not in events:
                    raise RuleBookError(directory / LADDER_FILE, f"unknown event '{event}'",
                                        entry=rung.id, field=field_name, what="rung")
    flags, triggers = _load_safety(directory)
    shared, shared_models = _load_shared_limits(directory, events)

    entries: list[CaseEntry] = []
    located: list[tuple[Path, CaseEntry]] = []
    seen_ids: dict[str, Path] = {}
    seen_pairs: dict[tuple[str, str], str] = {}
    case_files = sorted(p for p in directory.glob("*.yml") if p.name not in SPECIAL_FILES)
    beside = directory.parent / CASES_DIR.name  # data/cases beside data/rulebook
    if beside.is_dir():
        case_files += [beside / case_id / CASE_RULEBOOK_FILE for case_id in cases
                       if (beside / case_id / CASE_RULEBOOK_FILE).is_file()]
    for path in case_files:
        raws = _top(path, _read_yaml(path), "cases", list)
        for index, raw in enumerate(raws):
            ident = (
                str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{index + 1}"
            )
            if ident in seen_ids:
                raise RuleBookError(
                    path,
                    f"duplicate entry id (already defined in {display(seen_ids[ident])})",
                    entry=ident,
                    field="id",
                )
            if isinstance(raw, dict):
                raw = _resolve_uses(raw, shared, path, ident)
            entry = _parse(CaseEntry, raw, path, ident, "entry")
            _check_entry(entry, path, events, rungs, flags, cases)
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
            for case, folder in cases.items()
            for role in folder.roles
            if (case, role) not in seen_pairs
        ]
        if missing:
            raise RuleBookError(directory, f"no entry for: {', '.join(missing)}")
    citations = _resolve_citations(sources, directory, rungs, flags, located,
                                   shared_models)
    return RuleBook(directory, events, rungs, entries, flags, triggers,
                    _load_facets(directory, cases), citations, shared_models,
                    cases=cases, holidays=holidays)


def _load_facets(directory: Path, cases: dict[str, CaseFolder]
                 ) -> dict[str, tuple[str, ...]]:
    """``facets: {case_type: [case types that are details of it]}``; optional file."""
    path = directory / FACETS_FILE
    if not path.is_file():
        return {}
    raw = _top(path, _read_yaml(path), "facets", dict)
    facets: dict[str, tuple[str, ...]] = {}
    for case_type, details in raw.items():
        if case_type not in cases:
            raise RuleBookError(path, "unknown case type", entry=str(case_type))
        if not isinstance(details, list):
            raise RuleBookError(path, "must be a list of case types", entry=str(case_type))
        for detail in details:
            if detail not in cases or detail == case_type:
                raise RuleBookError(path, f"'{detail}' is not another case type",
                                    entry=str(case_type))
        facets[str(case_type)] = tuple(details)
    return facets
