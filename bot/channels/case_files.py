"""Where a conversation's case file is found, for its PDF download.

The case file is a chat message the assistant sent with a ``custom`` mark
(``{"case_file": "pdf"}``, :mod:`bot.turn.case_file`); its PDF is made on request from the
latest such message of the conversation, so nothing outlives the conversation. The web
channel serves it to the session that owns the conversation, the console to its agents,
and WeChat, whose messages cannot carry a file, through a link signed for that one
conversation that expires (:class:`CaseFileLinks`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

from bot.drafting.case_file import CASE_FILE_MARK
from bot.drafting.case_pdf import CaseFileFontMissing, case_file_pdf
from bot.settings import load_settings

PDF_NAME = "case-file.pdf"


def latest_case_file(events: Iterable[Any]) -> str | None:
    """The text of the latest case file the assistant sent in these (Rasa) events, if any."""
    found = None
    for event in events:
        custom = (getattr(event, "data", None) or {}).get("custom")
        if getattr(event, "type_name", None) == "bot" and isinstance(custom, dict) \
                and custom.get(CASE_FILE_MARK) and event.text:
            found = event.text
    return found


async def pdf_response(events: Iterable[Any], filename: str = PDF_NAME) -> HTTPResponse:
    """The latest case file as a PDF download, or a JSON 404 / 503. The PDF is made in a
    worker thread (a few hundred milliseconds: the font is read), off the event loop."""
    text = latest_case_file(events)
    if text is None:
        return response.json({"error": "no_case_file",
                              "detail": "ask for the case file in the chat first"}, status=404)
    settings = load_settings()
    try:
        body = await asyncio.to_thread(case_file_pdf, text, settings.case_file_font,
                                       settings.case_file_font_index)
    except CaseFileFontMissing as error:
        return response.json({"error": "no_font", "detail": str(error)}, status=503)
    return response.raw(body, content_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


_PROCESS_SECRET = secrets.token_bytes(32)  # when WEB_SESSION_SECRET is unset (tests, dev)


@dataclass(frozen=True)
class CaseFileLinks:
    """Signed, expiring tokens that name one conversation's case file:
    ``<conversation id, base64url>.<expires, unix>.<HMAC-SHA256>``."""

    secret: bytes
    hours: int = 24
    clock: Callable[[], float] = field(default=time.time)

    def _signature(self, conversation_id: str, expires: int) -> str:
        message = f"case-file:{conversation_id}.{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def token(self, conversation_id: str) -> str:
        """A token for ``conversation_id``'s case file, valid for ``hours``."""
        expires = int(self.clock()) + self.hours * 3600
        name = base64.urlsafe_b64encode(conversation_id.encode()).decode().rstrip("=")
        return f"{name}.{expires}.{self._signature(conversation_id, expires)}"

    def conversation(self, token: str) -> str | None:
        """The conversation a valid, unexpired token names; None otherwise."""
        try:
            name, expires_text, signature = token.split(".")
            conversation_id = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
            expires = int(expires_text)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(signature, self._signature(conversation_id, expires)):
            return None
        return conversation_id if expires >= self.clock() else None


def case_file_links(settings: Any | None = None) -> CaseFileLinks:
    """Links signed with ``WEB_SESSION_SECRET`` (one random secret per process without it),
    valid for ``CASE_FILE_LINK_HOURS``."""
    settings = settings or load_settings()
    secret = settings.web_session_secret
    return CaseFileLinks(secret.encode() if secret else _PROCESS_SECRET,
                         settings.case_file_link_hours)
