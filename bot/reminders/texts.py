"""The texts of reminders outside the bot's replies (``data/channels/reminders.yml``),
validated on load with an error naming the file and the entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.datafiles import DataFileError, data_path, read_yaml

TEXTS = data_path("channels", "reminders.yml")
ROUTES = ("widget", "wechat_cs", "wechat_template", "wechat_next_message", "callback",
          "next_message")
_FIELDS = {"message": {"when": "x", "label": "x"}, "late_message": {"when": "x", "label": "x"},
           "named_label": {"date": "x"}}


@dataclass(frozen=True)
class ReminderTexts:
    """What reminders say on their own."""

    message: str
    late_message: str
    named: str
    how: Mapping[str, str]
    template: Mapping[str, str]
    calendar: Mapping[str, str]
    widget: Mapping[str, str]
    asks: tuple[str, ...] = ()  # words that ask for a reminder
    purpose_end: str = ""  # characters that may end the purpose after 提醒我

    def asked_in(self, text: str) -> bool:
        """Whether ``text`` asks for a reminder."""
        lowered = text.lower()
        return any(word in lowered for word in self.asks)

    def named_label(self, date: str) -> str:
        """The label of a reminder for a named day without a purpose."""
        return self.named.format(date=date)

    def how_it_comes(self, route: str, hours: int) -> str:
        """How the reply says the reminder will come."""
        return self.how[route].format(hours=hours)


def _texts(path: Path, data: Any, section: str, keys: tuple[str, ...]) -> dict[str, str]:
    part = data.get(section) if isinstance(data, dict) else None
    if not isinstance(part, dict):
        raise DataFileError(path, section, "must be a mapping")
    for key in keys:
        if not isinstance(part.get(key), str) or not part[key].strip():
            raise DataFileError(path, f"{section}.{key}", "must be a text")
    return {key: part[key] for key in keys}


def load_reminder_texts(path: Path = TEXTS) -> ReminderTexts:
    """Read and validate the reminder texts."""
    data = read_yaml(Path(path))
    for key, fields in _FIELDS.items():
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, str):
            raise DataFileError(path, key, "must be a text")
        try:
            value.format(**fields)
        except (KeyError, IndexError, ValueError) as error:
            raise DataFileError(path, key, f"fields are {', '.join(fields)}: {error}") from None
    how = _texts(path, data, "how", ROUTES)
    for route, text in how.items():
        try:
            text.format(hours=48)
        except (KeyError, IndexError, ValueError) as error:
            raise DataFileError(path, f"how.{route}", f"the field is hours: {error}") from None
    calendar = _texts(path, data, "calendar", ("name", "alarm"))
    try:
        calendar["alarm"].format(label="x")
    except (KeyError, IndexError, ValueError) as error:
        raise DataFileError(path, "calendar.alarm", f"the field is label: {error}") from None
    return ReminderTexts(
        message=data["message"], late_message=data["late_message"],
        named=data["named_label"], how=how,
        template=_texts(path, data, "template", ("first", "remark")), calendar=calendar,
        widget=_texts(path, data, "widget", ("remind", "calendar", "notification_title")),
        asks=_words(path, data, "asks"), purpose_end=_text(path, data, "purpose_end"))


def _words(path: Path, data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(
            isinstance(word, str) and word for word in value):
        raise DataFileError(path, key, "expected a list of non-empty words")
    return tuple(word.lower() for word in value)


def _text(path: Path, data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise DataFileError(path, key, "must be a text")
    return value
