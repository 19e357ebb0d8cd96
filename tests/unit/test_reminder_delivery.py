"""Reminders delivered per channel: WeChat's 48-hour window and its fallbacks (a template
message, the next message), a failed send held, the REST callback signed, the route a reply
may promise, and when a WeChat user last wrote (the tracker store)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import migrate
from bot.dates import SHANGHAI
from bot.reminders.delivery import Deliverer, promised_route, signature
from bot.reminders.runner import last_user_message
from bot.reminders.scheduler import run_once
from bot.reminders.store import HELD, SENT, ReminderStore
from bot.reminders.texts import load_reminder_texts
from bot.store import create_store_engine
from tests.unit.test_reminders import NOW, planned


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate.upgrade(url)
    return url


class FakeWeChat:
    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.templates: list[tuple[str, str, dict]] = []

    def send_text(self, openid: str, content: str) -> None:
        self.texts.append((openid, content))

    def send_template(self, openid: str, template_id: str, data: dict) -> None:
        self.templates.append((openid, template_id, data))


OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


def _wechat_reminder(sqlite_url):
    engine = create_store_engine(sqlite_url)
    ReminderStore(engine).add(f"wx-{OPENID}", "wechat", [planned(dt.date(2026, 11, 25))])
    return engine, dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("template_id, via", [(None, "next_message"),
                                              ("TPL-1", "wechat_template")])
def test_wechat_past_48_hours_makes_no_customer_service_call(sqlite_url, template_id, via):
    engine, at = _wechat_reminder(sqlite_url)
    wechat = FakeWeChat()
    deliver = Deliverer(load_reminder_texts(), str,
                        lambda _c: at - dt.timedelta(hours=49), wechat, template_id)
    [(_, outcome)] = run_once(engine, at, deliver)
    assert wechat.texts == []
    assert outcome[1] == via
    assert len(wechat.templates) == (1 if template_id else 0)
    if template_id is None:  # shown at the user's next message, once
        assert len(ReminderStore(engine).take_held(f"wx-{OPENID}")) == 1


def test_wechat_within_48_hours_sends_a_customer_service_message(sqlite_url):
    engine, at = _wechat_reminder(sqlite_url)
    wechat = FakeWeChat()
    deliver = Deliverer(load_reminder_texts(), lambda d: d.isoformat(),
                        lambda _c: at - dt.timedelta(hours=47), wechat, "TPL-1")
    [(_, outcome)] = run_once(engine, at, deliver)
    assert outcome == (SENT, "wechat_cs")
    assert wechat.templates == [] and wechat.texts[0][0] == OPENID
    assert "交材料" in wechat.texts[0][1]


def test_a_failed_send_is_held_not_lost(sqlite_url):
    engine, at = _wechat_reminder(sqlite_url)

    class Down(FakeWeChat):
        def send_text(self, openid, content):
            raise ConnectionError("api down")

    deliver = Deliverer(load_reminder_texts(), str, lambda _c: at, Down())
    [(_, outcome)] = run_once(engine, at, deliver)
    assert outcome == (HELD, "next_message")


def test_rest_posts_to_the_callback_signed(sqlite_url):
    engine = create_store_engine(sqlite_url)
    ReminderStore(engine).add("rest-app1", "rest", [planned(dt.date(2026, 11, 25))])
    posted: list[bytes] = []
    deliver = Deliverer(load_reminder_texts(), str, lambda _c: None, post_callback=posted.append)
    [(_, outcome)] = run_once(engine, NOW + dt.timedelta(days=6), deliver)
    assert outcome == (SENT, "callback")
    body = json.loads(posted[0])
    assert body["recipient_id"] == "rest-app1" and body["reminder"]["date"] == "2026-11-25"
    assert len(signature("secret", posted[0])) == 64


def test_the_promised_route_never_overpromises():
    later = NOW + dt.timedelta(days=5)
    soon = NOW + dt.timedelta(hours=20)
    assert promised_route("wechat", soon, NOW, wechat_template=False,
                          rest_callback=False) == "wechat_cs"
    assert promised_route("wechat", later, NOW, wechat_template=False,
                          rest_callback=False) == "wechat_next_message"
    assert promised_route("wechat", later, NOW, wechat_template=True,
                          rest_callback=False) == "wechat_template"
    assert promised_route("rest", later, NOW, wechat_template=True,
                          rest_callback=False) == "next_message"
    assert promised_route("rest", later, NOW, wechat_template=False,
                          rest_callback=True) == "callback"
    assert promised_route("web", later, NOW, wechat_template=False,
                          rest_callback=False) == "widget"


def test_last_user_message_reads_the_tracker_store(tmp_path):
    import sqlalchemy as sa

    engine = create_store_engine(f"sqlite:///{tmp_path / 'rasa.db'}")
    events = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("sender_id", sa.String), sa.Column("type_name", sa.String),
                      sa.Column("timestamp", sa.Float))
    events.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(events.insert(), [
            {"sender_id": "wx-a", "type_name": "user", "timestamp": 100.0},
            {"sender_id": "wx-a", "type_name": "bot", "timestamp": 900.0},
            {"sender_id": "wx-b", "type_name": "user", "timestamp": 500.0}])
    lookup = last_user_message(engine)
    assert lookup("wx-a") == dt.datetime.fromtimestamp(100.0, tz=dt.UTC)
    assert lookup("wx-c") is None


