"""What every rule-book entry rests on, and how long ago it was checked (``make rules-report``).

One row per rule-book entry (case entries, their time limits and notes, rungs, safety flags,
shared time limits): its kinds of source, the references, the ``as_of`` date and its age.
Rows older than :data:`STALE_AFTER_DAYS` are flagged, as are rows that rest on the 2022
practice articles alone and rows whose law text needs a check against the official text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.rulebook import RuleBook
from bot.sources import SourceKind

STALE_AFTER_DAYS = 365


@dataclass(frozen=True)
class ReportRow:
    """One rule-book entry in the report."""

    file: str
    entry: str
    kinds: tuple[str, ...]
    refs: tuple[str, ...]
    as_of: dt.date | None
    age_days: int | None
    stale: bool
    practice_only: bool
    needs_check: bool


def _row(book: RuleBook, file: str, entry: str, source: str | list[str], as_of: dt.date | None,
         today: dt.date) -> ReportRow:
    citations = book.cite(source)
    kinds = tuple(dict.fromkeys(c.kind.value for c in citations))
    age = None if as_of is None else (today - as_of).days
    return ReportRow(
        file=file, entry=entry, kinds=kinds, refs=tuple(c.ref for c in citations),
        as_of=as_of, age_days=age, stale=age is None or age > STALE_AFTER_DAYS,
        practice_only=bool(citations) and all(c.kind is SourceKind.PRACTICE for c in citations),
        needs_check=any(c.needs_check for c in citations))


def report_rows(book: RuleBook, today: dt.date) -> list[ReportRow]:
    """Every entry of the rule book, in file order."""
    rows = [_row(book, "timelines.yml", limit.id, limit.source or "", limit.as_of, today)
            for limit in book.shared_limits().values()]
    for entry in book.entries():
        rows.append(_row(book, "cases", entry.id, entry.sources, entry.as_of, today))
        rows += [_row(book, "cases", f"{entry.id}.{limit.id}", limit.source or "",
                      limit.as_of, today) for limit in entry.time_limits]
        rows += [_row(book, "cases", f"{entry.id}.notes[{index}]", note.source, note.as_of,
                      today) for index, note in enumerate(entry.notes)]
    rows += [_row(book, "ladder.yml", rung.id, rung.sources, rung.as_of, today)
             for rung in book.rungs()]
    for flag_id in book.safety_flag_ids():
        flag = book.safety_flag(flag_id)
        rows.append(_row(book, "safety.yml", flag.id, flag.source, flag.as_of, today))
    return rows


def format_report(rows: list[ReportRow], today: dt.date) -> str:
    """The report as plain text: a table, then the counts."""
    lines = [f"Rule book sources on {today} (stale: as_of older than {STALE_AFTER_DAYS} days)",
             f"{'file':<14} {'entry':<48} {'as_of':<10} {'age':>5}  flags  kinds: references"]
    for row in rows:
        flags = "".join(("S" if row.stale else "-", "P" if row.practice_only else "-",
                         "C" if row.needs_check else "-"))
        lines.append(f"{row.file:<14} {row.entry:<48} {row.as_of!s:<10} "
                     f"{row.age_days if row.age_days is not None else '?':>5}  {flags}    "
                     f"{'/'.join(row.kinds)}: {', '.join(row.refs)}")
    kinds: dict[str, int] = {}
    for row in rows:
        for kind in row.kinds:
            kinds[kind] = kinds.get(kind, 0) + 1
    lines += [
        "",
        "flags: S = stale, P = rests on the 2022 practice articles alone, "
        "C = law text from one copy or a third-party copy (check the official text)",
        f"entries: {len(rows)}; stale: {sum(r.stale for r in rows)}; "
        f"practice only: {sum(r.practice_only for r in rows)}; "
        f"needs check: {sum(r.needs_check for r in rows)}",
        "entries citing each kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
    ]
    return "\n".join(lines)
