"""Rasa's conversation lock store, chosen by the environment.

With ``REDIS_URL`` set (``redis://[:password@]host[:port][/db]``) conversations are locked
in Redis, so several Rasa replicas never process two messages of one conversation at the
same time; without it, an in-process lock store (one replica).

Redis calls time out within half a second (they run on Rasa's event loop). When Redis is
unreachable, the locks fall back to this process (as with one replica) with a loud log
line, and Redis is tried again every few seconds: the user gets an answer either way.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import unquote, urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import load_settings

DEFAULT_REDIS_DB = 1
REDIS_TIMEOUT_SECONDS = 0.5
RETRY_REDIS_SECONDS = 5.0

logger = logging.getLogger(__name__)


def redis_lock_store(url: str) -> RedisLockStore:
    """A RedisLockStore for a redis:// or rediss:// URL."""
    parsed = urlparse(url)
    if parsed.scheme not in {"redis", "rediss"} or not parsed.hostname:
        raise ValueError("REDIS_URL must look like redis://host:6379/1")
    db = int(parsed.path.lstrip("/") or DEFAULT_REDIS_DB)
    return RedisLockStore(
        host=parsed.hostname,
        port=parsed.port or 6379,
        db=db,
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        use_ssl=parsed.scheme == "rediss",
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


class EnvLockStore(LockStore):
    """Delegates to Redis when REDIS_URL is set (to this process's memory while Redis is
    unreachable), else to an in-memory lock store."""

    def __init__(self, endpoint_config: Any = None, url: str | None = None) -> None:
        configured = url or getattr(endpoint_config, "url", None) or load_settings().redis_url
        self.redis: LockStore | None = redis_lock_store(configured) if configured else None
        self.memory = InMemoryLockStore()
        self.inner: LockStore = self.redis or self.memory
        self._down_since: float | None = None
        super().__init__()

    def _call(self, method: str, *args: Any) -> Any:
        if self.redis is not None and (self._down_since is None or
                                       time.monotonic() - self._down_since > RETRY_REDIS_SECONDS):
            import redis

            try:
                result = getattr(self.redis, method)(*args)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
                if self._down_since is None:
                    logger.error("Redis unreachable (%s): conversation locks are kept in this "
                                 "process only until it is back (safe for one replica only)",
                                 type(error).__name__)
                self._down_since = time.monotonic()
            else:
                if self._down_since is not None:
                    logger.warning("Redis is back: conversation locks are in Redis again")
                    self._down_since = None
                return result
        return getattr(self.memory, method)(*args)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._call("get_lock", conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._call("delete_lock", conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._call("save_lock", lock)
