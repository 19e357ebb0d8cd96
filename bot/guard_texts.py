"""The texts every channel sends on its own (``data/channels/guards.yml``): the refusal of
a message over the length cap, the apology for a turn without a reply, the note when a
custom action failed, the reply to a message over the rate limit or past the session's
cap. Plain Python (no Rasa), so the catalog can validate them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.datafiles import DataFileError, data_path, read_yaml

TEXTS = data_path("channels", "guards.yml")
TEXT_KEYS = ("too_long", "no_reply", "actions_down", "rate_limited", "turn_cap", "warm_up")


@dataclass(frozen=True)
class GuardTexts:
    """What a channel says on its own."""

    too_long: str
    no_reply: str  # the apology for a turn without any reply
    actions_down: str  # the note for a turn during which the action server was unreachable
    rate_limited: str  # a message over the rate limit: {seconds} to wait
    turn_cap: str  # a message past the session's cap: {limit} messages, {minutes} of quiet
    warm_up: str  # the made-up message the Rasa process reads once at start-up

    def rate_limited_reply(self, seconds: int) -> str:
        """The reply to a message over the rate limit."""
        return self.rate_limited.format(seconds=seconds)

    def turn_cap_reply(self, limit: int, minutes: int) -> str:
        """The reply to a message past the cap on messages per session."""
        return self.turn_cap.format(limit=limit, minutes=minutes)

    def too_long_reply(self, text: str, limit: int) -> str | None:
        """The reply for a message over the cap (None when the message is within it)."""
        if len(text) <= limit:
            return None
        return self.too_long.format(limit=limit, length=len(text))


def load_channel_texts(path: Path = TEXTS) -> GuardTexts:
    """Read and validate the channel texts."""
    data = read_yaml(Path(path))
    for key in TEXT_KEYS:
        if not isinstance(data, dict) or not isinstance(data.get(key), str):
            raise DataFileError(path, key, "must be a text")
    try:
        data["too_long"].format(limit=1, length=2)
    except (KeyError, IndexError, ValueError) as error:
        raise DataFileError(path, "too_long", f"fields are limit and length: {error}") from None
    try:
        data["rate_limited"].format(seconds=1)
    except (KeyError, IndexError, ValueError) as error:
        raise DataFileError(path, "rate_limited", f"the field is seconds: {error}") from None
    try:
        data["turn_cap"].format(limit=1, minutes=1)
    except (KeyError, IndexError, ValueError) as error:
        raise DataFileError(path, "turn_cap", f"fields are limit and minutes: {error}") from None
    return GuardTexts(**{key: data[key] for key in TEXT_KEYS})
