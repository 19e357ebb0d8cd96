"""Write what the conversation established about a case into the case store.

Plain functions over a :class:`CaseRepository`, called by the actions; each returns the
stored case so callers and tests can see what was kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.store.repository import CaseRepository
from bot.store.tables import Case


def record_case(
    repo: CaseRepository,
    conversation_id: str,
    case_type: str,
    role: str | None = None,
    key_event: str | None = None,
    key_date: date | None = None,
    ladder_rung: int | None = None,
    order_number: str | None = None,
    amount: str | None = None,
) -> Case:
    """Open (or reuse) the conversation's case of ``case_type`` and store the given facts."""
    case = repo.open_case(conversation_id, case_type, role)
    changes: dict[str, Any] = {
        name: value
        for name, value in (("role", role), ("ladder_rung", ladder_rung),
                            ("order_number", order_number), ("amount", amount))
        if value is not None
    }
    if changes:
        case = repo.update_case(case.id, **changes)
    if key_event and key_date:
        case = repo.set_fact(case.id, key_event, key_date)
    return case


def record_draft(
    repo: CaseRepository, conversation_id: str, case_type: str, role: str | None,
    tone: str, addressee: str, text: str,
) -> Case:
    """Keep a draft the assistant showed, under the conversation's case."""
    case = repo.open_case(conversation_id, case_type, role)
    repo.add_draft(case.id, tone, addressee, text)
    return case
