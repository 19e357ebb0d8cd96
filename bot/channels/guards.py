"""Input rules every channel applies the same way, before a message reaches the bot.

- One length cap (``MAX_MESSAGE_CHARS``, default 2,000 characters): a longer message is not
  processed or stored; the channel answers with :func:`too_long_reply` instead.
- One request-size cap (``MAX_REQUEST_BYTES``): Sanic refuses a larger body from its
  ``Content-Length`` before buffering it (:func:`limit_request_size`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from bot.datafiles import data_path
from bot.settings import load_settings

TEXTS = data_path("channels", "guards.yml")


@lru_cache(maxsize=1)
def _texts() -> dict[str, str]:
    data = yaml.safe_load(TEXTS.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("too_long"), str):
        raise ValueError(f"{TEXTS.name}: too_long must be a text")
    return data


def too_long_reply(text: str, limit: int | None = None) -> str | None:
    """The reply for a message over the cap (None when the message is within it)."""
    limit = limit or load_settings().max_message_chars
    if len(text) <= limit:
        return None
    return _texts()["too_long"].format(limit=limit, length=len(text))


def limit_request_size(app: Any) -> None:
    """Make Sanic refuse bodies over MAX_REQUEST_BYTES before reading them."""
    app.config.REQUEST_MAX_SIZE = load_settings().max_request_bytes
