"""make purge: old conversations leave the tracker store, old cases the case store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.migrate import upgrade
from bot.purge import purge, purge_conversations
from bot.settings import load_settings
from bot.store import CaseRepository, create_store_engine

DAY = 86_400


def _save_conversations(url: str, senders_and_ages: dict[str, float]) -> None:
    """Store one conversation per sender in Rasa's own SQL tracker store."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), host=url)
    for sender, age_days in senders_and_ages.items():
        at = time.time() - age_days * DAY
        tracker = DialogueStateTracker.from_events(
            sender, [UserUttered("你好", timestamp=at), BotUttered("你好！", timestamp=at + 1)]
        )
        asyncio.run(store.save(tracker))


def _senders(url: str) -> set[str]:
    engine = create_store_engine(url)
    with engine.connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT sender_id FROM events")}


def test_old_conversations_go_and_recent_ones_stay(tmp_path):
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    _save_conversations(url, {"old": 40, "recent": 2})
    conversations, events = purge_conversations(create_store_engine(url), days=30)
    assert (conversations, events) == (1, 2)
    assert _senders(url) == {"recent"}


def test_a_store_without_conversations_is_left_alone(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert purge_conversations(engine, days=1) == (0, 0)
    with pytest.raises(ValueError):
        purge_conversations(engine, days=-1)


def test_purge_covers_both_stores(tmp_path):
    tracker_url = f"sqlite:///{tmp_path / 'rasa.db'}"
    cases_url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(cases_url)
    _save_conversations(tracker_url, {"old": 40, "recent": 1})
    long_ago = datetime.now(tz=UTC) - timedelta(days=40)
    CaseRepository(create_store_engine(cases_url), clock=lambda: long_ago).open_case(
        "old", "refund_refused", "buyer")
    CaseRepository(create_store_engine(cases_url)).open_case("recent", "counterfeit", "buyer")
    settings = load_settings({"DB_URL": tracker_url, "CASES_DB_URL": cases_url})
    result = purge(30, settings)
    assert (result.conversations, result.cases) == (1, 1)
    repo = CaseRepository(create_store_engine(cases_url))
    assert repo.open_cases("old") == [] and len(repo.open_cases("recent")) == 1


def _stores_with_an_old_case(tmp_path, conversations: dict[str, float], case_of: str):
    """Both stores: ``conversations`` (sender -> age in days) and a case of ``case_of`` last
    updated 40 days ago; returns (settings, the case store's URL)."""
    tracker_url = f"sqlite:///{tmp_path / 'rasa.db'}"
    cases_url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(cases_url)
    _save_conversations(tracker_url, conversations)
    long_ago = datetime.now(tz=UTC) - timedelta(days=40)
    CaseRepository(create_store_engine(cases_url), clock=lambda: long_ago).open_case(
        case_of, "refund_refused", "buyer")
    return load_settings({"DB_URL": tracker_url, "CASES_DB_URL": cases_url}), cases_url


def test_an_old_case_of_an_active_conversation_stays(tmp_path):
    settings, cases_url = _stores_with_an_old_case(tmp_path, {"live": 1}, "live")
    assert purge(30, settings).cases == 0
    assert len(CaseRepository(create_store_engine(cases_url)).open_cases("live")) == 1


def test_a_dry_run_counts_and_deletes_nothing(tmp_path):
    settings, cases_url = _stores_with_an_old_case(tmp_path, {"old": 40}, "old")
    result = purge(30, settings, dry_run=True)
    assert (result.conversations, result.events, result.cases) == (1, 2, 1)
    assert _senders(settings.db_url) == {"old"}
    assert len(CaseRepository(create_store_engine(cases_url)).open_cases("old")) == 1


def test_few_days_need_force(capsys):
    from bot.purge import main

    with pytest.raises(SystemExit):
        main(["--days", "0"])
    assert "--force" in capsys.readouterr().err


def test_a_busy_database_is_retried_then_given_up():
    from sqlalchemy.exc import OperationalError

    from bot.store.retention import with_busy_retries

    calls = []

    def locked_twice():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("DELETE", {}, Exception("database is locked"))
        return "done"

    assert with_busy_retries(locked_twice, pause=lambda s: None) == "done"
    with pytest.raises(OperationalError):
        with_busy_retries(lambda: (_ for _ in ()).throw(
            OperationalError("DELETE", {}, Exception("database is locked"))),
            retries=2, pause=lambda s: None)


def test_purge_deletes_the_images_of_old_conversations_only(tmp_path):
    from bot.uploads.store import LocalUploadStore, new_upload_id

    tracker_url = f"sqlite:///{tmp_path / 'rasa.db'}"
    cases_url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(cases_url)
    _save_conversations(tracker_url, {"old": 40, "recent": 1})
    images = LocalUploadStore(tmp_path / "uploads")
    old_id, recent_id = new_upload_id(), new_upload_id()
    images.put("old", old_id, "png", b"old")
    images.put("recent", recent_id, "png", b"recent")
    settings = load_settings({"DB_URL": tracker_url, "CASES_DB_URL": cases_url,
                              "UPLOAD_DIR": str(tmp_path / "uploads")})
    assert purge(30, settings, dry_run=True).uploads == 1
    assert images.get("old", old_id) is not None
    assert purge(30, settings).uploads == 1
    assert images.get("old", old_id) is None and images.get("recent", recent_id) is not None
