"""Case facts -> structured guidance: first steps, dated deadlines, ladder rung, evidence.

Everything user-facing comes from the rule book; :mod:`bot.text` turns the structures
into display strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from bot.deadlines import due_date
from bot.rulebook import CaseEntry, Note, RuleBook, load_rulebook


@dataclass(frozen=True)
class CaseFacts:
    """What the assistant knows about the user's case."""

    case_type: str
    role: Optional[str]
    order_status: Optional[str]
    key_date: Optional[dt.date]
    today: dt.date


@dataclass(frozen=True)
class DeadlineItem:
    """One time limit of the case, dated when its start event's date is known."""

    limit_id: str
    outcome: str
    kind: str
    approximate: bool
    amount: int
    amount_max: Optional[int]
    unit: str
    source: str
    note: Optional[str]
    counts_from: str
    counts_from_label: str
    due: Optional[dt.date]
    due_max: Optional[dt.date]
    due_time: Optional[dt.time]
    covered: bool
    passed: bool
    reached: bool

    @property
    def latest(self) -> Optional[dt.date]:
        """The last date of the limit (``due_max`` for ranges)."""
        return self.due_max or self.due


@dataclass(frozen=True)
class RungView:
    """A ladder rung as it applies to one case (generic plus case-specific evidence)."""

    index: int
    id: str
    name: str
    action: str
    menu_path: Tuple[str, ...]
    prerequisites: Tuple[str, ...]
    evidence: Tuple[str, ...]
    notes: Tuple[str, ...]
    sources: Tuple[str, ...]
    case_note: Optional[str]
    is_last: bool


@dataclass(frozen=True)
class SafetyNote:
    """A raised safety flag with its message."""

    id: str
    message: str
    source: str


@dataclass(frozen=True)
class Guidance:
    """Everything the actions need to answer about one case."""

    entry_id: str
    case_type: str
    role: str
    order_status: Optional[str]
    summary: str
    first_steps: Tuple[str, ...]
    menu_path: Tuple[str, ...]
    key_event: Optional[str]
    key_event_label: Optional[str]
    key_date: Optional[dt.date]
    deadlines: Tuple[DeadlineItem, ...]
    now_possible: Tuple[DeadlineItem, ...]
    rung_index: int
    current_rung: RungView
    next_rung: Optional[RungView]
    ladder_length: int
    safety: Tuple[SafetyNote, ...]
    progress_paths: Tuple[Tuple[str, ...], ...]
    notes: Tuple[Note, ...]
    sources: Tuple[str, ...]
    covered: bool
    uncovered_years: Tuple[int, ...]


def _book(book: Optional[RuleBook]) -> RuleBook:
    return book if book is not None else load_rulebook()


def deadline_items(
    entry: CaseEntry,
    key_event: Optional[str],
    key_date: Optional[dt.date],
    today: dt.date,
    book: Optional[RuleBook] = None,
) -> Tuple[DeadlineItem, ...]:
    """Date every limit counting from ``key_event`` (when ``key_date`` is known)."""
    rules = _book(book)
    items: List[DeadlineItem] = []
    for limit in entry.time_limits:
        due = None
        if key_date is not None and key_event is not None and limit.counts_from == key_event:
            due = due_date(limit, key_date)
        latest = None if due is None else (due.date_max or due.date)
        items.append(
            DeadlineItem(
                limit_id=limit.id,
                outcome=limit.outcome,
                kind=limit.kind.value,
                approximate=limit.approximate,
                amount=limit.amount,
                amount_max=limit.amount_max,
                unit=limit.unit.value,
                source=limit.source or "",
                note=limit.note,
                counts_from=limit.counts_from,
                counts_from_label=rules.event_label(limit.counts_from),
                due=None if due is None else due.date,
                due_max=None if due is None else due.date_max,
                due_time=None if due is None else due.at,
                covered=True if due is None else due.covered,
                passed=latest is not None and latest < today,
                reached=due is not None and due.date <= today,
            )
        )
    return tuple(items)


def current_rung_index(
    entry: CaseEntry,
    order_status: Optional[str],
    key_date: Optional[dt.date],
    today: dt.date,
    items: Sequence[DeadlineItem],
) -> int:
    """The highest ladder step whose ``start_if`` holds (0 when none does)."""
    reached = {item.limit_id for item in items if item.reached}
    happened = key_date is not None and key_date <= today
    index = 0
    for position, step in enumerate(entry.ladder):
        cond = step.start_if
        if cond is None:
            continue
        if (
            (order_status is not None and order_status in cond.status)
            or (cond.key_date and happened)
            or (cond.reached is not None and cond.reached in reached)
        ):
            index = position
    return index


def rung_at(case: CaseEntry, index: int, book: Optional[RuleBook] = None) -> Optional[RungView]:
    """The case's rung at ``index`` (None outside the ladder)."""
    if index < 0 or index >= len(case.ladder):
        return None
    step = case.ladder[index]
    rung = _book(book).rung(step.rung)
    evidence = list(rung.evidence)
    evidence += [item for item in step.evidence if item not in evidence]
    return RungView(
        index=index,
        id=rung.id,
        name=rung.name,
        action=rung.action,
        menu_path=tuple(rung.menu_path),
        prerequisites=tuple(rung.prerequisites),
        evidence=tuple(evidence),
        notes=tuple(rung.notes),
        sources=tuple(rung.sources),
        case_note=step.note,
        is_last=index == len(case.ladder) - 1,
    )


def next_rung(case: CaseEntry, current_index: int, book: Optional[RuleBook] = None) -> Optional[RungView]:
    """One rung up from ``current_index`` (None past the last rung)."""
    return rung_at(case, current_index + 1, book)


def safety_flags_in(text: str, book: Optional[RuleBook] = None) -> List[str]:
    """Safety flags raised by keywords in (already normalized) ``text``, in file order."""
    flags: List[str] = []
    for trigger in _book(book).safety_triggers():
        if trigger.matches(text):
            flags.extend(flag for flag in trigger.flags if flag not in flags)
    return flags


def safety_notes(flag_ids: Sequence[str], book: Optional[RuleBook] = None) -> Tuple[SafetyNote, ...]:
    """Messages for the given safety flags (duplicates dropped)."""
    rules = _book(book)
    notes: List[SafetyNote] = []
    for flag_id in dict.fromkeys(flag_ids):
        flag = rules.safety_flag(flag_id)
        notes.append(SafetyNote(id=flag.id, message=flag.message, source=flag.source))
    return tuple(notes)


def build_guidance(facts: CaseFacts, book: Optional[RuleBook] = None) -> Guidance:
    """Structured guidance for the case described by ``facts``."""
    rules = _book(book)
    entry = rules.entry(facts.case_type, facts.role)
    key_event = entry.key_event_for(facts.order_status)
    items = deadline_items(entry, key_event, facts.key_date, facts.today, rules)
    index = current_rung_index(entry, facts.order_status, facts.key_date, facts.today, items)
    current = rung_at(entry, index, rules)
    assert current is not None  # a ladder is never empty (validated)
    uncovered = sorted(
        {day.year for item in items if not item.covered for day in (item.due, item.due_max) if day is not None}
    )
    return Guidance(
        entry_id=entry.id,
        case_type=entry.case_type,
        role=entry.role,
        order_status=facts.order_status,
        summary=entry.summary,
        first_steps=tuple(entry.first_steps),
        menu_path=tuple(entry.menu_path),
        key_event=key_event,
        key_event_label=None if key_event is None else rules.event_label(key_event),
        key_date=facts.key_date,
        deadlines=items,
        now_possible=tuple(item for item in items if item.kind == "opens" and item.reached),
        rung_index=index,
        current_rung=current,
        next_rung=next_rung(entry, index, rules),
        ladder_length=len(entry.ladder),
        safety=safety_notes(entry.safety, rules),
        progress_paths=tuple(tuple(path) for path in entry.progress_path),
        notes=tuple(entry.notes),
        sources=tuple(entry.sources),
        covered=not uncovered,
        uncovered_years=tuple(uncovered),
    )
