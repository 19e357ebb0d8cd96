"""WeChat conversations are namespaced: the id ``<openid>`` becomes ``wx-<openid>``.

Revision ID: 0002_wechat_namespace
Revises: 0001_initial
Create Date: 2026-12-07 00:00:00+00:00

Before, the WeChat channel used the sender's ``FromUserName`` verbatim as the conversation
id, so a body naming ``web-<id>`` or ``rest-<id>`` reached that conversation. The channel
now uses ``wx-<openid>``; this renames what was stored before.

Which conversations were WeChat's is read from Rasa's SQL tracker store (table ``events``:
a user message with ``input_channel`` ``wechat``), in this database (PostgreSQL shared with
the tracker store) and in the one named by the ``tracker_url`` attribute or ``-x
tracker_url=...`` (``python -m bot.migrate`` passes ``DB_URL``). Those conversations are
renamed in ``events`` and in ``cases`` / ``case_audit``. With no tracker store to ask, case
store ids shaped like an OpenID and carrying no channel prefix are renamed. Ids already
starting with ``wx-`` are never renamed again. The downgrade strips ``wx-`` everywhere.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.engine import Connection, make_url

revision: str = "0002_wechat_namespace"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "wx-"
OTHER_PREFIXES = ("web-", "rest-", "console-")
OPENID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # bot.channels.wechat_protocol.OPENID_PATTERN
CASE_TABLES = ("cases", "case_audit")
logger = logging.getLogger("alembic.runtime.migration")


def _tracker_url() -> str | None:
    config = context.config
    url = config.attributes.get("tracker_url") if config is not None else None
    return url or context.get_x_argument(as_dictionary=True).get("tracker_url")


def _same_database(url: str, connection: Connection) -> bool:
    mine = connection.engine.url
    other = make_url(url)
    if other.get_backend_name() != mine.get_backend_name():
        return False
    if other.get_backend_name() == "sqlite":
        return bool(other.database and mine.database) and \
            Path(other.database).resolve() == Path(str(mine.database)).resolve()
    return (other.host, other.port, other.database) == (mine.host, mine.port, mine.database)


@contextmanager
def _trackers() -> Iterator[list[Connection]]:
    """Connections to every tracker store with an ``events`` table (none, one or two).

    A separate tracker store gets its own transaction, committed after the case store's
    changes were made (a failure there rolls both back)."""
    bind = op.get_bind()
    found = [bind] if sa.inspect(bind).has_table("events") else []
    url = _tracker_url()
    if not url or _same_database(url, bind):
        yield found
        return
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (
            parsed.database and Path(parsed.database).is_file()):
        yield found  # never create an empty tracker database
        return
    engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as tracker:
            if sa.inspect(tracker).has_table("events"):
                found.append(tracker)
            yield found
    finally:
        engine.dispose()


def _wechat_senders(connection: Connection) -> set[str]:
    """Senders with a user message said on the WeChat channel, not yet namespaced."""
    rows = connection.execute(sa.text(
        "SELECT sender_id, data FROM events WHERE type_name = 'user' AND data LIKE :hint"),
        {"hint": "%wechat%"})
    senders = set()
    for sender, data in rows:
        if sender in senders or sender.startswith(PREFIX):
            continue
        try:
            channel = json.loads(data).get("input_channel")
        except (TypeError, ValueError, AttributeError):
            continue
        if channel == "wechat":
            senders.add(sender)
    return senders


def _openid_shaped_cases(connection: Connection) -> set[str]:
    rows = connection.execute(sa.text("SELECT DISTINCT conversation_id FROM cases"))
    return {conversation for (conversation,) in rows
            if OPENID.fullmatch(conversation)
            and not conversation.startswith((PREFIX, *OTHER_PREFIXES))}


def _rename(connection: Connection, table: str, column: str, ids: set[str],
            new: Callable[[str], str]) -> None:
    if ids:
        connection.execute(
            sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old"),
            [{"old": old, "new": new(old)} for old in sorted(ids)])


def upgrade() -> None:
    """Rename WeChat conversations ``<openid>`` to ``wx-<openid>``."""
    bind = op.get_bind()
    with _trackers() as trackers:
        per_tracker = [(tracker, _wechat_senders(tracker)) for tracker in trackers]
        wechat = set().union(*(senders for _, senders in per_tracker))
        if not trackers:
            wechat = _openid_shaped_cases(bind)
            logger.warning("no tracker store found: %d case-store conversations shaped like "
                           "an OpenID are taken for WeChat's", len(wechat))
        for table in CASE_TABLES:
            _rename(bind, table, "conversation_id", wechat, lambda old: PREFIX + old)
        for tracker, senders in per_tracker:
            _rename(tracker, "events", "sender_id", senders, lambda old: PREFIX + old)


def _strip(connection: Connection, table: str, column: str) -> None:
    connection.execute(sa.text(
        f"UPDATE {table} SET {column} = substr({column}, {len(PREFIX) + 1}) "
        f"WHERE {column} LIKE :prefix"), {"prefix": PREFIX + "%"})


def downgrade() -> None:
    """Back to bare openids."""
    bind = op.get_bind()
    with _trackers() as trackers:
        for table in CASE_TABLES:
            _strip(bind, table, "conversation_id")
        for tracker in trackers:
            _strip(tracker, "events", "sender_id")
