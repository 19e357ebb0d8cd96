"""Validate the action server's answers with a validator built once, not on every call.

Rasa 3.6 checks every action-server response with ``jsonschema.validate(result, spec)``.
``validate`` first re-checks the (constant) schema itself against the JSON-Schema
meta-schema, then builds a fresh validator; with jsonschema 4.17 and Rasa's large event
schema that meta-check was about 70% of the Rasa process's CPU time per turn with a
custom action (py-spy, ``docs/performance.md``).

:func:`install` swaps in a method that validates against the same schema, with the same
error (``jsonschema.ValidationError``, Rasa's help text appended), using a validator whose
schema was checked once. Idempotent; the Rasa process calls it at start-up through the
tracker store (``bot/adapters/tracker_store.py``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_ORIGINAL = RemoteAction._validate_action_result
HELP = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """A jsonschema validator for Rasa's action response spec, its schema checked once."""
    spec = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` (same result, same errors)."""
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += HELP
        raise error
    return True


def install() -> None:
    """Make every RemoteAction validate with the cached validator."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore Rasa's own validation (tests)."""
    RemoteAction._validate_action_result = _ORIGINAL  # type: ignore[method-assign]


__all__ = ["ValidationError", "install", "response_validator", "uninstall",
           "validate_action_result"]
