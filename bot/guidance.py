"""Case facts -> structured guidance: first steps, dated deadlines, ladder rung, evidence.

Everything user-facing comes from the rule book; :mod:`bot.wording` turns the structures
into display strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.deadlines import due_date
from bot.rulebook import CaseEntry, Note, RuleBook, TimeLimit
from bot.sources import Citation


@dataclass(frozen=True)
class CaseFacts:
    """What the assistant knows about the user's case."""

    case_type: str
    role: str | None
    order_status: str | None
    key_date: dt.date | None
    today: dt.date
    # Every known event date (rule-book event id -> date); each limit counts from its own.
    event_dates: Mapping[str, dt.date] = field(default_factory=dict)
    # Every rule-book event the case told, dated or not (where the user stands).
    told: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeadlineItem:
    """One time limit of the case, dated when its start event's date is known."""

    limit_id: str
    outcome: str
    kind: str
    approximate: bool
    amount: int
    amount_max: int | None
    unit: str
    source: str
    note: str | None
    counts_from: str
    counts_from_label: str
    due: dt.date | None
    due_max: dt.date | None
    due_time: dt.time | None
    covered: bool
    passed: bool
    reached: bool
    citations: tuple[Citation, ...] = ()
    start: dt.date | None = None  # the date it counts from, when known

    @property
    def latest(self) -> dt.date | None:
        """The last date of the limit (``due_max`` for ranges)."""
        return self.due_max or self.due


@dataclass(frozen=True)
class RungView:
    """A ladder rung as it applies to one case (generic plus case-specific evidence)."""

    index: int
    id: str
    name: str
    action: str
    menu_path: tuple[str, ...]
    prerequisites: tuple[str, ...]
    evidence: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    case_note: str | None
    is_last: bool
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class SafetyNote:
    """A raised safety flag with its message."""

    id: str
    message: str
    source: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Guidance:
    """Everything the actions need to answer about one case."""

    entry_id: str
    case_type: str
    role: str
    order_status: str | None
    summary: str
    first_steps: tuple[str, ...]
    menu_path: tuple[str, ...]
    key_event: str | None
    key_event_label: str | None
    key_date: dt.date | None
    deadlines: tuple[DeadlineItem, ...]
    now_possible: tuple[DeadlineItem, ...]
    current_rung_index: int
    ladder: tuple[RungView, ...]
    safety: tuple[SafetyNote, ...]
    progress_paths: tuple[tuple[str, ...], ...]
    notes: tuple[Note, ...]
    sources: tuple[str, ...]
    covered: bool
    uncovered_years: tuple[int, ...]
    citations: tuple[Citation, ...] = ()  # the entry's own sources

    @property
    def current_rung(self) -> RungView:
        """The rung the user is on now."""
        return self.ladder[self.current_rung_index]

    @property
    def next_rung(self) -> RungView | None:
        """The rung after the current one (None on the last rung)."""
        return self.rung(self.current_rung_index + 1)

    def rung(self, index: int) -> RungView | None:
        """The rung at ``index`` (None outside the ladder)."""
        return self.ladder[index] if 0 <= index < len(self.ladder) else None


def deadline_items(
    entry: CaseEntry,
    key_event: str | None,
    key_date: dt.date | None,
    today: dt.date,
    book: RuleBook,
    event_dates: Mapping[str, dt.date] | None = None,
) -> tuple[DeadlineItem, ...]:
    """Date every limit from its own event: ``key_date`` for ``key_event``, the others from
    ``event_dates`` when the user gave them."""
    dates = dict(event_dates or {})
    if key_date is not None and key_event is not None:
        dates[key_event] = key_date
    return tuple(limit_item(limit, dates.get(limit.counts_from), today, book)
                 for limit in entry.time_limits)


def limit_item(limit: TimeLimit, start: dt.date | None, today: dt.date,
               book: RuleBook) -> DeadlineItem:
    """One time limit as shown: dated from ``start`` when it is known."""
    due = None if start is None else due_date(limit, start, book.holidays)
    latest = None if due is None else (due.date_max or due.date)
    return DeadlineItem(
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
        counts_from_label=book.event_label(limit.counts_from),
        due=None if due is None else due.date,
        due_max=None if due is None else due.date_max,
        due_time=None if due is None else due.at,
        covered=True if due is None else due.covered,
        passed=latest is not None and latest < today,
        reached=due is not None and due.date <= today,
        citations=book.cite(limit.source or ""),
        start=start,
    )


def current_rung_index(
    entry: CaseEntry,
    order_status: str | None,
    key_date: dt.date | None,
    today: dt.date,
    items: Sequence[DeadlineItem],
    told: frozenset[str] = frozenset(),
    book: RuleBook | None = None,
) -> int:
    """The highest ladder step whose ``start_if`` holds (0 when none does); then past every
    step the case told done (its rung's ``done_by``), as long as the next one applies (its
    ``needs`` were told)."""
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
    if book is None or not told:
        return index
    rungs = [book.rung(step.rung) for step in entry.ladder]
    while (index + 1 < len(rungs) and told & set(rungs[index].done_by)
           and set(rungs[index + 1].needs) <= told):
        index += 1
    return index


def rung_at(case: CaseEntry, index: int, book: RuleBook) -> RungView | None:
    """The case's rung at ``index`` (None outside the ladder)."""
    if index < 0 or index >= len(case.ladder):
        return None
    step = case.ladder[index]
    rung = book.rung(step.rung)
    evidence = [] if step.evidence_only else list(rung.evidence)
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
        citations=book.cite(rung.sources),
    )


def safety_flags_in(text: str, book: RuleBook) -> list[str]:
    """Safety flags raised by keywords in (already normalized) ``text``, in file order."""
    flags: list[str] = []
    for trigger in book.safety_triggers():
        if trigger.matches(text):
            flags.extend(flag for flag in trigger.flags if flag not in flags)
    return flags


def safety_notes(flag_ids: Sequence[str], book: RuleBook) -> tuple[SafetyNote, ...]:
    """Messages for the given safety flags (duplicates dropped)."""
    notes: list[SafetyNote] = []
    for flag_id in dict.fromkeys(flag_ids):
        flag = book.safety_flag(flag_id)
        notes.append(SafetyNote(id=flag.id, message=flag.message, source=flag.source,
                                citations=book.cite(flag.source)))
    return tuple(notes)


def build_guidance(book: RuleBook, facts: CaseFacts) -> Guidance:
    """Structured guidance for the case described by ``facts`` (``book=None``: the default)."""
    entry = book.entry(facts.case_type, facts.role)
    key_event = entry.key_event_for(facts.order_status)
    key_date = facts.key_date
    if key_date is None and key_event is not None:
        key_date = facts.event_dates.get(key_event)
    items = deadline_items(entry, key_event, key_date, facts.today, book, facts.event_dates)
    index = current_rung_index(entry, facts.order_status, key_date, facts.today, items,
                               facts.told, book)
    ladder = tuple(rung_at(entry, i, book) for i in range(len(entry.ladder)))
    uncovered = sorted(
        {
            day.year
            for item in items
            if not item.covered
            for day in (item.due, item.due_max)
            if day is not None
        }
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
        key_event_label=None if key_event is None else book.event_label(key_event),
        key_date=key_date,
        deadlines=items,
        now_possible=tuple(item for item in items if item.kind == "opens" and item.reached),
        current_rung_index=index,
        ladder=tuple(r for r in ladder if r is not None),
        safety=safety_notes(entry.safety, book),
        progress_paths=tuple(tuple(path) for path in entry.progress_path),
        notes=tuple(entry.notes),
        sources=tuple(entry.sources),
        covered=not uncovered,
        uncovered_years=tuple(uncovered),
        citations=book.cite(entry.sources),
    )
