"""How the Rasa process calls the action server: kept-alive, checked cheaply, failures seen.

Three additions to Rasa's ``RemoteAction``, installed together by :func:`install`
(idempotent; ``bot.adapters.startup`` calls it when the Rasa process starts):

- **The answer check, built once.** Rasa 3.6 checks every action-server answer with
  ``jsonschema.validate(result, spec)``, which first re-checks the constant schema itself
  against the JSON-Schema meta-schema and then builds a new validator. With jsonschema 4.17
  and Rasa's large event schema that meta-check was about 70% of the Rasa process's CPU
  per turn with a custom action (py-spy, ``docs/performance.md``). The replacement checks
  against the same schema with a validator built once, and raises the same
  ``jsonschema.ValidationError`` with Rasa's help text.
- **Connections kept alive.** Rasa opens a new HTTP session (and TCP connection) for
  every action call; here the action endpoint reuses one pool per event loop, configured
  as Rasa configures its sessions. Closed by :func:`close_shared_sessions` at server stop.
- **Failures are visible to the channel.** Rasa logs a failed custom action (action
  server down, an error answer, a malformed answer) and goes on without its events. Inside
  :func:`watching_action_failures` the names of such actions are collected, so a channel
  can tell the user that the answer may be incomplete, without asking the action server
  for its health on every turn. A form's rejection (``ActionExecutionRejection``) is a
  normal answer, not a failure. An action that runs past ACTION_TIMEOUT (below the
  conversation lock's lifetime, so a slow turn never overlaps the next) counts as failed.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import aiohttp
from jsonschema import exceptions, validators
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

from bot.settings import load_settings

_RASAS_VALIDATE = RemoteAction._validate_action_result
_RASAS_RUN = RemoteAction.run
HELP = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)
KEEPALIVE_SECONDS = 2.0
_sessions: dict[int, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}
_failed_actions: ContextVar[list[str] | None] = ContextVar("failed_custom_actions",
                                                           default=None)


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


class _Lent:
    """``async with`` that lends a shared session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_exc: object) -> None:
        return None


def shared_session(endpoint: EndpointConfig) -> _Lent:
    """The endpoint's keep-alive session on the running event loop (made on first use).

    Configured like Rasa's ``EndpointConfig.session()`` (headers, basic auth, timeout);
    idle connections are dropped after ``KEEPALIVE_SECONDS``, before the action server
    (Sanic, 5 s) would close them under a request.
    """
    loop = asyncio.get_running_loop()
    known = _sessions.get(id(endpoint))
    if known is not None and known[0] is loop and not known[1].closed:
        return _Lent(known[1])
    auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None)
    session = aiohttp.ClientSession(
        headers=endpoint.headers, auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
    )
    _sessions[id(endpoint)] = (loop, session)
    return _Lent(session)


async def close_shared_sessions() -> None:
    """Close the keep-alive sessions made on the running loop (at server stop)."""
    loop = asyncio.get_running_loop()
    for key, (owner, session) in list(_sessions.items()):
        if owner is loop:
            await session.close()
            del _sessions[key]


def keep_alive(endpoint: EndpointConfig | None) -> None:
    """Make ``endpoint``'s requests reuse one connection pool (Rasa opens one per call)."""
    if endpoint is not None and not getattr(endpoint, "_keeps_alive", False):
        endpoint.session = functools.partial(shared_session, endpoint)  # type: ignore[method-assign]
        endpoint._keeps_alive = True  # type: ignore[attr-defined]


async def run_noting_failures(action: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """``RemoteAction.run`` within the action timeout (below the conversation lock's
    lifetime), noting the action's name when it fails or times out (then re-raising)."""
    keep_alive(action.action_endpoint)
    try:
        return await asyncio.wait_for(_RASAS_RUN(action, *args, **kwargs),
                                      timeout=_action_timeout())
    except ActionExecutionRejection:
        raise
    except Exception:
        failed = _failed_actions.get()
        if failed is not None:
            failed.append(action.name())
        raise


@lru_cache(maxsize=1)
def _action_timeout() -> float:
    """ACTION_TIMEOUT (seconds), read once per process."""
    return float(load_settings().action_timeout_seconds)


@contextmanager
def watching_action_failures() -> Iterator[list[str]]:
    """Collects the names of custom actions that fail in this task while inside."""
    failed: list[str] = []
    token = _failed_actions.set(failed)
    try:
        yield failed
    finally:
        _failed_actions.reset(token)


def install() -> None:
    """Use the cached answer check and note failures, for every RemoteAction."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    RemoteAction.run = run_noting_failures  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore Rasa's own methods (tests)."""
    RemoteAction._validate_action_result = _RASAS_VALIDATE  # type: ignore[method-assign]
    RemoteAction.run = _RASAS_RUN  # type: ignore[method-assign]
