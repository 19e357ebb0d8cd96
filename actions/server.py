"""The action server, with a shared secret checked before any action runs.

Rasa sends ``Authorization: Bearer <ACTION_SERVER_TOKEN>`` on every action call (the
``headers`` of ``action_endpoint`` in ``endpoints.yml``). This server is rasa-sdk's own app
(``rasa_sdk.endpoint.create_app``) with one request middleware in front:

- a call without the right token gets 401, before the tracker is even read;
- with ``APP_ENV=production`` and no token set, every call gets 503: an action server
  behind a shared load balancer never runs actions for anyone who can reach it;
- ``/health`` stays open (process supervisors and the tests poll it);
- slot values that do not fit their slot's type or length are set to None before the
  action reads them (:mod:`bot.slot_values`).

Run as ``python -m actions.server --actions actions --port 5055`` (scripts/run.sh).
"""

from __future__ import annotations

import argparse
import gc
import hmac
import logging
import os
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import common
from bot.log_filters import install_log_filters
from bot.settings import Settings, load_settings
from bot.slot_values import set_aside_invalid_slots

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def _bearer(request: Request) -> str:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def refusal(request: Request, settings: Settings) -> HTTPResponse | None:
    """The answer to a call that may not run an action (None: let it through)."""
    if request.path in OPEN_PATHS:
        return None
    token = settings.action_server_token
    if token is None:
        if settings.production:
            return response.json({"error": "not_configured", "detail":
                                  "set ACTION_SERVER_TOKEN: in production the action "
                                  "server runs no action without it"}, status=503)
        return None
    if not hmac.compare_digest(_bearer(request).encode(), token.encode()):
        return response.json({"error": "unauthorized", "detail":
                              "send 'Authorization: Bearer <ACTION_SERVER_TOKEN>'"}, status=401)
    return None


def set_aside_invalid_slots_of(request: Any) -> list[str]:
    """Before an action runs, set the tracker's slot values that do not fit their slot's
    type or length to None (a ``/inform{...}`` can carry anything); returns their names."""
    if request.path != "/webhook":
        return []
    try:
        call = request.json
    except Exception:  # noqa: BLE001 - rasa-sdk answers a body that is not JSON itself
        return []
    return set_aside_invalid_slots(call)


def guarded_app(actions_package: str, settings: Settings | None = None) -> Sanic:
    """rasa-sdk's action server app with the shared-secret check in front (no CORS), and
    the slot values checked before any action reads them."""
    app = create_app(actions_package, cors_origins=None)
    chosen = settings or load_settings()

    @app.middleware("request")
    async def check_the_secret(request: Request) -> HTTPResponse | None:
        answer = refusal(request, chosen)
        if answer is None:
            set_aside_invalid_slots_of(request)
        return answer

    if chosen.action_server_token is None:
        logger.warning("ACTION_SERVER_TOKEN is not set: the action server accepts any caller%s",
                       " (refused: APP_ENV=production)" if chosen.production else "")
    return app


def main(argv: list[str] | None = None) -> None:
    """Parse ``--actions`` and ``--port`` and serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--port", type=int, default=load_settings().action_port)
    args = parser.parse_args(argv)
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    common.catalog()  # built once; a broken data file stops start-up here, naming it
    common.readers()  # trained once, before the first turn
    common.warm_up()  # one turn's reading, so the first user's turn costs what any turn costs
    gc.freeze()  # the catalog and the readers live as long as the process: no GC passes over them
    app = guarded_app(args.actions)
    install_log_filters()  # again, now that Sanic has its own loggers' handlers
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    logger.info("action server on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
