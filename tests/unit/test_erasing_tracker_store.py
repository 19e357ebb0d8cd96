"""The tracker store adapter: Rasa's rows from a cheaper save; erasure on request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.adapters.tracker_store import ERASE_ACTION, ERASED_SLOT, ErasingSQLTrackerStore


def _store(tmp_path) -> ErasingSQLTrackerStore:
    return ErasingSQLTrackerStore(Domain.empty(), url=f"sqlite:///{tmp_path / 'rasa.db'}")


def _count(store: ErasingSQLTrackerStore, sender: str) -> int:
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count()


def test_saves_like_the_sql_tracker_store_and_erases_on_request(tmp_path):
    store = _store(tmp_path)
    talk = [UserUttered("订单号3012345678901234"), ActionExecuted("action_listen")]
    asyncio.run(store.save(DialogueStateTracker.from_events("me", talk)))
    asyncio.run(store.save(DialogueStateTracker.from_events("other", talk)))
    assert _count(store, "me") == 2

    failed = [*talk, UserUttered("删除我的记录"), ActionExecuted(ERASE_ACTION),
              ActionExecuted("action_listen")]  # the action failed: no success event
    asyncio.run(store.save(DialogueStateTracker.from_events("me", failed)))
    assert _count(store, "me") == 5, "a failed delete must leave the conversation in place"

    erase = [*talk, UserUttered("删除我的记录"), ActionExecuted(ERASE_ACTION),
             SlotSet(ERASED_SLOT, True), BotUttered("已删除"), ActionExecuted("action_listen")]
    asyncio.run(store.save(DialogueStateTracker.from_events("me", erase)))
    assert _count(store, "me") == 0
    assert _count(store, "other") == 2


def test_an_earlier_erasure_does_not_erase_later_turns(tmp_path):
    store = _store(tmp_path)
    events = [UserUttered("删除"), ActionExecuted(ERASE_ACTION), UserUttered("你好"),
              ActionExecuted("action_listen")]
    asyncio.run(store.save(DialogueStateTracker.from_events("me", events)))
    assert _count(store, "me") == 4


def test_the_rasa_process_masks_phone_numbers_in_its_logs(tmp_path, caplog):
    import logging

    from bot.store.privacy import PiiMaskingFilter

    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        _store(tmp_path)
        assert any(isinstance(f, PiiMaskingFilter) for f in handler.filters)
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "用户说 %s", ("13812345678",),
                                   None)
        for log_filter in handler.filters:
            log_filter.filter(record)
        assert "13812345678" not in record.getMessage()
    finally:
        root.removeHandler(handler)


# ---- the cheaper save: same rows as Rasa's SQLTrackerStore ---------------------------------

T0 = 1_900_000_000.0  # 2030: after the action_listen that a new tracker starts with


def _turn(text: str, intent: str, action: str, at: float) -> list:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=at),
        ActionExecuted(action, timestamp=at + 0.1),
        BotUttered(f"回复{text}", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


async def _a_conversation(store: SQLTrackerStore, sender: str) -> None:
    """Turns as the processor runs them, a new session, then a tracker built elsewhere."""
    tracker = await store.get_or_create_tracker(sender)  # new: saved with action_listen
    for event in _turn("你好", "greet", "utter_greet", T0):
        tracker.update(event)
    await store.save(tracker)
    for n in range(1, 3):
        tracker = await store.retrieve(sender)
        for event in _turn(f"问题{n}", "ask_deadline", "action_explain_deadlines", T0 + n):
            tracker.update(event)
        await store.save(tracker)
        await store.save(tracker)  # saving the same tracker twice adds nothing
    tracker = await store.retrieve(sender)
    for event in [ActionExecuted("action_session_start", timestamp=T0 + 10),
                  SessionStarted(timestamp=T0 + 10.1),
                  ActionExecuted("action_listen", timestamp=T0 + 10.2),
                  *_turn("又来了", "greet", "utter_greet", T0 + 11)]:
        tracker.update(event)
    await store.save(tracker)
    # not handed out by the store (e.g. the HTTP API): Rasa's count decides what is new
    current = await store.retrieve(sender)
    elsewhere = DialogueStateTracker.from_events(
        sender, [*current.events, *_turn("最后", "thank", "utter_you_are_welcome", T0 + 20)])
    await store.save(elsewhere)


def _rows(store: SQLTrackerStore, sender: str) -> list[tuple]:
    table = store.SQLEvent.__table__
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(table.c.type_name, table.c.timestamp, table.c.intent_name,
                      table.c.action_name, table.c.data)
            .where(table.c.sender_id == sender).order_by(table.c.id))]


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An events database: a SQLite file, or the run's throw-away PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rasa.db'}"
        return
    url = request.getfixturevalue("pg_database_url")
    yield url
    engine = sa.create_engine(url)
    SQLTrackerStore.SQLEvent.__table__.drop(engine, checkfirst=True)
    engine.dispose()


def test_stores_exactly_the_rows_rasas_sql_tracker_store_stores(tracker_db_url):
    domain = Domain.empty()
    ours = ErasingSQLTrackerStore(domain, url=tracker_db_url)
    rasas = SQLTrackerStore(domain, host=tracker_db_url)
    asyncio.run(_a_conversation(ours, "ours"))
    asyncio.run(_a_conversation(rasas, "rasas"))
    expected, got = _rows(rasas, "rasas"), _rows(ours, "ours")
    assert len(expected) == 1 + 4 + 2 * 4 + 3 + 4 + 4
    assert got[1:] == expected[1:]
    # the first row is the action_listen a new tracker starts with, stamped "now"
    assert [got[0][0], *got[0][2:4]] == [expected[0][0], *expected[0][2:4]]


def test_two_replicas_on_one_database_lose_and_repeat_nothing(tracker_db_url):
    first = ErasingSQLTrackerStore(Domain.empty(), url=tracker_db_url)
    second = ErasingSQLTrackerStore(Domain.empty(), url=tracker_db_url)

    async def alternate() -> None:
        tracker = await first.get_or_create_tracker("shared")
        for n, store in enumerate([first, second, first, second, first]):
            tracker = await store.retrieve("shared")
            for event in _turn(f"第{n}句", "inform", "case_form", T0 + n):
                tracker.update(event)
            await store.save(tracker)

    asyncio.run(alternate())
    texts = [json.loads(data).get("text") for type_name, *_, data in _rows(first, "shared")
             if type_name == "user"]
    assert texts == [f"第{n}句" for n in range(5)]
    assert len(_rows(first, "shared")) == 1 + 5 * 4


def test_sqlite_is_pooled_and_journals_ahead(tmp_path):
    store = _store(tmp_path)
    assert isinstance(store.engine.pool, sa.pool.QueuePool)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_remembers_a_bounded_number_of_conversations(tmp_path, monkeypatch):
    from bot.adapters import tracker_store

    monkeypatch.setattr(tracker_store, "REMEMBERED_CONVERSATIONS", 3)
    store = _store(tmp_path)

    async def talk() -> None:
        for n in range(6):
            tracker = await store.get_or_create_tracker(f"u{n}")
            tracker.update(UserUttered("你好", timestamp=T0 + n))
            await store.save(tracker)

    asyncio.run(talk())
    assert list(store._stored) == ["u3", "u4", "u5"]
    assert all(_count(store, f"u{n}") == 2 for n in range(6))


def test_an_event_over_the_size_cap_is_stored_without_its_metadata(tmp_path, monkeypatch):
    """Issue 24.1: one 1 MiB request became a 3.8 MiB event; an event's size is capped."""
    monkeypatch.setenv("MAX_EVENT_BYTES", "65536")
    store = _store(tmp_path)
    big = UserUttered("你好", metadata={"blob": "x" * 1_000_000})
    asyncio.run(store.save(DialogueStateTracker.from_events("big", [big])))
    with store.session_scope() as session:
        (data,) = session.query(store.SQLEvent.data).filter(
            store.SQLEvent.sender_id == "big").one()
    assert len(data.encode()) <= 65536
    assert json.loads(data)["text"] == "你好"


def test_overlapping_turns_of_one_conversation_are_both_kept(tracker_db_url, caplog):
    """A turn that outlived its lock: the next turn retrieved the same events before the
    first one saved. Rasa's count-based save would drop the later turn's events."""
    store = ErasingSQLTrackerStore(Domain.empty(), url=tracker_db_url)

    async def overlap() -> None:
        tracker = await store.get_or_create_tracker("slow")
        await store.save(tracker)
        slow = await store.retrieve("slow")
        fast = await store.retrieve("slow")
        for event in _turn("慢的那句", "inform", "action_case_turn", T0):
            slow.update(event)
        for event in _turn("后发的一句", "inform", "action_case_turn", T0 + 1):
            fast.update(event)
        await store.save(fast)
        await store.save(slow)

    with caplog.at_level("WARNING", logger="bot.adapters.tracker_store"):
        asyncio.run(overlap())
    texts = [json.loads(data).get("text") for type_name, *_, data in _rows(store, "slow")
             if type_name == "user"]
    assert sorted(texts) == sorted(["慢的那句", "后发的一句"])
    assert len(_rows(store, "slow")) == 1 + 2 * 4
    assert any("overlapping turns" in record.getMessage() for record in caplog.records)


def test_a_tracker_made_elsewhere_appends_only_what_is_missing(tmp_path):
    store = _store(tmp_path)

    async def talk() -> None:
        tracker = await store.get_or_create_tracker("api")
        for event in _turn("你好", "greet", "utter_greet", T0):
            tracker.update(event)
        await store.save(tracker)
        stored = await store.retrieve("api")
        # built elsewhere from an older copy plus a new turn: the older part is stored
        copy = DialogueStateTracker.from_events(
            "api", [*stored.events, *_turn("再问", "ask_deadline", "utter_x", T0 + 5)])
        await store.save(copy)
        await store.save(copy)

    asyncio.run(talk())
    assert len(_rows(store, "api")) == 1 + 2 * 4
