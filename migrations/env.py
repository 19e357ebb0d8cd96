"""Alembic environment for the case store.

The URL comes from, in order: ``config.attributes["connection"]`` (an open connection),
``-x url=...``, the ``sqlalchemy.url`` option (set by :mod:`bot.migrate`), and finally
:func:`bot.store.engine.default_case_db_url` of the current settings. Engines are built with
:func:`bot.store.engine.create_store_engine`, so SQLite gets the same pragmas as at runtime.
"""

from __future__ import annotations

import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # the alembic CLI run from another directory
    sys.path.insert(0, str(REPO_ROOT))

from bot.settings import load_settings  # noqa: E402
from bot.store.engine import create_store_engine, default_case_db_url, is_sqlite  # noqa: E402
from bot.store.tables import metadata  # noqa: E402

VERSION_TABLE = "case_store_alembic_version"  # not "alembic_version": the DB may be shared

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or config.get_main_option("sqlalchemy.url")
    return url or default_case_db_url(load_settings())


def _include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """Autogenerate looks at our tables only: the database may hold Rasa's tracker tables."""
    return type_ != "table" or name in target_metadata.tables


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        transactional_ddl=True,
        render_as_batch=is_sqlite(connection.engine.url),
        compare_type=True,
        include_name=_include_name,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=is_sqlite(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against a live database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_store_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
