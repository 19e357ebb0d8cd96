"""Reminders: when they come, kept across a restart, claimed once by one or two runners
(SQLite, PostgreSQL with SKIP LOCKED, a Redis single-runner lock), delivered per channel
(see test_reminder_delivery.py), deleted with
the user's data, and the calendar file.

PostgreSQL and Redis: reachable on 127.0.0.1 (TEST_PG_URL, TEST_REDIS_URL); unreachable,
their tests skip, and fail when CI is set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

import pytest
from icalendar import Calendar

from bot import migrate
from bot.dates import SHANGHAI
from bot.guidance import DeadlineItem
from bot.reminders.calendar import calendar_entries, calendar_file, latest_calendar
from bot.reminders.delivery import Deliverer
from bot.reminders.plan import Planned, from_limits, from_named_date, limit_time
from bot.reminders.scheduler import RedisRunnerLock, due, run_once
from bot.reminders.store import HELD, PENDING, SENT, ReminderStore
from bot.reminders.texts import load_reminder_texts
from bot.store import CaseRepository, create_store_engine
from bot.store.retention import purge_cases

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(what: str) -> None:
    if _ci():
        pytest.fail(f"{what} is needed under CI")
    pytest.skip(f"{what} unreachable")


def item(kind: str, due: dt.date | None, passed: bool = False) -> DeadlineItem:
    return DeadlineItem(
        limit_id="x", outcome="申请客服介入", kind=kind, approximate=False, amount=3,
        amount_max=None, unit="calendar_days", source="s", note=None, counts_from="e",
        counts_from_label="申请退款", due=due, due_max=None, due_time=None, covered=True,
        passed=passed, reached=False)


def planned(day: dt.date, label: str = "交材料") -> Planned:
    return Planned(dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI), day, label, "named")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate.upgrade(url)
    return url


class Recorder:
    """A channel that records what it delivered."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered: list[int] = []

    def __call__(self, reminder, now):
        with self.lock:
            self.delivered.append(reminder.id)
        return SENT, "test"


# ---- when ------------------------------------------------------------------------------


def test_a_limit_to_meet_is_reminded_the_day_before_at_nine():
    at = limit_time(item("deadline", dt.date(2026, 11, 25)), NOW)
    assert at == dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


def test_a_limit_due_tomorrow_is_reminded_on_its_day_when_the_day_before_is_past():
    at = limit_time(item("deadline", dt.date(2026, 11, 21)), NOW)
    assert at == dt.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)


def test_a_limit_that_opens_is_reminded_on_its_day_and_a_passed_one_never():
    assert limit_time(item("opens", dt.date(2026, 11, 23)), NOW) == dt.datetime(
        2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    assert limit_time(item("opens", dt.date(2026, 11, 20)), NOW) is None  # 09:00 is gone
    assert limit_time(item("deadline", dt.date(2026, 11, 1), passed=True), NOW) is None
    assert limit_time(item("deadline", None), NOW) is None


def test_the_nearest_limits_come_first_and_undated_ones_are_left_out():
    limits = [(item("opens", dt.date(2026, 12, 1)), "b"), (item("deadline", None), "u"),
              (item("opens", dt.date(2026, 11, 23)), "a")]
    assert [p.label for p in from_limits(limits, NOW)] == ["a", "b"]


def test_a_named_day_takes_the_part_of_day_named():
    at = from_named_date(dt.date(2026, 11, 21), "afternoon", "x", NOW)
    assert at is not None and at.due_at.hour == 14
    assert from_named_date(dt.date(2026, 11, 20), None, "x", NOW) is None  # 09:00 today: gone


# ---- kept, restarted, delivered once ----------------------------------------------------


def test_set_restart_reach_the_due_time_delivered_once(sqlite_url):
    first = create_store_engine(sqlite_url)
    ReminderStore(first).add("web-a", "web", [planned(dt.date(2026, 11, 25))])
    first.dispose()  # the process stops; a new one starts on the same database

    engine = create_store_engine(sqlite_url)
    channel = Recorder()
    before = dt.datetime(2026, 11, 25, 8, 59, tzinfo=SHANGHAI)
    assert run_once(engine, before, channel) == []
    at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert [r.label for r, _ in run_once(engine, at, channel)] == ["交材料"]
    assert run_once(engine, at + dt.timedelta(minutes=5), channel) == []
    assert len(channel.delivered) == 1
    stored = ReminderStore(engine).get(channel.delivered[0])
    assert stored is not None and stored.status == SENT


def test_a_cancelled_reminder_never_comes(sqlite_url):
    engine = create_store_engine(sqlite_url)
    store = ReminderStore(engine)
    store.add("web-a", "web", [planned(dt.date(2026, 11, 25))])
    assert store.cancel("web-a") == 1
    assert run_once(engine, NOW + dt.timedelta(days=30), Recorder()) == []


def test_the_same_reminder_set_twice_is_kept_once(sqlite_url):
    store = ReminderStore(create_store_engine(sqlite_url))
    store.add("web-a", "web", [planned(dt.date(2026, 11, 25))])
    assert len(store.add("web-a", "web", [planned(dt.date(2026, 11, 25))])) == 1


def test_the_widget_gets_a_held_reminder_once(sqlite_url):
    engine = create_store_engine(sqlite_url)
    store = ReminderStore(engine)
    store.add("web-a", "web", [planned(dt.date(2026, 11, 25))])
    deliver = Deliverer(load_reminder_texts(), str, lambda _c: None)
    [(_, outcome)] = run_once(engine, NOW + dt.timedelta(days=6), deliver)
    assert outcome == (HELD, "widget")
    assert [r.label for r in store.take_held("web-a")] == ["交材料"]
    assert store.take_held("web-a") == []


def _many(engine, count: int = 30) -> None:
    store = ReminderStore(engine)
    for n in range(count):
        store.add(f"web-{n}", "web", [planned(dt.date(2026, 11, 25), f"r{n}")])


def _two_runners(make_engine, lock_factory=None) -> Recorder:
    channel = Recorder()
    at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica() -> None:
        engine = make_engine()
        lock = lock_factory() if lock_factory else None
        try:
            start.wait()
            for _ in range(5):
                run_once(engine, at, channel, lock)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return channel


def test_two_runners_on_one_sqlite_deliver_each_once(sqlite_url):
    _many(create_store_engine(sqlite_url))
    channel = _two_runners(lambda: create_store_engine(sqlite_url))
    assert sorted(channel.delivered) == sorted(set(channel.delivered))
    assert len(channel.delivered) == 30


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        _unavailable(f"Redis at {REDIS_URL}")
    yield client
    client.delete("guide:reminders:test-lock")


@pytest.fixture
def pg_url():
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from tests.unit.conftest import DEFAULT_PG_URL

    login = make_url(os.environ.get("TEST_PG_URL") or DEFAULT_PG_URL)
    admin = sa.create_engine(login.set(database="postgres"), future=True,
                             isolation_level="AUTOCOMMIT")
    name = f"guide_reminders_{os.getpid()}_{threading.get_ident() % 10000}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.SQLAlchemyError:
        admin.dispose()
        _unavailable("PostgreSQL on 127.0.0.1:5432")
    url = login.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_two_replicas_on_one_postgresql_and_one_redis_deliver_each_once(pg_url, redis_client):
    _many(create_store_engine(pg_url))
    channel = _two_runners(lambda: create_store_engine(pg_url),
                           lambda: RedisRunnerLock(redis_client, "guide:reminders:test-lock"))
    assert len(channel.delivered) == 30
    assert len(set(channel.delivered)) == 30


def test_postgresql_skips_the_rows_another_runner_holds(pg_url):
    engine = create_store_engine(pg_url)
    _many(engine, 4)
    at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    from sqlalchemy import select

    from bot.store.tables import reminders

    with engine.connect() as holder, holder.begin():
        held = holder.execute(select(reminders.c.id).order_by(reminders.c.id).limit(2)
                              .with_for_update()).scalars().all()
        claimed = due(create_store_engine(pg_url), at)  # does not wait for the holder
    assert {r.id for r in claimed}.isdisjoint(held) and len(claimed) == 2


def test_two_runners_on_sqlite_with_a_redis_lock_deliver_each_once(sqlite_url, redis_client):
    _many(create_store_engine(sqlite_url))
    channel = _two_runners(lambda: create_store_engine(sqlite_url),
                           lambda: RedisRunnerLock(redis_client, "guide:reminders:test-lock"))
    assert len(channel.delivered) == 30 and len(set(channel.delivered)) == 30


def test_a_runner_without_the_redis_lock_claims_nothing(sqlite_url, redis_client):
    engine = create_store_engine(sqlite_url)
    _many(engine, 2)
    redis_client.set("guide:reminders:test-lock", "another-runner", ex=30)
    lock = RedisRunnerLock(redis_client, "guide:reminders:test-lock")
    assert due(engine, NOW + dt.timedelta(days=30), lock) == []


# ---- the user's data -----------------------------------------------------------------------


def test_delete_my_data_deletes_the_reminders(sqlite_url):
    engine = create_store_engine(sqlite_url)
    store = ReminderStore(engine)
    store.add("web-a", "web", [planned(dt.date(2026, 11, 25))])
    store.add("web-b", "web", [planned(dt.date(2026, 11, 25))])
    CaseRepository(engine).delete_conversation("web-a")
    assert store.pending("web-a") == [] and len(store.pending("web-b")) == 1


def test_purge_deletes_the_reminders_of_old_conversations(sqlite_url):
    engine = create_store_engine(sqlite_url)
    ReminderStore(engine, clock=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).add(
        "web-old", "web", [planned(dt.date(2026, 11, 25))])
    ReminderStore(engine).add("web-live", "web", [planned(dt.date(2026, 11, 25))])
    ReminderStore(engine, clock=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).add(
        "web-active", "web", [planned(dt.date(2026, 11, 25))])
    purge_cases(engine, dt.datetime(2026, 6, 1, tzinfo=dt.UTC), keep=["web-active"])
    store = ReminderStore(engine)
    assert store.pending("web-old") == []
    assert store.pending("web-live") and store.pending("web-active")
    assert all(r.status == PENDING for r in store.pending("web-live"))


# ---- the calendar file -------------------------------------------------------------------


def test_the_calendar_file_opens_and_carries_the_dates_the_chat_showed():
    lines = [(dt.date(2026, 11, 27), "到维权中心发起维权：11月27日（周五）起可以"),
             (dt.date(2026, 11, 21), "申请客服介入：约11月21日（周六）起可以")]
    entries = calendar_entries(lines)

    class Bot:
        type_name = "bot"
        data = {"custom": {"calendar": entries}}

    shown = latest_calendar([Bot()])
    texts = load_reminder_texts().calendar
    body = calendar_file(shown, "web-a", texts, NOW)
    cal = Calendar.from_ical(body)
    events = cal.walk("VEVENT")
    assert [(e.decoded("dtstart"), str(e["summary"])) for e in events] == sorted(lines)
    for event in events:
        assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(days=1)
        [alarm] = event.walk("VALARM")
        trigger = alarm.decoded("trigger")
        start = dt.datetime.combine(event.decoded("dtstart"), dt.time())
        assert start + trigger == start - dt.timedelta(days=1) + dt.timedelta(hours=9)


# ---- the day a user names -----------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("11月25号提醒我交材料", "2026-11-25"), ("25号提醒我", "2026-11-25"),
    ("5号提醒我", "2026-12-05"), ("明天下午提醒我", "2026-11-21"), ("3天后提醒我", "2026-11-23"),
    ("下周一提醒我", "2026-11-23"), ("周一提醒我", "2026-11-23"), ("1月5号提醒", "2027-01-05"),
    ("十二月一號提醒我", "2026-12-01"), ("2027年1月5日", "2027-01-05"),
])
def test_a_named_day_is_read_ahead_of_the_message(text, expected):
    from bot.dates import resolve_coming_date

    found = resolve_coming_date(text, NOW)
    assert found.status == "ok" and found.value.isoformat() == expected


@pytest.mark.parametrize("text, status", [("3天前提醒我", "past"), ("11月18号提醒我", "past"),
                                          ("去年5月1号", "past"), ("到时候提醒我", "unparseable")])
def test_a_day_gone_or_none_is_not_a_reminder_day(text, status):
    from bot.dates import resolve_coming_date

    assert resolve_coming_date(text, NOW).status == status


# ---- the runner process --------------------------------------------------------------------


def test_the_runner_process_delivers_what_fell_due_while_it_was_down(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from bot.settings import REPO_ROOT
    from bot.store.tables import utcnow

    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate.upgrade(url)
    store = ReminderStore(create_store_engine(url))
    past = utcnow() - dt.timedelta(minutes=5)  # due while no runner was running
    store.add("web-a", "web", [Planned(past, past.date(), "交材料", "named")])
    env = {**os.environ, "CASES_DB_URL": url, "DB_URL": f"sqlite:///{tmp_path / 'rasa.db'}",
           "REMINDER_POLL_SECONDS": "1", "REDIS_URL": ""}
    runner = subprocess.Popen([sys.executable, "-m", "bot.reminders"], cwd=REPO_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and store.pending("web-a"):
            time.sleep(0.2)
    finally:
        runner.send_signal(signal.SIGTERM)
        output = runner.communicate(timeout=20)[0]
    assert runner.returncode == 0, output
    assert store.pending("web-a") == []
    assert [r.label for r in store.take_held("web-a")] == ["交材料"]
    assert "交材料" not in output  # no user content in the logs


def test_two_runner_processes_on_one_postgresql_and_one_redis_post_each_reminder_once(
        pg_url, redis_client):
    import subprocess
    import sys
    import time
    from collections import Counter
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bot.settings import REPO_ROOT
    from bot.store.tables import utcnow

    posted: Counter[int] = Counter()

    class Callback(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            posted[body["reminder"]["id"]] += 1
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = ReminderStore(create_store_engine(pg_url))
    past = utcnow() - dt.timedelta(minutes=1)
    for n in range(40):
        store.add(f"rest-app{n}", "rest", [Planned(past, past.date(), f"r{n}", "named")])
    env = {**os.environ, "CASES_DB_URL": pg_url, "DB_URL": pg_url, "REDIS_URL": REDIS_URL,
           "REMINDER_POLL_SECONDS": "1",
           "REST_CALLBACK_URL": f"http://127.0.0.1:{server.server_address[1]}/reminders"}
    runners = [subprocess.Popen([sys.executable, "-m", "bot.reminders"], cwd=REPO_ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(posted.values()) < 40:
            time.sleep(0.2)
        time.sleep(2.5)  # two more rounds of both runners: nothing is sent again
    finally:
        for runner in runners:
            runner.terminate()
        for runner in runners:
            runner.wait(timeout=20)
        server.shutdown()
    assert len(posted) == 40 and set(posted.values()) == {1}, posted


@pytest.mark.parametrize(("key", "bad"), [("asks", []), ("asks", ["提醒", ""]),
                                          ("purpose_end", 3), ("message", "{nope}")])
def test_reminder_texts_are_validated_naming_file_and_entry(tmp_path, key, bad):
    import yaml

    from bot.datafiles import DataFileError
    from bot.reminders.texts import TEXTS, load_reminder_texts

    data = yaml.safe_load(TEXTS.read_text(encoding="utf-8"))
    data[key] = bad
    broken = tmp_path / "reminders.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_reminder_texts(broken)
    assert "reminders.yml" in str(raised.value) and key in str(raised.value)
    assert load_reminder_texts().asked_in("到时候提醒我一下")
