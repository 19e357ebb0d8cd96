"""The reminder actions on a tracker: set for the case's next limits (the dates the limits
block showed) or for a named day, list, cancel; the route the reply promises per channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions import common
from actions.guidance import ActionExplainDeadlines
from actions.reminders import ActionCancelReminders, ActionListReminders, ActionSetReminder
from bot.dates import SHANGHAI
from bot.reminders.calendar import CALENDAR_MARK
from bot.reminders.store import ReminderStore
from tests.actions.conftest import make_tracker, message, render, responses

AT = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
CASE = {"case_type": "refund_refused", "role": "buyer", "order_status": "refunding",
        "key_date": "2026-11-18"}
pytestmark = pytest.mark.anyio


def tracker(text: str, intent: str, channel: str = "web", slots: dict | None = None):
    t = make_tracker(text, intent, slots=slots if slots is not None else CASE, at=AT)
    t.events[-1]["input_channel"] = channel
    t.sender_id = f"{channel}-reminder-user"
    return t


async def run(action, dispatcher, domain, t):
    return await action.run(dispatcher, t, domain)


def store(case_store) -> ReminderStore:
    return ReminderStore(case_store.engine)


async def test_set_for_the_next_limits_uses_the_dates_the_limits_block_shows(
        dispatcher, domain, case_store):
    from rasa_sdk.executor import CollectingDispatcher

    shown = CollectingDispatcher()
    await run(ActionExplainDeadlines(), shown, domain, tracker("有哪些期限", "ask_deadline"))
    limits = [m for m in shown.messages if (m.get("custom") or {}).get(CALENDAR_MARK)]
    assert limits, "the limits block carries its dated limits for the calendar"
    shown_dates = {e["date"] for e in limits[0]["custom"][CALENDAR_MARK]}

    await run(ActionSetReminder(), dispatcher, domain, tracker("到时候提醒我", "set_reminder"))
    assert responses(dispatcher) == ["utter_reminder_set"]
    text = render(domain, message(dispatcher, "utter_reminder_set"))
    pending = store(case_store).pending("web-reminder-user")
    assert pending and {r.event_date.isoformat() for r in pending} <= shown_dates
    for r in pending:
        assert r.due_at > AT.astimezone(UTC)
        assert r.due_at.astimezone(SHANGHAI).hour == 9
        assert r.label in text
    assert "聊天页面开着" in text  # the widget's route, said as it is


async def test_a_named_day_is_read_relative_to_the_message(dispatcher, domain, case_store):
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("11月25号提醒我交材料", "set_reminder"))
    [reminder] = store(case_store).pending("web-reminder-user")
    assert reminder.event_date.isoformat() == "2026-11-25"
    assert reminder.due_at == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert reminder.label == "交材料"
    assert "11月25日（周三）9:00 提醒：交材料" in render(
        domain, message(dispatcher, "utter_reminder_set"))


async def test_a_past_day_is_refused(dispatcher, domain, case_store):
    await run(ActionSetReminder(), dispatcher, domain, tracker("3天前提醒我", "set_reminder"))
    assert responses(dispatcher) == ["utter_reminder_past"]
    assert store(case_store).pending("web-reminder-user") == []


async def test_no_case_and_no_day_asks_which(dispatcher, domain, case_store):
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("到时候提醒我", "set_reminder", slots={}))
    assert responses(dispatcher) == ["utter_reminder_which"]


@pytest.mark.parametrize("template, expected", [(False, "下次给我发消息时"),
                                                (True, "模板消息")])
async def test_wechat_past_48_hours_promises_only_what_it_can(
        dispatcher, domain, case_store, monkeypatch, template, expected):
    access = common.reminder_access()
    monkeypatch.setattr(common, "reminder_access", lambda: type(access)(
        access.store, wechat_template=template))
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("12月10号提醒我交材料", "set_reminder", channel="wechat"))
    assert expected in render(domain, message(dispatcher, "utter_reminder_set"))


async def test_wechat_within_48_hours_is_a_message(dispatcher, domain, case_store,
                                                   monkeypatch):
    access = common.reminder_access()
    monkeypatch.setattr(common, "reminder_access", lambda: type(access)(access.store))
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("明天提醒我交材料", "set_reminder", channel="wechat"))
    assert "公众号里给你发消息" in render(domain, message(dispatcher, "utter_reminder_set"))


async def test_list_then_cancel_one_then_all(dispatcher, domain, case_store):
    from rasa_sdk.executor import CollectingDispatcher

    for text in ("11月25号提醒我交材料", "12月1号提醒我打12315"):
        await run(ActionSetReminder(), CollectingDispatcher(), domain,
                  tracker(text, "set_reminder"))
    await run(ActionListReminders(), dispatcher, domain, tracker("我的提醒", "list_reminders"))
    listed = render(domain, message(dispatcher, "utter_reminders_list"))
    assert listed.index("交材料") < listed.index("打12315")
    cancel = CollectingDispatcher()
    await run(ActionCancelReminders(), cancel, domain,
              tracker("取消第1个提醒", "cancel_reminder"))
    assert message(cancel, "utter_reminders_cancelled")["count"] == "1"
    assert [r.label for r in store(case_store).pending("web-reminder-user")] == ["打12315"]
    rest = CollectingDispatcher()
    await run(ActionCancelReminders(), rest, domain, tracker("取消提醒", "cancel_reminder"))
    assert store(case_store).pending("web-reminder-user") == []


async def test_a_store_that_fails_promises_nothing(dispatcher, domain, monkeypatch):
    class Broken:
        def add(self, *args, **kwargs):
            raise RuntimeError("database down")

    access = common.reminder_access()
    monkeypatch.setattr(common, "reminder_access", lambda: type(access)(Broken()))
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("11月25号提醒我交材料", "set_reminder"))
    assert responses(dispatcher) == ["utter_reminder_unavailable"]


async def test_wechat_without_the_accounts_api_promises_only_the_next_message(
        dispatcher, domain, case_store, monkeypatch):
    access = common.reminder_access()
    monkeypatch.setattr(common, "reminder_access", lambda: type(access)(
        access.store, wechat_template=True, wechat_api=False))
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("明天提醒我交材料", "set_reminder", channel="wechat"))
    assert "下次给我发消息时" in render(domain, message(dispatcher, "utter_reminder_set"))


async def test_a_channel_that_cannot_take_reminders_sets_none(dispatcher, domain, case_store):
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("11月25号提醒我交材料", "set_reminder", channel="console"))
    assert responses(dispatcher) == ["utter_reminder_channel_unsupported"]
    assert store(case_store).pending("console-reminder-user") == []


async def test_a_date_told_of_the_case_is_not_the_reminders_day(dispatcher, domain, case_store):
    await run(ActionSetReminder(), dispatcher, domain,
              tracker("我11月18号申请的退款，到时候提醒我", "set_reminder"))
    pending = store(case_store).pending("web-reminder-user")
    assert pending and all(r.event_date.year == 2026 for r in pending)
    assert all(r.label != "到时候提醒我" for r in pending)


async def test_a_case_told_with_a_reminder_asked_sets_it(dispatcher, domain, case_store):
    """"我11月18号申请的退款 卖家不理 到时候提醒我": the case opens and the reminder is set in
    one turn, for the case's limits (the 18th is the case's date, not the reminder's)."""
    from actions.open_case import ActionOpenCase

    t = tracker("我11月18号申请的退款 卖家不理 到时候提醒我", "refund_refused", slots={})
    ranking = [{"name": "refund_refused", "confidence": 0.3},
               {"name": "set_reminder", "confidence": 0.6}]
    t.latest_message["intent_ranking"] = ranking
    t.events[-1]["parse_data"]["intent_ranking"] = ranking
    await run(ActionOpenCase(), dispatcher, domain, t)
    assert "utter_reminder_set" in responses(dispatcher)
    assert store(case_store).pending("web-reminder-user")
