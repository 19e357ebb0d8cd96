"""Erased data leaves no copy in SQLite's free pages or its WAL (issue 24, item 14)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot import migrate
from bot.adapters.tracker_store import ERASE_ACTION, ERASED_SLOT, ErasingSQLTrackerStore
from bot.store import CaseRepository, create_store_engine

MARKER = "ORDERMARKER7394019"


def _as_if_built_without_secure_delete(engine: Engine) -> None:
    """Many SQLite builds keep deleted content by default: every new connection of
    ``engine`` starts with secure_delete off, as on those builds."""

    def off(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA secure_delete = OFF")

    event.listen(engine, "connect", off, insert=True)  # before the engine's own set-up
    engine.dispose()


def _on_disk(folder: Path, marker: str) -> list[str]:
    """The database files (main, WAL, journal) in ``folder`` that still hold ``marker``."""
    return [path.name for path in folder.iterdir()
            if path.is_file() and marker.encode() in path.read_bytes()]


def test_an_erased_conversation_is_not_left_in_the_database_files(tmp_path: Path) -> None:
    store = ErasingSQLTrackerStore(Domain.empty(), url=f"sqlite:///{tmp_path / 'rasa.db'}")
    _as_if_built_without_secure_delete(store.engine)
    said = [UserUttered(f"订单号 {MARKER}" + "x" * 3000), ActionExecuted("action_listen")]
    asyncio.run(store.save(DialogueStateTracker.from_events("me", said)))
    assert _on_disk(tmp_path, MARKER)
    erase = [*said, UserUttered("删除我的记录"), ActionExecuted(ERASE_ACTION),
             SlotSet(ERASED_SLOT, True), BotUttered("已删除"), ActionExecuted("action_listen")]
    asyncio.run(store.save(DialogueStateTracker.from_events("me", erase)))
    assert _on_disk(tmp_path, MARKER) == []
    store.engine.dispose()


def test_deleted_cases_are_not_left_in_the_database_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate.upgrade(url)
    engine = create_store_engine(url)
    _as_if_built_without_secure_delete(engine)
    repo = CaseRepository(engine)
    case = repo.open_case("web-me", "not_received", "buyer")
    repo.add_draft(case.id, "polite", "seller", f"订单号 {MARKER}" + "x" * 3000)
    assert _on_disk(tmp_path, MARKER)
    repo.delete_conversation("web-me")
    assert _on_disk(tmp_path, MARKER) == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()
