"""The widget's session keys: server-issued, HMAC-signed, expiring after inactivity.

A key is ``<id>.<issued>.<signature>``: ``id`` is 128 random bits (32 hex digits) and names
the conversation (``web-<id>``); ``issued`` is the Unix time it was issued or last renewed;
``signature`` is HMAC-SHA256 over both with ``WEB_SESSION_SECRET``. Every answer renews the
key, so it expires after ``WEB_SESSION_IDLE_MINUTES`` without a message. The browser cannot
choose or guess an id, and a key copied from an old tab stops working once it has been idle.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

ID_HEX_DIGITS = 32  # 128 bits
KEY_PATTERN = re.compile(r"(?P<id>[0-9a-f]{32})\.(?P<issued>[0-9]{1,12})\.(?P<sig>[0-9a-f]{64})")
CLOCK_SKEW_S = 60
_PROCESS_SECRET = secrets.token_bytes(32)  # when WEB_SESSION_SECRET is unset (tests, dev)


class SessionError(Exception):
    """A missing, malformed, forged or expired key; ``code`` names which."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class SessionKeys:
    """Issues and checks widget session keys."""

    secret: bytes
    idle_seconds: int
    clock: Callable[[], float] = field(default=time.time)

    def _signature(self, session_id: str, issued: int) -> str:
        message = f"web-session:{session_id}.{issued}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def issue(self, session_id: str | None = None) -> str:
        """A key for ``session_id`` (default: a new random id), valid from now."""
        session_id = session_id or secrets.token_hex(ID_HEX_DIGITS // 2)
        issued = int(self.clock())
        return f"{session_id}.{issued}.{self._signature(session_id, issued)}"

    def read(self, key: str | None) -> str:
        """The session id of a valid, unexpired key, or :class:`SessionError`."""
        if not key:
            raise SessionError("no_session", "send the session key in the X-Chat-Session "
                                             "header (POST session issues one)")
        match = KEY_PATTERN.fullmatch(key.strip())
        if match is None:
            raise SessionError("bad_session", "the session key is malformed")
        session_id, issued = match["id"], int(match["issued"])
        if not hmac.compare_digest(match["sig"], self._signature(session_id, issued)):
            raise SessionError("bad_session", "the session key is not valid here")
        now = self.clock()
        if issued > now + CLOCK_SKEW_S or now - issued > self.idle_seconds:
            raise SessionError("session_expired", "the session expired; start a new one")
        return session_id


def session_keys(settings: Settings | None = None) -> SessionKeys:
    """The keys from ``WEB_SESSION_SECRET`` and ``WEB_SESSION_IDLE_MINUTES``; without a
    secret, one random secret per process (keys then end with the process)."""
    settings = settings or load_settings()
    secret = settings.web_session_secret
    if not secret:
        logger.warning("web: WEB_SESSION_SECRET is unset; widget sessions end when this "
                       "process stops (make run generates one into .env)")
    return SessionKeys(secret=secret.encode() if secret else _PROCESS_SECRET,
                       idle_seconds=settings.web_session_idle_minutes * 60)
