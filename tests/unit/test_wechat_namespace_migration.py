"""Migration 0002: existing WeChat conversations (bare openids) become ``wx-<openid>`` in the
tracker store and the case store; other channels' conversations stay (issue 24, item 3)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import migrate
from bot.store import CaseRepository, create_store_engine

OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
OTHER_OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL3N"
WEB = "web-3f1c2a9e"
REST = "rest-me"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _save_conversations(url: str, channels: dict[str, str]) -> None:
    """One conversation per sender in Rasa's own SQL tracker store, said on ``channel``."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), host=url)
    for sender, channel in channels.items():
        tracker = DialogueStateTracker.from_events(
            sender, [UserUttered("你好", input_channel=channel), BotUttered("你好！")])
        asyncio.run(store.save(tracker))


def _column(url: str, sql: str) -> set[str]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.exec_driver_sql(sql)}
    finally:
        engine.dispose()


def _cases(url: str) -> set[str]:
    return _column(url, "SELECT conversation_id FROM cases")


def _audit(url: str) -> set[str]:
    return _column(url, "SELECT conversation_id FROM case_audit")


def _senders(url: str) -> set[str]:
    return _column(url, "SELECT sender_id FROM events")


def _open_cases(url: str, conversations: list[str]) -> None:
    engine = create_store_engine(url)
    repo = CaseRepository(engine, clock=lambda: T0)
    for conversation in conversations:
        case = repo.open_case(conversation, "refund_refused", "buyer")
        repo.update_case(case.id, order_number="1234567890123456")
    engine.dispose()


@pytest.mark.parametrize("shared", [False, True], ids=["separate tracker db", "one db"])
def test_wechat_conversations_are_renamed_and_back(tmp_path: Path, shared: bool) -> None:
    cases_url = f"sqlite:///{tmp_path / 'cases.db'}"
    tracker_url = cases_url if shared else f"sqlite:///{tmp_path / 'rasa.db'}"
    migrate.upgrade(cases_url, "0001_initial")
    _save_conversations(tracker_url, {OPENID: "wechat", OTHER_OPENID: "wechat",
                                      WEB: "web", REST: "rest"})
    _open_cases(cases_url, [OPENID, WEB, REST])

    migrate.upgrade(cases_url, tracker_url=None if shared else tracker_url)

    renamed = {"wx-" + OPENID, "wx-" + OTHER_OPENID, WEB, REST}
    assert _senders(tracker_url) == renamed
    assert _cases(cases_url) == _audit(cases_url) == {"wx-" + OPENID, WEB, REST}
    migrate.upgrade(cases_url, tracker_url=tracker_url)  # at head: nothing renamed twice
    assert _senders(tracker_url) == renamed

    migrate.downgrade(cases_url, "0001_initial", tracker_url=tracker_url)
    assert _senders(tracker_url) == {OPENID, OTHER_OPENID, WEB, REST}
    assert _cases(cases_url) == {OPENID, WEB, REST}


def test_without_a_tracker_store_openid_shaped_cases_are_renamed(tmp_path: Path) -> None:
    cases_url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate.upgrade(cases_url, "0001_initial")
    _open_cases(cases_url, [OPENID, WEB, REST, "console-ab12"])
    migrate.upgrade(cases_url, tracker_url=f"sqlite:///{tmp_path / 'missing.db'}")
    assert _cases(cases_url) == {"wx-" + OPENID, WEB, REST, "console-ab12"}
    assert not (tmp_path / "missing.db").exists()


def test_the_command_line_migrates_the_configured_tracker_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases_url = f"sqlite:///{tmp_path / 'cases.db'}"
    tracker_url = f"sqlite:///{tmp_path / 'rasa.db'}"
    monkeypatch.setenv("DB_URL", tracker_url)
    monkeypatch.setenv("CASES_DB_URL", cases_url)
    migrate.upgrade(cases_url, "0001_initial")
    _save_conversations(tracker_url, {OPENID: "wechat"})
    assert migrate.main([]) == 0
    assert _senders(tracker_url) == {"wx-" + OPENID}


def test_on_postgresql_the_shared_tracker_store_is_renamed(pg_database_url: str) -> None:
    url = pg_database_url
    migrate.upgrade(url, "0001_initial")
    try:
        _save_conversations(url, {OPENID: "wechat", WEB: "web"})
        _open_cases(url, [OPENID, WEB])
        migrate.upgrade(url)
        assert _senders(url) == {"wx-" + OPENID, WEB}
        assert _cases(url) == _audit(url) == {"wx-" + OPENID, WEB}
        migrate.downgrade(url, "0001_initial")
        assert _senders(url) == {OPENID, WEB}
        assert _cases(url) == {OPENID, WEB}
    finally:
        migrate.downgrade(url, "base")
        engine = create_store_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS events")
        engine.dispose()
