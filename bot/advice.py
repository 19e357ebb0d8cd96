"""Situational advice: one sourced line when the case state meets its condition, once per
case (``data/knowledge/advice.yml``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles import DataFileError, read_yaml
from bot.sources import Citation, Sources
from bot.understanding.state import CaseState

CONDITION_KEYS = frozenset({"cases", "roles", "told", "facts"})
ROLES = frozenset({"buyer", "seller"})


class AdviceError(DataFileError):
    """An advice entry cannot be used."""


@dataclass(frozen=True)
class Advice:
    """One line of advice and the condition on the case state that calls for it."""

    id: str
    text: str
    citations: tuple[Citation, ...]
    cases: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    told: frozenset[str] = frozenset()
    facts: frozenset[str] = frozenset()

    def holds(self, state: CaseState, role: str | None) -> bool:
        """Whether the case state meets every part of the condition."""
        return ((not self.cases or state.case_type in self.cases)
                and (not self.roles or role in self.roles)
                and (not self.told or bool(self.told & {*state.told, *state.events}))
                and (not self.facts or any(state.value(name) for name in self.facts)))


def load_advice(path: Path, sources: Sources, case_types: Iterable[str],
                events: Iterable[str], fact_names: Iterable[str]) -> tuple[Advice, ...]:
    """Read and validate the advice file."""
    raw = read_yaml(path, AdviceError)
    if not isinstance(raw, dict) or not isinstance(raw.get("advice"), list):
        raise AdviceError(path, "advice", "a list of entries")
    known = {"cases": set(case_types), "roles": set(ROLES), "told": set(events),
             "facts": set(fact_names)}
    found: list[Advice] = []
    for number, item in enumerate(raw["advice"], start=1):
        entry = str(item.get("id") or f"#{number}") if isinstance(item, dict) else f"#{number}"
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise AdviceError(path, entry, "needs an id, a text and a source")
        when = item.get("when") or {}
        if not isinstance(when, dict) or set(when) - CONDITION_KEYS or not when:
            raise AdviceError(path, entry, f"when: a mapping of {sorted(CONDITION_KEYS)}")
        for key, values in when.items():
            unknown = sorted(set(values or []) - known[key])
            if unknown:
                raise AdviceError(path, entry, f"when.{key}: unknown {unknown}")
        if entry in {a.id for a in found}:
            raise AdviceError(path, entry, "duplicate id")
        found.append(Advice(
            id=entry, text=str(item["text"]).strip(),
            citations=sources.resolve_all(item.get("source"), f"{path.name}: {entry}"),
            **{key: frozenset(values) for key, values in when.items()}))
    return tuple(found)


def due_advice(advice: Iterable[Advice], state: CaseState, role: str | None,
               shown: Iterable[str]) -> Advice | None:
    """The first advice whose condition holds and that this case has not shown yet."""
    done = set(shown)
    return next((a for a in advice if a.id not in done and a.holds(state, role)), None)
