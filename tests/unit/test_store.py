"""Case store on SQLite (always) and PostgreSQL (when reachable): migrations, repository,
concurrency.

PostgreSQL: ``TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) is only
used to log in; a fresh database ``complaint_guide_test_<random>`` is created for the run and
dropped at the end. Each test migrates it up and back down to ``base``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from bot import migrate
from bot.settings import REPO_ROOT, load_settings
from bot.store import engine as store_engine
from bot.store.engine import create_store_engine, default_case_db_url
from bot.store.repository import (
    CaseNotFoundError,
    CaseRepository,
    StaleCaseError,
)
from bot.store.tables import CLOSED, TABLE_NAMES, Case, metadata

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


# ---- backends ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty (unmigrated) database URL; downgraded to ``base`` afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'cases.db'}"
        return
    url = request.getfixturevalue("pg_database_url")
    try:
        yield url
    finally:
        migrate.downgrade(url, "base")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    migrate.upgrade(db_url)
    eng = create_store_engine(db_url)
    yield eng
    eng.dispose()


class Clock:
    """A settable clock for the repository."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(engine: Engine, clock: Clock) -> CaseRepository:
    return CaseRepository(engine, clock=clock)


def table_names(url: str) -> set[str]:
    eng = create_store_engine(url)
    try:
        return set(sa.inspect(eng).get_table_names())
    finally:
        eng.dispose()


def count(engine: Engine, table: str, **where: object) -> int:
    query = f"SELECT COUNT(*) FROM {table}"  # fixed table/column names
    if where:
        query += " WHERE " + " AND ".join(f"{k} = :{k}" for k in where)
    with engine.connect() as conn:
        return conn.execute(sa.text(query), where).scalar_one()


# ---- settings and migrations ---------------------------------------------------------------


def test_default_case_db_url() -> None:
    sqlite_default = f"sqlite:///{REPO_ROOT / 'var' / 'cases.db'}"
    assert default_case_db_url(load_settings({})) == sqlite_default
    assert default_case_db_url(load_settings({"DB_URL": "sqlite:////tmp/rasa.db"})) == (
        sqlite_default
    )
    pg = "postgresql://guide:s%40cret@db:5432/guide"
    assert default_case_db_url(load_settings({"DB_URL": pg})) == pg
    assert default_case_db_url(load_settings({"DB_URL": "postgresql+psycopg2://u@h/d"})) == (
        "postgresql+psycopg2://u@h/d"
    )
    assert default_case_db_url(load_settings({"DB_URL": "postgres://u@h/d"})) == (
        "postgresql://u@h/d"
    )


def test_sqlite_engine_creates_directory_and_enables_foreign_keys(tmp_path: Path) -> None:
    eng = create_store_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'cases.db'}")
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert (tmp_path / "a" / "b").is_dir()
    finally:
        eng.dispose()


def test_migrations_create_and_drop_tables(db_url: str) -> None:
    assert not set(TABLE_NAMES) & table_names(db_url)
    migrate.upgrade(db_url)
    assert set(TABLE_NAMES) <= table_names(db_url)
    assert migrate.is_up_to_date(db_url)
    migrate.upgrade(db_url)  # idempotent
    migrate.downgrade(db_url, "base")
    assert not set(TABLE_NAMES) & table_names(db_url)
    assert not migrate.is_up_to_date(db_url)


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        opts = {"compare_type": True, "version_table": migrate.VERSION_TABLE}
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, metadata) == []


def test_migrate_works_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert migrate.main([url]) == 0
    assert set(TABLE_NAMES) <= table_names(url)
    assert migrate.main([url, "--downgrade", "base"]) == 0
    assert not set(TABLE_NAMES) & table_names(url)


def test_migrate_defaults_to_the_configured_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "var" / "cases.db"
    monkeypatch.setattr(store_engine, "DEFAULT_SQLITE_PATH", target)
    monkeypatch.delenv("DB_URL", raising=False)
    migrate.upgrade()
    assert set(TABLE_NAMES) <= table_names(f"sqlite:///{target}")


# ---- repository ----------------------------------------------------------------------------


def test_open_case_reuses_the_open_case_of_that_type(repo: CaseRepository) -> None:
    first = repo.open_case("c1", "not_received", "buyer")
    assert (first.conversation_id, first.case_type, first.role) == ("c1", "not_received", "buyer")
    assert (first.status, first.ladder_rung, first.version, first.key_dates) == ("open", 0, 1, {})
    assert repo.open_case("c1", "not_received", "buyer").id == first.id
    other_type = repo.open_case("c1", "counterfeit", "buyer")
    other_conversation = repo.open_case("c2", "not_received", "buyer")
    assert len({first.id, other_type.id, other_conversation.id}) == 3
    assert [c.id for c in repo.open_cases("c1")] == [first.id, other_type.id]
    repo.update_case(first.id, status=CLOSED)
    assert repo.get_case(first.id).status == "closed"
    reopened = repo.open_case("c1", "not_received", "buyer")
    assert reopened.id != first.id
    assert [c.id for c in repo.open_cases("c1")] == [other_type.id, reopened.id]


def test_open_case_fills_in_a_missing_role(repo: CaseRepository) -> None:
    case = repo.open_case("c1", "ruling_unfair")
    assert case.role is None
    assert repo.open_case("c1", "ruling_unfair", "seller").role == "seller"
    assert repo.open_case("c1", "ruling_unfair", "buyer").role == "seller"  # not overwritten
    with pytest.raises(ValueError):
        repo.open_case("c1", "ruling_unfair", "customer")


def test_latest_open_case(repo: CaseRepository, clock: Clock) -> None:
    assert repo.latest_open_case("c1") is None
    a = repo.open_case("c1", "not_shipped", "buyer")
    clock.now = T0 + timedelta(minutes=1)
    b = repo.open_case("c1", "counterfeit", "buyer")
    assert repo.latest_open_case("c1").id == b.id
    clock.now = T0 + timedelta(minutes=2)
    repo.update_case(a.id, amount="99元")
    assert repo.latest_open_case("c1").id == a.id
    assert repo.latest_open_case("c1", "counterfeit").id == b.id
    assert repo.latest_open_case("c1", "lawsuit") is None
    repo.update_case(a.id, status=CLOSED)
    assert repo.latest_open_case("c1").id == b.id


def test_updates_are_audited(repo: CaseRepository, clock: Clock) -> None:
    case = repo.open_case("c1", "refund_refused", "buyer")
    clock.now = T0 + timedelta(hours=1)
    updated = repo.update_case(case.id, order_number="3512345678901234567", amount="299元",
                               ladder_rung=1.0)
    assert (updated.order_number, updated.amount, updated.ladder_rung) == (
        "3512345678901234567", "299元", 1)
    assert updated.version == 2
    assert updated.updated_at == T0 + timedelta(hours=1) and updated.created_at == T0
    unchanged = repo.update_case(case.id, amount="299元", ladder_rung=1)  # nothing changes
    assert unchanged.version == 2
    repo.update_case(case.id, amount="300元")
    log = repo.audit_log(case.id)
    assert [(e.field, e.old_value, e.new_value) for e in log] == [
        ("order_number", None, "3512345678901234567"),
        ("amount", None, "299元"),
        ("ladder_rung", "0", "1"),
        ("amount", "299元", "300元"),
    ]
    assert all(e.conversation_id == "c1" and e.case_id == case.id for e in log)
    assert log[0].changed_at == T0 + timedelta(hours=1)


def test_update_case_rejects_bad_input(repo: CaseRepository) -> None:
    case = repo.open_case("c1", "refund_refused", "buyer")
    with pytest.raises(ValueError):
        repo.update_case(case.id, case_type="lawsuit")
    with pytest.raises(ValueError):
        repo.update_case(case.id, key_dates={"x": "2026-01-01"})
    with pytest.raises(ValueError):
        repo.update_case(case.id, status="pending")
    with pytest.raises(ValueError):
        repo.update_case(case.id, ladder_rung=-1)
    with pytest.raises(CaseNotFoundError):
        repo.update_case(case.id + 1000, amount="1元")
    assert repo.get_case(case.id).version == 1
    assert repo.audit_log(case.id) == []


def test_expected_version_detects_a_stale_read(repo: CaseRepository) -> None:
    case = repo.open_case("c1", "refund_refused", "buyer")
    repo.update_case(case.id, expected_version=1, amount="10元")
    with pytest.raises(StaleCaseError):
        repo.update_case(case.id, expected_version=1, amount="20元")
    assert repo.get_case(case.id).amount == "10元"


def test_set_fact_merges_key_dates(repo: CaseRepository) -> None:
    case = repo.open_case("c1", "not_received", "buyer")
    repo.set_fact(case.id, "paid", date(2026, 2, 1))
    repo.set_fact(case.id, "shipped", "2026-02-03")
    assert repo.get_case(case.id).key_dates == {"paid": "2026-02-01", "shipped": "2026-02-03"}
    repo.set_fact(case.id, "shipped", "2026-02-04")
    repo.set_fact(case.id, "paid", None)
    assert repo.get_case(case.id).key_dates == {"shipped": "2026-02-04"}
    with pytest.raises(ValueError):
        repo.set_fact(case.id, "shipped", "上周三")
    with pytest.raises(ValueError):
        repo.set_fact(case.id, "", "2026-02-04")
    assert [(e.field, e.old_value, e.new_value) for e in repo.audit_log(case.id)] == [
        ("key_dates.paid", None, "2026-02-01"),
        ("key_dates.shipped", None, "2026-02-03"),
        ("key_dates.shipped", "2026-02-03", "2026-02-04"),
        ("key_dates.paid", "2026-02-01", None),
    ]


def test_records_are_plain_snapshots_with_utc_times(repo: CaseRepository) -> None:
    case = repo.open_case("c1", "not_received", "buyer")
    assert isinstance(case, Case)
    with pytest.raises(FrozenInstanceError):
        case.amount = "1元"  # type: ignore[misc]
    draft = repo.add_draft(case.id, "firm", "platform", "您好，订单号……")
    for stamp in (case.created_at, case.updated_at, draft.created_at):
        assert stamp == T0 and stamp.utcoffset() == timedelta(0)
    real = CaseRepository(repo.engine)  # the real clock
    stamp = real.update_case(case.id, amount="5元").updated_at
    assert stamp.tzinfo is not None
    assert abs(stamp - datetime.now(tz=UTC)) < timedelta(minutes=1)


def test_drafts_cascade_on_delete(repo: CaseRepository, engine: Engine) -> None:
    case = repo.open_case("c1", "not_as_described", "buyer")
    d1 = repo.add_draft(case.id, "polite", "seller", "亲，收到的商品与描述不符……")
    d2 = repo.add_draft(case.id, "firm", "platform", "申请平台介入……")
    assert [d.id for d in repo.drafts(case.id)] == [d1.id, d2.id]
    assert (d1.tone, d1.addressee, d1.text) == ("polite", "seller", "亲，收到的商品与描述不符……")
    repo.update_case(case.id, amount="88元")
    with pytest.raises(CaseNotFoundError):
        repo.add_draft(case.id + 1000, "polite", "seller", "x")
    # Deleting the case row directly: the foreign keys cascade (SQLite included).
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM cases WHERE id = :id"), {"id": case.id})
    assert repo.drafts(case.id) == []
    assert repo.audit_log(case.id) == []
    assert count(engine, "drafts") == count(engine, "case_audit") == 0


def test_delete_conversation_keeps_other_conversations(
    repo: CaseRepository, engine: Engine
) -> None:
    mine = [repo.open_case("gone", t, "buyer") for t in ("not_received", "counterfeit")]
    theirs = repo.open_case("kept", "not_received", "buyer")
    for case in [*mine, theirs]:
        repo.add_draft(case.id, "polite", "seller", f"draft {case.id}")
        repo.update_case(case.id, order_number=f"1000{case.id}")
        repo.set_fact(case.id, "paid", "2026-02-01")
    repo.update_case(mine[0].id, status=CLOSED)
    assert repo.delete_conversation("gone") == 2
    for table in ("cases", "case_audit"):
        assert count(engine, table, conversation_id="gone") == 0
    assert all(repo.get_case(c.id) is None and repo.drafts(c.id) == [] for c in mine)
    assert repo.open_cases("gone") == []
    kept = repo.get_case(theirs.id)
    assert kept.order_number == f"1000{theirs.id}" and kept.key_dates == {"paid": "2026-02-01"}
    assert len(repo.drafts(theirs.id)) == 1 and len(repo.audit_log(theirs.id)) == 2
    assert count(engine, "drafts") == 1
    assert repo.delete_conversation("gone") == 0


def test_purge_older_than(repo: CaseRepository, clock: Clock, engine: Engine) -> None:
    old = repo.open_case("c1", "not_received", "buyer")
    repo.add_draft(old.id, "polite", "seller", "old draft")
    repo.set_fact(old.id, "paid", "2026-02-01")
    clock.now = T0 + timedelta(days=20)
    recent = repo.open_case("c2", "not_received", "buyer")
    repo.add_draft(recent.id, "polite", "seller", "recent draft")
    revived = repo.open_case("c3", "counterfeit", "buyer")  # created old, updated recently
    revived = repo.update_case(revived.id, amount="1元")
    now = T0 + timedelta(days=25)
    assert repo.purge_older_than(30, now=now) == 0
    assert repo.purge_older_than(10, now=now) == 1
    assert repo.get_case(old.id) is None
    assert repo.drafts(old.id) == [] and repo.audit_log(old.id) == []
    assert {c.id for c in (repo.get_case(recent.id), repo.get_case(revived.id))} == {
        recent.id, revived.id}
    assert count(engine, "drafts") == 1
    clock.now = T0 + timedelta(days=100)
    assert repo.purge_older_than(10) == 2  # default now: the repository clock
    assert count(engine, "cases") == count(engine, "drafts") == count(engine, "case_audit") == 0
    with pytest.raises(ValueError):
        repo.purge_older_than(-1)


# ---- concurrency ---------------------------------------------------------------------------

THREADS = 8
UPDATES = 25


def run_in_threads(work: Callable[[int], object], threads: int = THREADS) -> list[object]:
    """Run ``work(i)`` on ``threads`` threads started together; re-raise the first error."""
    barrier = threading.Barrier(threads)

    def start(i: int) -> object:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(start, i) for i in range(threads)]
        return [f.result(timeout=300) for f in futures]


def test_parallel_writers_lose_no_change(engine: Engine) -> None:
    repo = CaseRepository(engine)
    case = repo.open_case("busy", "refund_refused", "buyer")

    def writer(i: int) -> None:
        for n in range(UPDATES):
            repo.modify_case(case.id, lambda c: {"ladder_rung": c.ladder_rung + 1})
            if n == UPDATES // 2:
                repo.set_fact(case.id, f"event_{i}", date(2026, 1, i + 1))

    run_in_threads(writer)
    final = repo.get_case(case.id)
    assert final.ladder_rung == THREADS * UPDATES == 200
    assert final.key_dates == {f"event_{i}": f"2026-01-0{i + 1}" for i in range(THREADS)}
    assert final.version == 1 + THREADS * UPDATES + THREADS
    log = repo.audit_log(case.id)
    rungs = [(int(e.old_value), int(e.new_value)) for e in log if e.field == "ladder_rung"]
    assert rungs == [(n, n + 1) for n in range(THREADS * UPDATES)]
    assert sum(e.field.startswith("key_dates.") for e in log) == THREADS


def test_parallel_open_case_creates_one_case(engine: Engine) -> None:
    repo = CaseRepository(engine)
    ids = run_in_threads(lambda _i: repo.open_case("race", "counterfeit", "buyer").id)
    assert len(set(ids)) == 1
    assert len(repo.open_cases("race")) == 1


def test_snapshots_are_saved_replaced_and_deleted_with_the_conversation(
    engine: Engine, repo: CaseRepository, clock: Clock
) -> None:
    from bot.store import SnapshotStore
    from bot.understanding.snapshot import Snapshot

    store = SnapshotStore(engine, clock)
    assert store.load("web-a") is None
    store.save("web-a", Snapshot(1, "d1", "{}"))
    store.save("web-a", Snapshot(2, "d2", '{"x": 1}'))
    store.save("web-b", Snapshot(1, "e1", "{}"))
    assert store.load("web-a") == Snapshot(2, "d2", '{"x": 1}')
    repo.delete_conversation("web-a")
    assert store.load("web-a") is None and store.load("web-b") is not None
    clock.now += timedelta(days=40)
    repo.purge_older_than(30)
    assert store.load("web-b") is None
