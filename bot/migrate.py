"""Apply the case store migrations: ``python -m bot.migrate [URL]`` runs ``upgrade head``.

Without a URL the target is :func:`bot.store.engine.default_case_db_url` of the current
settings (``DB_URL`` when it is PostgreSQL, else ``var/cases.db``), and migrations that
rename conversations rename them in the tracker store at ``DB_URL`` too (``--tracker-url``
names another). Works from any directory.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.engine import Engine

from bot.settings import REPO_ROOT, load_settings
from bot.store.engine import create_store_engine, default_case_db_url, normalize_url

MIGRATIONS_DIR = REPO_ROOT / "migrations"
VERSION_TABLE = "case_store_alembic_version"  # keep in sync with migrations/env.py


def alembic_config(url: str | None = None, tracker_url: str | None = None) -> Config:
    """An Alembic config for the repository's migrations (no ini file, no logging setup).

    ``tracker_url``: Rasa's SQL tracker store, when it is another database than the case
    store; migrations that rename conversations rename them there too.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    if tracker_url:
        config.attributes["tracker_url"] = normalize_url(tracker_url).render_as_string(
            hide_password=False)
    return config


def _resolve(url: str | None) -> str:
    return url or default_case_db_url(load_settings())


def upgrade(url: str | None = None, revision: str = "head",
            tracker_url: str | None = None) -> None:
    """``alembic upgrade <revision>`` on ``url`` (default: the configured case store); a
    tracker store in another database is touched only when ``tracker_url`` names it."""
    command.upgrade(alembic_config(_resolve(url), tracker_url), revision)


def downgrade(url: str | None = None, revision: str = "base",
              tracker_url: str | None = None) -> None:
    """``alembic downgrade <revision>`` on ``url`` (default ``base``: drops every table)."""
    command.downgrade(alembic_config(_resolve(url), tracker_url), revision)


def head_revision() -> str | None:
    """The newest revision in ``migrations/versions``."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at (None before the first upgrade)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        )
        return context.get_current_revision()


def is_up_to_date(url: str | None = None) -> bool:
    """True when the database is at the head revision."""
    engine = create_store_engine(_resolve(url), poolclass=pool.NullPool)
    try:
        return current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.migrate", description=__doc__)
    parser.add_argument("url", nargs="?", help="database URL (default: the configured one)")
    parser.add_argument("--revision", default="head", help="upgrade target (default: head)")
    parser.add_argument("--downgrade", metavar="REVISION",
                        help="downgrade to REVISION instead (`base` drops every table)")
    parser.add_argument("--tracker-url", help="Rasa's SQL tracker store (default: DB_URL "
                        "when no case store URL is given, else none)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = _resolve(args.url)
    tracker_url = args.tracker_url or (None if args.url else load_settings().db_url)
    shown = normalize_url(url).render_as_string(hide_password=True)
    if args.downgrade:
        downgrade(url, args.downgrade, tracker_url)
    else:
        upgrade(url, args.revision, tracker_url)
    target = args.downgrade or args.revision
    logging.getLogger("bot.migrate").info("case store %s is at %s", shown, target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
