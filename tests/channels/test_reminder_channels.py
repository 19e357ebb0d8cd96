"""Reminders on the channels: held for the user's next message on WeChat (past 48 hours,
no template) and REST (no callback), shown first and once; the widget's poll and calendar
file served only to the session's own conversation; the console's calendar behind its
token."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rasa.shared.core.events import BotUttered
from sanic import Sanic

from bot import migrate
from bot.channels.console import AgentConsoleInput
from bot.channels.reminders import ReminderDesk
from bot.channels.rest import SafeRestInput
from bot.channels.web import WebChatInput
from bot.dates import SHANGHAI
from bot.reminders.delivery import Deliverer
from bot.reminders.plan import Planned
from bot.reminders.scheduler import run_once
from bot.reminders.store import ReminderStore
from bot.reminders.texts import load_reminder_texts
from bot.store import create_store_engine
from tests.channels import sanic_server
from tests.channels.test_rest_channel import EchoAgent
from tests.channels.test_web_channel import StubAgent, new_sender, session_id, web_headers
from tests.channels.test_wechat_channel import (
    CONVERSATION,
    StubBot,
    make_channel,
    post,
    reply_fields,
    text_xml,
)
from tests.channels.test_wechat_channel import serve as serve_wechat

DAY = dt.date(2026, 11, 25)
DUE = dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
LABEL = "申请客服介入：约11月25日（周三）起可以"
LIMITS = [{"date": "2026-11-25", "title": LABEL}]


@pytest.fixture(autouse=True, scope="module")
def sanic_test_mode() -> Iterator[None]:
    previous = Sanic.test_mode
    Sanic.test_mode = True
    yield
    Sanic.test_mode = previous


@pytest.fixture
def store(tmp_path: Path) -> ReminderStore:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate.upgrade(url)
    return ReminderStore(create_store_engine(url))


def held_for(store: ReminderStore, conversation: str, channel: str) -> None:
    """A reminder set on ``channel`` that fell due and that the runner held."""
    store.add(conversation, channel, [Planned(DUE, DAY, LABEL, "opens")])
    run_once(store.engine, DUE, Deliverer(load_reminder_texts(), str, lambda _c: None))


def test_wechat_shows_a_held_reminder_before_the_answer_once(store) -> None:
    held_for(store, CONVERSATION, "wechat")
    channel = make_channel(reminders=ReminderDesk(store))
    with serve_wechat(channel, StubBot()) as base:
        first = reply_fields(post(base, text_xml("在吗", msg_id=1)).text)["Content"]
        second = reply_fields(post(base, text_xml("还在吗", msg_id=2)).text)["Content"]
    assert first.startswith("【提醒】") and LABEL in first
    assert first.index(LABEL) < first.index("收到：在吗")
    assert second == "收到：还在吗"


def test_rest_shows_a_held_reminder_first_once(store) -> None:
    held_for(store, "rest-app-user", "rest")
    with sanic_server.serve([SafeRestInput(reminders=ReminderDesk(store))],
                            EchoAgent()) as base:
        url = f"{base}/webhooks/rest/webhook"
        first = requests.post(url, json={"sender": "app-user", "message": "hi"}, timeout=10)
        second = requests.post(url, json={"sender": "app-user", "message": "hi"}, timeout=10)
    texts = [m["text"] for m in first.json()]
    assert LABEL in texts[0] and texts[1] == "echo:hi"
    assert [m["text"] for m in second.json()] == ["echo:hi"]


def _limits_shown(agent: StubAgent, conversation: str) -> None:
    async def add() -> None:
        tracker = await agent.tracker_store.retrieve(conversation)
        if tracker is None:
            tracker = agent.tracker_store.init_tracker(conversation)
        tracker.update(BotUttered("期限：…", data={"custom": {"calendar": LIMITS}}))
        await agent.tracker_store.save(tracker)
    asyncio.run(add())


def test_the_widget_gets_its_own_reminders_and_calendar_only(store) -> None:
    agent = StubAgent()
    web = WebChatInput(erase_cases=lambda _c: 0, reminders=ReminderDesk(store))
    mine, theirs = new_sender(), new_sender()
    conversation = web.conversation_id(session_id(mine))
    held_for(store, conversation, "web")
    _limits_shown(agent, conversation)
    with sanic_server.serve([web], agent) as base:
        url = f"{base}/webhooks/web"
        other = requests.get(f"{url}/reminders", headers=web_headers(theirs), timeout=10)
        assert other.json()["reminders"] == []
        assert requests.get(f"{url}/calendar.ics", headers=web_headers(theirs),
                            timeout=10).status_code == 404
        assert requests.get(f"{url}/calendar.ics", timeout=10).status_code == 401
        polled = requests.get(f"{url}/reminders", headers=web_headers(mine), timeout=10)
        again = requests.get(f"{url}/reminders", headers=web_headers(mine), timeout=10)
        ics = requests.get(f"{url}/calendar.ics", headers=web_headers(mine), timeout=10)
    [reminder] = polled.json()["reminders"]
    assert LABEL in reminder["text"] and reminder["date"] == "2026-11-25"
    assert polled.json()["labels"] == dict(load_reminder_texts().widget)
    assert again.json()["reminders"] == []
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert b"DTSTART;VALUE=DATE:20261125" in ics.content


def test_the_console_serves_the_calendar_behind_its_token(store) -> None:
    agent = StubAgent()
    _limits_shown(agent, "web-abc")
    console = AgentConsoleInput(token="console-test-token", reminders=ReminderDesk(store))
    with sanic_server.serve([console], agent) as base:
        url = f"{base}/webhooks/console/conversation/web-abc/calendar.ics"
        refused = requests.get(url, timeout=10)
        served = requests.get(url, headers={"Authorization": "Bearer console-test-token"},
                              timeout=10)
    assert refused.status_code == 401
    assert served.status_code == 200 and b"BEGIN:VALARM" in served.content


@pytest.mark.parametrize("hours_since, path", [(47, "/cgi-bin/message/custom/send"),
                                               (49, "/cgi-bin/message/template/send")])
def test_the_wechat_api_gets_a_message_within_48_hours_else_the_template(
        store, hours_since, path) -> None:
    from bot.channels.wechat_client import AccountClient
    from tests.channels.fake_wechat import FakeWeChat
    from tests.channels.test_wechat_channel import APP_ID, APP_SECRET, OPENID

    store.add(CONVERSATION, "wechat", [Planned(DUE, DAY, LABEL, "opens")])
    with FakeWeChat(app_id=APP_ID, app_secret=APP_SECRET) as fake:
        client = AccountClient(APP_ID, APP_SECRET, fake.url)
        deliver = Deliverer(load_reminder_texts(), str,
                            lambda _c: DUE - dt.timedelta(hours=hours_since), client, "TPL-1")
        run_once(store.engine, DUE, deliver)
        sent = [c for c in fake.calls if c.path.startswith("/cgi-bin/message/")]
    assert [c.path for c in sent] == [path]
    assert sent[0].body["touser"] == OPENID
    assert LABEL in json.dumps(sent[0].body, ensure_ascii=False)
