"""Rasa's conversation lock store, chosen by the environment.

With ``REDIS_URL`` set (``redis://[:password@]host[:port][/db]``) conversations are locked
in Redis, so several Rasa replicas never process two messages of one conversation at the
same time; without it, an in-process lock store (one replica).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import load_settings

DEFAULT_REDIS_DB = 1


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
    )


class EnvLockStore(LockStore):
    """Delegates to Redis when REDIS_URL is set, else to an in-memory lock store."""

    def __init__(self, endpoint_config: Any = None, url: str | None = None) -> None:
        configured = url or getattr(endpoint_config, "url", None) or load_settings().redis_url
        self.inner: LockStore = redis_lock_store(configured) if configured else InMemoryLockStore()
        super().__init__()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self.inner.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.inner.save_lock(lock)
