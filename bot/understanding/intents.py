"""The intents that are not case types, and the groups the turn reads them by.

``data/understanding/intents.yml`` is the one list (the case types are the folders of
``data/cases/``); :func:`intent_registry` reads it once per process, on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from bot.datafiles import DataFileError, data_path, read_yaml

GROUPS = ("request", "digression", "answer", "follow_up")


class IntentRegistryError(DataFileError):
    """The intent registry cannot be used."""


@dataclass(frozen=True)
class IntentRegistry:
    """Each listed intent's groups, its training-example floor and its no-case reply."""

    groups: Mapping[str, frozenset[str]]  # intent -> its groups
    floors: Mapping[str, int]  # intent -> fewest training examples
    no_case_replies: Mapping[str, str]  # intent -> response when no case is open
    replies: Mapping[str, str]  # intent -> its one response (greetings, thanks, handoff)

    def members(self, group: str) -> frozenset[str]:
        """The intents of one group."""
        if group not in GROUPS:
            raise KeyError(group)
        return frozenset(name for name, groups in self.groups.items() if group in groups)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.groups)


def load_intents(path: Path) -> IntentRegistry:
    """Read and validate the registry file."""
    raw = read_yaml(path, IntentRegistryError)
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), dict):
        raise IntentRegistryError(path, "intents", "a mapping of intent name to its entry")
    floor = raw.get("examples_floor")
    if not isinstance(floor, int) or floor < 0:
        raise IntentRegistryError(path, "examples_floor", "a whole number >= 0")
    groups, floors, replies, own = {}, {}, {}, {}
    for name, entry in raw["intents"].items():
        where = f"intents.{name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("groups"), list):
            raise IntentRegistryError(path, where, "needs groups: a list (may be empty)")
        unknown = [group for group in entry["groups"] if group not in GROUPS]
        if unknown:
            raise IntentRegistryError(path, where, f"unknown group {unknown[0]!r}; "
                                      f"groups are {list(GROUPS)}")
        groups[str(name)] = frozenset(str(group) for group in entry["groups"])
        floors[str(name)] = int(entry.get("examples", floor))
        if entry.get("no_case_reply"):
            replies[str(name)] = str(entry["no_case_reply"])
        if entry.get("reply"):
            own[str(name)] = str(entry["reply"])
    return IntentRegistry(MappingProxyType(groups), MappingProxyType(floors),
                          MappingProxyType(replies), MappingProxyType(own))


@lru_cache(maxsize=1)
def intent_registry() -> IntentRegistry:
    """The project's registry (read on first use)."""
    return load_intents(data_path("understanding", "intents.yml"))
