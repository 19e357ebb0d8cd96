"""The reminder turns: set one ("到时候提醒我", "11月25号提醒我交材料"), list them ("我的提醒"),
cancel them ("取消提醒").

A reminder is for the case's next dated limits (their dates and lines exactly as the
limits block shows them), or for the day the user names (``bot.dates`` reads it, relative
to the message's time). The reply says when each comes and through which route
(:func:`bot.reminders.delivery.promised_route`); a reminder the store could not keep is
never promised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.dates import SHANGHAI, resolve_coming_date
from bot.guidance import DeadlineItem, Guidance
from bot.reminders.calendar import CALENDAR_MARK, REMINDED_MARK, calendar_entries
from bot.reminders.delivery import UNSUPPORTED, WINDOW_HOURS, promised_route
from bot.reminders.plan import Planned, from_limits, from_named_date
from bot.reminders.store import Reminder
from bot.reminders.texts import ReminderTexts
from bot.turn.context import TurnContext
from bot.turn.drafts import case_side

logger = logging.getLogger(__name__)

# What to be reminded of, after 提醒: "提醒我交材料" -> 交材料.
_PURPOSE = re.compile(r"提醒(?:我|一下|下)*(?:一下)?(?:要|去|该)?(?P<what>[^，,。！!？?]*)")
_INDEX = re.compile(r"第\s*(\d{1,2})")
_CLAUSE = re.compile(r"[，,。！!？?；;\n]")
_DAY_PART = 8  # characters of a part before the ask that may name its day ("11月25号")
# A clause that asks for the reminder (the data's ``asks``): its date is the reminder's
# ("11月25号提醒我交材料"); a date in another clause is the case's
# ("11月18号申请的退款，到时候提醒我").


class Timed(Protocol):
    """A reminder planned or stored: when, and its line."""

    @property
    def due_at(self) -> datetime: ...

    @property
    def label(self) -> str: ...


def dated_limits(turn: TurnContext, result: Guidance) -> list[tuple[DeadlineItem, str]]:
    """Each dated limit with its line as the limits block shows it (no source tag)."""
    return [(item, turn.words.format_deadline(item, result.key_date, with_note=False,
                                              with_source=False))
            for item in result.deadlines if item.due is not None]


def limits_mark(turn: TurnContext, result: Guidance) -> dict[str, object] | None:
    """The calendar mark of the dated limits (None when none is dated)."""
    entries = calendar_entries((item.latest, line)
                               for item, line in dated_limits(turn, result)
                               if item.latest is not None)  # all of them: each has a due date
    return {CALENDAR_MARK: entries} if entries else None


def _purpose(text: str, texts: ReminderTexts) -> str:
    found = _PURPOSE.search(text)
    return (found.group("what") if found else "").strip().rstrip(texts.purpose_end).strip()


def _line(turn: TurnContext, reminder: Timed) -> str:
    moment = reminder.due_at.astimezone(SHANGHAI)
    when = turn.words.format_date_weekday(moment.date(), moment.year != turn.day.year,
                                          moment.time())
    return turn.words.entry("reminder_line").format(when=when, label=reminder.label)


def _items(turn: TurnContext, reminders: Sequence[Timed]) -> str:
    bullet = turn.words.entry("presenter", "bullet")
    return "\n".join(bullet.format(item=_line(turn, r)) for r in reminders)


def _asking_part(clause: str, texts: ReminderTexts) -> str:
    """Of a clause typed with spaces for commas, the part that asks and a short part just
    before it ("11月25号 提醒我交材料"); not the story before ("卖家11月18号拒绝了 到时候
    提醒我": the 18th is the case's)."""
    parts = clause.split()
    at = next((i for i, part in enumerate(parts) if texts.asked_in(part)), None)
    if at is None:
        return clause
    before = parts[at - 1] if at and len(parts[at - 1]) <= _DAY_PART else ""
    return " ".join(part for part in (before, *parts[at:]) if part)


def _named(turn: TurnContext) -> Planned | str | None:
    """The reminder for a day the user named; a response name when the day cannot be
    used; None when no day was named."""
    texts = turn.catalog.reminder_texts
    clauses = [_asking_part(c, texts) for c in _CLAUSE.split(turn.text) if texts.asked_in(c)]
    named = resolve_coming_date(clauses[0] if clauses else turn.text, turn.moment)
    if named.status == "past":
        return "utter_reminder_past"
    if named.status != "ok" or named.value is None:
        return None
    purpose = _purpose(turn.text.replace(named.matched or "", ""), texts)
    found = case_side(turn)
    same_day = [line for item, line in (dated_limits(turn, found[0]) if found else [])
                if item.latest == named.value]
    label = purpose or (same_day[0] if same_day else
                        turn.catalog.reminder_texts.named_label(
                            turn.words.format_date_weekday(named.value)))
    planned = from_named_date(named.value, named.part_of_day, label, turn.moment)
    return planned if planned is not None else "utter_reminder_past"


def set_reminder(turn: TurnContext) -> None:
    """Set reminders for the named day, else for the case's next dated limits."""
    named = _named(turn)
    if isinstance(named, str):
        turn.reply.say(named)
        return
    mark = None
    if named is not None:
        planned = [named]
    else:
        found = case_side(turn)
        if found is None:
            turn.reply.say("utter_reminder_which")
            return
        planned = from_limits(dated_limits(turn, found[0]), turn.moment)
        if not planned:
            turn.reply.say("utter_reminder_no_dates")
            return
        mark = limits_mark(turn, found[0])
    access, channel = turn.reminders, turn.input_channel or ""
    if access is None:
        turn.reply.say("utter_reminder_unavailable")
        return
    last = max(p.due_at for p in planned)
    route = promised_route(channel, last, turn.moment, wechat_template=access.wechat_template,
                           rest_callback=access.rest_callback, wechat_api=access.wechat_api)
    if route == UNSUPPORTED:
        turn.reply.say("utter_reminder_channel_unsupported")
        return
    try:
        access.store.add(turn.sender_id, channel, planned)
    except Exception as error:  # noqa: BLE001 - never promise a reminder not kept
        logger.warning("reminder not stored: %s", type(error).__name__)
        turn.reply.say("utter_reminder_unavailable")
        return
    how = turn.catalog.reminder_texts.how_it_comes(route, WINDOW_HOURS)
    if mark is not None:  # the calendar file is offered again, "remind me" is not
        mark = {**mark, REMINDED_MARK: True}
    turn.reply.say("utter_reminder_set", mark=mark, items=_items(turn, planned), how=how)


def _pending_or_say_none(turn: TurnContext) -> list[Reminder] | None:
    """The reminders still to come; when there are none, the user is told (None, or an
    empty list, means the turn has been answered)."""
    pending = _pending(turn)
    if pending is not None and not pending:
        turn.reply.say("utter_reminders_empty")
    return pending


def list_reminders(turn: TurnContext) -> None:
    """The conversation's reminders still to come."""
    pending = _pending_or_say_none(turn)
    if not pending:
        return
    numbered = "\n".join(f"{n}. {_line(turn, r)}" for n, r in enumerate(pending, start=1))
    turn.reply.say("utter_reminders_list", items=numbered)


def cancel_reminders(turn: TurnContext) -> None:
    """Cancel every pending reminder, or the one numbered ("取消第2个提醒")."""
    pending = _pending_or_say_none(turn)
    if not pending:
        return
    index = _INDEX.search(turn.text)
    chosen = None
    if index is not None and 1 <= int(index.group(1)) <= len(pending):
        chosen = [pending[int(index.group(1)) - 1].id]
    try:
        count = turn.reminders.store.cancel(turn.sender_id, chosen)  # type: ignore[union-attr]
    except Exception as error:  # noqa: BLE001 - say it did not work
        logger.warning("reminders not cancelled: %s", type(error).__name__)
        turn.reply.say("utter_reminder_unavailable")
        return
    turn.reply.say("utter_reminders_cancelled", count=str(count))


def _pending(turn: TurnContext) -> list[Reminder] | None:
    """The pending reminders, or None (and the apology said) when the store fails."""
    if turn.reminders is None:
        turn.reply.say("utter_reminder_unavailable")
        return None
    try:
        return list(turn.reminders.store.pending(turn.sender_id))
    except Exception as error:  # noqa: BLE001 - say it did not work
        logger.warning("reminders unavailable: %s", type(error).__name__)
        turn.reply.say("utter_reminder_unavailable")
        return None
