"""Reminders in the widget (Chromium via Playwright, the stub agent, a migrated SQLite
reminder store): the tools under dated limits, the calendar download, a due reminder shown
once with a browser notification. Screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from rasa.shared.core.events import BotUttered

from bot import migrate
from bot.channels.reminders import ReminderDesk
from bot.channels.web import WebChatInput
from bot.dates import SHANGHAI
from bot.reminders.delivery import Deliverer
from bot.reminders.plan import Planned
from bot.reminders.scheduler import run_once
from bot.reminders.store import ReminderStore
from bot.reminders.texts import load_reminder_texts
from bot.store import create_store_engine
from tests.browser.test_widget_browser import BOT, SESSION_KEY, expect, open_chat
from tests.channels.sanic_server import serve
from tests.channels.test_web_channel import StubAgent

pytestmark = pytest.mark.browser

LIMITS = [{"date": "2026-11-21", "title": "申请客服介入：约11月21日（周六）起可以"},
          {"date": "2026-11-27", "title": "到维权中心发起维权：11月27日（周五）起可以"}]
# Notifications are recorded, not shown (headless Chromium has no notification centre).
FAKE_NOTIFICATION = """
  window.__notes = [];
  window.Notification = function (title, options) {
    window.__notes.push([title, options && options.body]);
  };
  window.Notification.permission = 'granted';
  window.Notification.requestPermission = function () { return Promise.resolve('granted'); };
"""


@pytest.fixture(scope="module")
def reminder_store(tmp_path_factory: pytest.TempPathFactory) -> ReminderStore:
    url = f"sqlite:///{tmp_path_factory.mktemp('reminders') / 'cases.db'}"
    migrate.upgrade(url)
    return ReminderStore(create_store_engine(url))


@pytest.fixture(scope="module")
def web(reminder_store: ReminderStore) -> WebChatInput:
    return WebChatInput(erase_cases=lambda _conversation_id: 0,
                        reminders=ReminderDesk(reminder_store))


@pytest.fixture(scope="module")
def server(stub_agent: StubAgent, web: WebChatInput) -> Iterator[str]:
    with serve([web], stub_agent) as url:
        yield url


def _conversation(page: Any, web: WebChatInput) -> str:
    return web.conversation_id(web.keys.read(page.evaluate(
        f"sessionStorage.getItem('{SESSION_KEY}')")))


def _limits_shown(stub_agent: StubAgent, conversation_id: str) -> None:
    """The assistant showed dated limits (the message the action sends, with its mark)."""
    async def add() -> None:
        tracker = await stub_agent.tracker_store.retrieve(conversation_id)
        tracker.update(BotUttered("按你申请退款的日期计算：…",
                                  data={"custom": {"calendar": LIMITS}}))
        await stub_agent.tracker_store.save(tracker)
    with ThreadPoolExecutor(1) as pool:  # Playwright's own loop runs in this thread
        pool.submit(asyncio.run, add()).result()


def test_limits_offer_a_reminder_and_a_calendar_and_a_due_reminder_comes_once(
        page: Any, server: str, web: WebChatInput, stub_agent: StubAgent,
        reminder_store: ReminderStore, artifacts: Path, tmp_path: Path) -> None:
    page.add_init_script(FAKE_NOTIFICATION)
    open_chat(page, server)
    conversation = _conversation(page, web)
    _limits_shown(stub_agent, conversation)
    page.reload()  # the user comes back: the history shows the limits with their tools
    labels = load_reminder_texts().widget
    expect()(page.locator(".cg-remind")).to_have_text(labels["remind"])
    expect()(page.locator(".cg-calendar")).to_have_text(labels["calendar"])

    with page.expect_download() as download:
        page.locator(".cg-calendar").click()
    saved = tmp_path / "deadlines.ics"
    download.value.save_as(saved)
    events = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert [(e.decoded("dtstart").isoformat(), str(e["summary"])) for e in events] == [
        (entry["date"], entry["title"]) for entry in LIMITS]

    # a reminder of this conversation falls due: the runner holds it for the widget
    day = dt.date(2026, 11, 21)
    reminder_store.add(conversation, "web", [Planned(
        dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI), day, LIMITS[0]["title"],
        "opens")])
    deliver = Deliverer(load_reminder_texts(), lambda d: d.isoformat(), lambda _c: None)
    run_once(reminder_store.engine, dt.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI), deliver)
    page.evaluate("window.complaintGuide.pollReminders()")
    reminder = page.locator(".cg-row-reminder .cg-bubble")
    expect()(reminder).to_have_count(1)
    expect()(reminder).to_contain_text(LIMITS[0]["title"])
    notes = page.evaluate("window.__notes")
    assert len(notes) == 1 and LIMITS[0]["title"] in notes[0][1]
    page.screenshot(path=str(artifacts / "widget-reminder.png"), full_page=True)

    page.evaluate("window.complaintGuide.pollReminders()")  # handed over once
    page.wait_for_timeout(300)
    expect()(reminder).to_have_count(1)
    assert page.locator(BOT).count() >= 2


def test_a_reply_that_set_reminders_offers_the_calendar_only(
        page: Any, server: str, web: WebChatInput, stub_agent: StubAgent) -> None:
    open_chat(page, server)
    conversation = _conversation(page, web)

    async def add() -> None:
        tracker = await stub_agent.tracker_store.retrieve(conversation)
        tracker.update(BotUttered("好的，提醒已设好：…",
                                  data={"custom": {"calendar": LIMITS, "reminded": True}}))
        await stub_agent.tracker_store.save(tracker)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, add()).result()
    page.reload()
    expect()(page.locator(".cg-calendar")).to_have_count(1)
    expect()(page.locator(".cg-remind")).to_have_count(0)  # it is set: no "remind me" again
