"""Engine factory for the case store: SQLite (default) or PostgreSQL.

Nothing here connects at import time. :func:`create_store_engine` builds an engine from a URL;
callers pass that engine to :class:`bot.store.repository.CaseRepository` and to the migrations.

SQLite engines are set up for several writers in one process and across processes:
foreign keys on, ``secure_delete`` on (deleted content is overwritten, not left in free
pages; :func:`wipe_sqlite_wal` clears the WAL after an erasure), WAL journal, a 5 s busy
timeout, and real transactions (pysqlite's own
implicit ``BEGIN`` is switched off and SQLAlchemy emits ``BEGIN``; a connection with the
execution option ``sqlite_begin="IMMEDIATE"`` takes the write lock when its transaction
starts, which the repository uses for its writes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.future import create_engine

from bot.settings import REPO_ROOT, Settings

DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "cases.db"
SQLITE_BUSY_TIMEOUT_S = 5.0  # short: a busy store fails a write fast (the turn goes on)
_POSTGRES_ALIASES = {"postgres", "postgresql"}


def normalize_url(url: str | URL) -> URL:
    """``url`` as a SQLAlchemy URL; the Heroku-style ``postgres://`` becomes ``postgresql://``."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql")
    return parsed


def is_postgresql(url: str | URL) -> bool:
    """True when ``url`` points at PostgreSQL (any driver)."""
    return normalize_url(url).get_backend_name() in _POSTGRES_ALIASES


def is_sqlite(url: str | URL) -> bool:
    """True when ``url`` points at SQLite."""
    return normalize_url(url).get_backend_name() == "sqlite"


def default_case_db_url(settings: Settings) -> str:
    """The case store URL: ``CASES_DB_URL`` if set, else ``DB_URL`` when it is PostgreSQL,
    else ``var/cases.db``.

    The SQLite tracker store file is not shared: Rasa and the action server are separate
    processes and the case store gets its own file next to it.
    """
    if settings.case_db_url:
        return settings.case_db_url
    if settings.db_url and is_postgresql(settings.db_url):
        return normalize_url(settings.db_url).render_as_string(hide_password=False)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_store_engine(url: str | URL, **kwargs: Any) -> Engine:
    """A 2.0-style (``future=True``) engine for ``url``; creates a SQLite file's directory.

    Extra keyword arguments go to :func:`sqlalchemy.create_engine`.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("json_serializer", _dumps)
    return create_engine(parsed, future=True, **kwargs)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _create_sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    connect_args.setdefault("check_same_thread", False)
    # Autocommit at the driver level: SQLAlchemy's "begin" listener below emits BEGIN itself.
    connect_args["isolation_level"] = None
    kwargs.setdefault("json_serializer", _dumps)
    engine = create_engine(url, future=True, connect_args=connect_args, **kwargs)
    wal = path is not None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")  # erased data is overwritten
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode not in {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"}:
            raise ValueError(f"unknown sqlite_begin mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def wipe_sqlite_wal(engine: Engine) -> None:
    """After an erasure: copy the WAL into the database and truncate it, so the erased rows'
    old pages are not left in the ``-wal`` file. Other databases: nothing to do."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
