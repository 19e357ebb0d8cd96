"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import os

import pytest

from tests.e2e.test_rest_conversation import REST_TOKEN, TOKEN
from tests.processes import free_port


@pytest.fixture(scope="module")
def server_env(tmp_path_factory) -> dict[str, str]:
    """Environment for scripts/run.sh: free ports, the test token, throw-away SQLite stores."""
    folder = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DB_URL", "REDIS_URL", "ACTION_ENDPOINT_URL"}}
    env.update(
        RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), RASA_AUTH_TOKEN=TOKEN,
        REST_TOKEN=REST_TOKEN,
        DB_URL=f"sqlite:///{folder / 'tracker.db'}",
        CASES_DB_URL=f"sqlite:///{folder / 'cases.db'}",
    )
    return env
