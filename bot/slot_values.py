"""What a user may put into the dialogue: the payloads the assistant showed, and slot values.

Rasa reads a message that starts with ``/`` as an intent with entities
(``/inform{"order_number": ...}``), which fills slots with anything the user types. Only
the payloads of the buttons in ``domain.yml``'s responses are read that way
(:meth:`DomainRules.payload_shown`, used by the NLU normalizer); any other ``/`` message is
text. Slot values are checked by their slot's type and a length (:meth:`DomainRules.slot_ok`);
the action server sets aside the values that fail before any action reads them.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.datafiles import parse_yaml
from bot.settings import REPO_ROOT

DOMAIN_PATH = REPO_ROOT / "domain.yml"
#: The longest text a text slot holds (a message is at most MAX_MESSAGE_CHARS, 2,000).
TEXT_MAX_CHARS = 2000
LIST_MAX_ITEMS = 50
FLOAT_MAX = 1000.0
#: Slots with a shape of their own (the NLU's order_number is 8-25 digits, amount a number).
SHAPES = {
    "order_number": re.compile(r"[0-9]{8,25}"),
    "amount": re.compile(r"[^\x00-\x1f{}\[\]]{1,24}"),
}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainRules:
    """The button payloads of the domain's responses and the type of each slot."""

    payloads: frozenset[str]
    slot_types: Mapping[str, str]
    categories: Mapping[str, frozenset[str]]

    def payload_shown(self, text: str) -> bool:
        """Whether ``text`` is (apart from surrounding spaces) a payload of a button."""
        return text.strip() in self.payloads

    def slot_ok(self, name: str, value: Any) -> bool:
        """Whether ``value`` fits slot ``name`` (None always does; a slot the domain does not
        declare, such as Rasa's own ``session_started_metadata``, is checked by size)."""
        if value is None:
            return True
        kind = self.slot_types.get(name, "any")
        if name in SHAPES:
            return isinstance(value, str) and SHAPES[name].fullmatch(value) is not None
        if kind == "categorical":
            return isinstance(value, str) and value in self.categories.get(name, frozenset())
        if kind == "text":
            return isinstance(value, str) and len(value) <= TEXT_MAX_CHARS
        if kind == "bool":
            return isinstance(value, bool)
        if kind == "float":
            return (isinstance(value, int | float) and not isinstance(value, bool)
                    and math.isfinite(value) and abs(value) <= FLOAT_MAX)
        if kind == "list":
            return (isinstance(value, list) and len(value) <= LIST_MAX_ITEMS
                    and all(isinstance(item, str) and len(item) <= TEXT_MAX_CHARS
                            for item in value))
        return len(repr(value)) <= TEXT_MAX_CHARS  # "any": only its size

    def invalid_slots(self, slots: Mapping[str, Any]) -> list[str]:
        """The names of the slots whose values do not fit."""
        return [name for name, value in slots.items() if not self.slot_ok(name, value)]


def _payloads(responses: Mapping[str, Any]) -> set[str]:
    """Every button payload, as Rasa sends it (``{{`` in a response is a literal ``{``)."""
    found: set[str] = set()
    for variants in responses.values():
        for variant in variants or []:
            if not isinstance(variant, Mapping):
                continue
            for button in variant.get("buttons") or []:
                payload = button.get("payload") if isinstance(button, Mapping) else None
                if isinstance(payload, str) and payload.strip():
                    found.add(payload.replace("{{", "{").replace("}}", "}").strip())
    return found


def load_domain_rules(path: Path = DOMAIN_PATH) -> DomainRules:
    """Read the payloads and slot types from ``domain.yml``."""
    domain = parse_yaml(Path(path).read_text(encoding="utf-8")) or {}
    slots = domain.get("slots") or {}
    return DomainRules(
        payloads=frozenset(_payloads(domain.get("responses") or {})),
        slot_types={name: str(spec.get("type", "any")) for name, spec in slots.items()},
        categories={name: frozenset(str(v) for v in spec.get("values") or [])
                    for name, spec in slots.items() if spec.get("type") == "categorical"},
    )


@lru_cache(maxsize=1)
def domain_rules() -> DomainRules:
    """The rules of the repository's ``domain.yml`` (read once)."""
    return load_domain_rules()


def set_aside_invalid_slots(action_call: Any, rules: DomainRules | None = None) -> list[str]:
    """Replace the slot values of an action call's tracker that do not fit with None, in
    place; returns their names (logged, without the values)."""
    tracker = action_call.get("tracker") if isinstance(action_call, dict) else None
    slots = tracker.get("slots") if isinstance(tracker, dict) else None
    if not isinstance(slots, dict):
        return []
    invalid = sorted((rules or domain_rules()).invalid_slots(slots))
    for name in invalid:
        slots[name] = None
    if invalid:
        logger.warning("slot values set aside (wrong type or too long): %s",
                       ", ".join(invalid))
    return invalid
