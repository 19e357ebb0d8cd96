"""The tracker store adapter: saves normally, erases a conversation on request."""

from __future__ import annotations

import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.adapters.tracker_store import ERASE_ACTION, ErasingSQLTrackerStore


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

    erase = [*talk, UserUttered("删除我的记录"), ActionExecuted(ERASE_ACTION),
             BotUttered("已删除"), ActionExecuted("action_listen")]
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
