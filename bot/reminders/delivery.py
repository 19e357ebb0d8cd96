"""How a due reminder reaches the user, channel by channel, and what the reply may promise.

- widget (``web``): held for the page; the open page fetches it (and shows a browser
  notification when the user allowed it), or the page shows it when the user comes back;
- WeChat: a customer-service message when the user wrote within the last 48 hours; past
  that, a template message when ``WECHAT_TEMPLATE_ID`` is set; otherwise held and shown
  before the answer to the user's next message;
- REST: a POST to ``REST_CALLBACK_URL`` when set; otherwise held for the next message.

:func:`promised_route` is the route the reply names when the reminder is set; it never
names one the channel cannot take at the due time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.channels.wechat_protocol import openid_of
from bot.reminders.scheduler import Outcome
from bot.reminders.store import HELD, SENT, Reminder
from bot.reminders.texts import ReminderTexts

WECHAT_WINDOW = dt.timedelta(hours=48)
WINDOW_HOURS = 48


class WeChatSender(Protocol):
    """The WeChat account client's two sends (``bot.channels.wechat_client.AccountClient``)."""

    def send_text(self, openid: str, content: str) -> None: ...

    def send_template(self, openid: str, template_id: str, data: dict[str, Any]) -> None: ...


CHANNELS = ("web", "wechat", "rest")  # the channels that can take a reminder
UNSUPPORTED = "unsupported"


def promised_route(channel: str, due_at: dt.datetime, now: dt.datetime, *,
                   wechat_template: bool, rest_callback: bool, wechat_api: bool = True) -> str:
    """The route a reminder set ``now`` (the user's message time) for ``due_at`` can be
    promised on (a key of ``how`` in ``data/channels/reminders.yml``); ``unsupported`` for a
    channel that cannot take one (the agent console's try-out chat). ``wechat_api``: the
    account's app id and secret are set (no sends without them)."""
    if channel not in CHANNELS:
        return UNSUPPORTED
    if channel == "web":
        return "widget"
    if channel == "wechat":
        if not wechat_api:
            return "next_message"
        if due_at - now < WECHAT_WINDOW:
            return "wechat_cs"
        return "wechat_template" if wechat_template else "wechat_next_message"
    if channel == "rest" and rest_callback:
        return "callback"
    return "next_message"


@dataclass
class Deliverer:
    """Delivers one claimed reminder; returns (status, via). ``format_day``: a date as the
    chat writes it; ``last_message_at``: when the conversation's user last wrote."""

    texts: ReminderTexts
    format_day: Callable[[dt.date], str]
    last_message_at: Callable[[str], dt.datetime | None]
    wechat: WeChatSender | None = None
    template_id: str | None = None
    post_callback: Callable[[bytes], None] | None = None

    def text(self, reminder: Reminder) -> str:
        """The reminder as a message."""
        return self.texts.message.format(when=self.format_day(reminder.event_date),
                                         label=reminder.label)

    def __call__(self, reminder: Reminder, now: dt.datetime) -> Outcome:
        if reminder.channel == "web":
            return HELD, "widget"
        if reminder.channel == "wechat":
            return self._wechat(reminder, now)
        if reminder.channel == "rest" and self.post_callback is not None:
            self.post_callback(callback_body(reminder, self.text(reminder)))
            return SENT, "callback"
        return HELD, "next_message"

    def _wechat(self, reminder: Reminder, now: dt.datetime) -> Outcome:
        openid = openid_of(reminder.conversation_id)
        if self.wechat is None or openid is None:
            return HELD, "next_message"
        last = self.last_message_at(reminder.conversation_id)
        if last is not None and now - last < WECHAT_WINDOW:
            self.wechat.send_text(openid, self.text(reminder))
            return SENT, "wechat_cs"
        if self.template_id:
            self.wechat.send_template(openid, self.template_id, {
                "first": {"value": self.texts.template["first"]},
                "keyword1": {"value": reminder.label},
                "keyword2": {"value": self.format_day(reminder.event_date)},
                "remark": {"value": self.texts.template["remark"]}})
            return SENT, "wechat_template"
        return HELD, "next_message"


def callback_body(reminder: Reminder, text: str) -> bytes:
    """The JSON the REST callback receives (the REST channel's reply shape, plus the
    reminder)."""
    return json.dumps({"recipient_id": reminder.conversation_id, "text": text,
                       "reminder": {"id": reminder.id, "date": reminder.event_date.isoformat(),
                                    "due_at": reminder.due_at.isoformat()}},
                      ensure_ascii=False).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """``X-Guide-Signature`` of a callback body: HMAC-SHA256 with ``REST_TOKEN``, hex."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
