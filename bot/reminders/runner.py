"""The reminder runner: ``python -m bot.reminders`` (started by ``make run`` beside the
two servers; one per replica is safe). Every ``REMINDER_POLL_SECONDS`` it runs
:func:`bot.reminders.scheduler.run_once` at the clock's time, in its own process, off the
servers' hot path. The clock is passed in (tests fix it)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy import MetaData, Table, and_, func, inspect, select
from sqlalchemy.engine import Engine

from bot.locale import load_locale
from bot.reminders.delivery import Deliverer, signature
from bot.reminders.scheduler import RedisRunnerLock, run_once
from bot.reminders.texts import load_reminder_texts
from bot.settings import Settings
from bot.store.engine import create_store_engine, default_case_db_url
from bot.store.tables import utcnow

logger = logging.getLogger(__name__)
CALLBACK_TIMEOUT_SECONDS = 5


def last_user_message(tracker_engine: Engine) -> Callable[[str], dt.datetime | None]:
    """When a conversation's user last wrote, from Rasa's SQL tracker store (None when the
    store has no such conversation)."""
    events: list[Table] = []

    def lookup(conversation_id: str) -> dt.datetime | None:
        if not events:
            if not inspect(tracker_engine).has_table("events"):
                return None
            events.append(Table("events", MetaData(), autoload_with=tracker_engine))
        table = events[0]
        with tracker_engine.connect() as conn:
            newest = conn.execute(select(func.max(table.c.timestamp)).where(and_(
                table.c.sender_id == conversation_id, table.c.type_name == "user"))
            ).scalar()
        return None if newest is None else dt.datetime.fromtimestamp(float(newest), tz=dt.UTC)

    return lookup


def format_day_from_locale() -> Callable[[dt.date], str]:
    """A date as the chat writes it (the locale's date with its weekday)."""
    locale = load_locale()

    def format_day(day: dt.date) -> str:
        text = str(locale["date"]).format(year=day.year, month=day.month, day=day.day)
        return str(locale["date_weekday"]).format(date=text,
                                                  weekday=locale["weekdays"][day.weekday()])

    return format_day


def callback_poster(url: str, secret: str | None) -> Callable[[bytes], None]:
    """POSTs a reminder to the REST callback (signed with ``REST_TOKEN`` when set)."""
    def post(body: bytes) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if secret:
            headers["X-Guide-Signature"] = signature(secret, body)
        requests.post(url, data=body, headers=headers,
                      timeout=CALLBACK_TIMEOUT_SECONDS).raise_for_status()
    return post


def build_deliverer(settings: Settings, tracker_engine: Engine, wechat: Any = None
                    ) -> Deliverer:
    """The deliverer the settings describe (``wechat``: a client, made from the settings
    when None and the account is configured)."""
    if wechat is None and settings.wechat_app_id and settings.wechat_app_secret:
        from bot.channels.wechat_client import AccountClient
        from bot.channels.wechat_protocol import DEFAULT_API_BASE
        from bot.channels.wechat_state import RedisStore

        store = RedisStore.from_url(settings.redis_url) if settings.redis_url else None
        wechat = AccountClient(settings.wechat_app_id, settings.wechat_app_secret,
                               settings.wechat_api_base or DEFAULT_API_BASE, store=store)
    poster = (callback_poster(settings.rest_callback_url, settings.rest_token)
              if settings.rest_callback_url else None)
    return Deliverer(texts=load_reminder_texts(), format_day=format_day_from_locale(),
                     last_message_at=last_user_message(tracker_engine), wechat=wechat,
                     template_id=settings.wechat_template_id, post_callback=poster)


def runner_lock(settings: Settings) -> RedisRunnerLock | None:
    """The single-runner lock in Redis when ``REDIS_URL`` is set."""
    if not settings.redis_url:
        return None
    import redis

    return RedisRunnerLock(redis.Redis.from_url(settings.redis_url, socket_timeout=2.0))


def serve(settings: Settings, stop: threading.Event,
          clock: Callable[[], dt.datetime] = utcnow) -> None:
    """Run the scheduler every ``REMINDER_POLL_SECONDS`` until ``stop`` is set."""
    engine = create_store_engine(default_case_db_url(settings))
    deliver = build_deliverer(settings, create_store_engine(settings.db_url))
    lock = runner_lock(settings)
    logger.info("reminders: looking for due reminders every %s s",
                settings.reminder_poll_seconds)
    while not stop.is_set():
        try:
            for reminder, (status, via) in run_once(engine, clock(), deliver, lock):
                logger.info("reminder %s: %s via %s", reminder.id, status, via)
        except Exception:  # noqa: BLE001 - a database hiccup: try again next round
            logger.exception("reminders: a round failed")
        stop.wait(settings.reminder_poll_seconds)
