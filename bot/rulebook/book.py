"""The validated rule book and its lookups (built by :mod:`bot.rulebook.loader`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.holidays import HolidayData
from bot.rulebook.names import BUYER, ROLES, CaseFolder
from bot.rulebook.schema import CaseEntry, Rung, SafetyFlag, SafetyTrigger, TimeLimit
from bot.sources import Citation, split_refs


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
        *,
        cases: Mapping[str, CaseFolder],
        holidays: HolidayData,
    ) -> None:
        self.directory = directory
        self._cases = dict(cases)
        self.holidays = holidays  # the published holidays working days count by
        self._shared_limits = shared_limits or {}
        self._citations = citations or {}
        self._facets = facets or {}
        self._events = events
        self._rungs = rungs
        self._entries = entries
        self._flags = flags
        self._triggers = triggers

    def case_types(self) -> tuple[str, ...]:
        """The case types (the folders of ``data/cases``), in intent-catalog order."""
        return tuple(self._cases)

    def case_label(self, case_type: str) -> str:
        """A case type's label, from its folder (KeyError for an unknown one)."""
        return self._cases[case_type].label

    def asked_role_cases(self) -> tuple[str, ...]:
        """Case types whose role is asked rather than implied by the intent."""
        return tuple(c.id for c in self._cases.values() if len(c.roles) > 1)

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
