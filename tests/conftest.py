"""Shared test helpers: repository paths and the newest trained model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The suites send hundreds of messages a minute from one sender (and the servers they start
# inherit this); the rate limit itself is tested with its own small limits.
os.environ.setdefault("RATE_PER_SENDER", "100000")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def latest_model() -> Path:
    """The newest model in models/; tests that need one fail loudly without it."""
    models = sorted((REPO / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("no trained model in models/: run `make train` first")
    return models[-1]


@pytest.fixture(scope="session")
def catalog():
    """The repository's data files, loaded and cross-checked once per test run."""
    from tests.data import catalog as load

    return load()
