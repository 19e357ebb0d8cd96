"""The e2e fixtures (server environment) for the conversation suite."""

from tests.e2e.conftest import server_env  # noqa: F401 - a fixture, used by name
