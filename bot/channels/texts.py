"""The texts every channel sends on its own (``data/channels/guards.yml``): the refusal of
a message over the length cap, the apology for a turn without a reply, the note when a
custom action failed. Plain Python (no Rasa), so the catalog can validate them."""

from __future__ import annotations

from functools import lru_cache

from bot.datafiles import DataFileError, data_path, read_yaml
from bot.settings import load_settings

TEXTS = data_path("channels", "guards.yml")
TEXT_KEYS = ("too_long", "no_reply", "actions_down")


@lru_cache(maxsize=1)
def load_channel_texts() -> dict[str, str]:
    """Read and validate the channel texts (cached)."""
    data = read_yaml(TEXTS)
    for key in TEXT_KEYS:
        if not isinstance(data, dict) or not isinstance(data.get(key), str):
            raise DataFileError(TEXTS, key, "must be a text")
    return data


def too_long_reply(text: str, limit: int | None = None) -> str | None:
    """The reply for a message over the cap (None when the message is within it)."""
    limit = limit or load_settings().max_message_chars
    if len(text) <= limit:
        return None
    return load_channel_texts()["too_long"].format(limit=limit, length=len(text))


def no_reply_text() -> str:
    """The apology for a turn without any reply."""
    return load_channel_texts()["no_reply"]


def actions_down_text() -> str:
    """The note for a turn during which the action server was unreachable."""
    return load_channel_texts()["actions_down"]
