"""Fixtures shared by the unit tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this run (skips when PostgreSQL is unreachable,
    fails instead under CI)."""
    login = make_url(os.environ.get("TEST_PG_URL") or DEFAULT_PG_URL)
    admin_url = login.set(database="postgres")
    admin = sa.create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    name = f"complaint_guide_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except SQLAlchemyError as error:
        admin.dispose()
        if os.environ.get("CI"):  # CI's machines run PostgreSQL: a miss there is a failure
            pytest.fail(f"PostgreSQL not reachable under CI: {type(error).__name__}: {error}")
        pytest.skip(
            f"PostgreSQL not reachable at {admin_url.render_as_string(hide_password=True)} "
            f"(set TEST_PG_URL to test it): {type(error).__name__}: {error.orig or error}"
        )
    try:
        yield login.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
