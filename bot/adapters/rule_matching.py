"""RulePolicy's rule lookup with an early stop: the same rules match, in less time.

Rasa's ``RulePolicy._get_possible_keys`` filters every rule key against every past state
of the conversation, most recent first. A rule with fewer states than the current look-back
index always passes (that is the first check of ``_is_rule_applicable``), so once the
index reaches the longest rule still in the running, nothing can drop out any more: the
rest of the conversation's history need not be visited. Rasa visits all of it, for every
prediction, which makes each turn slower the longer the conversation gets.

:func:`install` (idempotent; called with the other Rasa-process hooks by
``bot.adapters.startup``) swaps in :func:`possible_keys`, which stops there and otherwise
runs Rasa's own per-key check. ``tests/unit/test_rule_matching.py`` compares both on the
trained model's rules.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

_RASAS = RulePolicy._get_possible_keys


def _longest(policy: RulePolicy, keys: set[str]) -> int:
    return max((len(policy._rule_key_to_state(key)) for key in keys), default=0)


def possible_keys(policy: RulePolicy, lookup: dict[str, Any],
                  states: list[dict[str, Any]]) -> set[str]:
    """The rule keys of ``lookup`` that apply to ``states`` (Rasa's result)."""
    possible = set(lookup.keys())
    longest = _longest(policy, possible)
    for index, state in enumerate(reversed(states)):
        if index >= longest:
            break  # every remaining rule is shorter than this: all of them pass from here
        remaining = {key for key in possible
                     if policy._is_rule_applicable(key, index, state)}
        if remaining != possible:
            possible = remaining
            longest = _longest(policy, possible)
    return possible


def install() -> None:
    """Make every RulePolicy use :func:`possible_keys`."""
    RulePolicy._get_possible_keys = possible_keys  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore Rasa's own lookup (tests)."""
    RulePolicy._get_possible_keys = _RASAS  # type: ignore[method-assign]
