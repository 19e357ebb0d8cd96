"""Where the WeChat channel keeps what must outlive one request: memory, or Redis.

Three things: the keys of messages already handled (WeChat retries a push it got no answer
to within 5 s, possibly to another replica), the buttons last shown to each user (a reply
"1" may reach another replica), and the account's access token (every fetch of a new one
invalidates the older ones after a grace period, so replicas must share one).

:class:`MemoryStore` keeps them in the process (one replica); :class:`RedisStore` in Redis
when ``REDIS_URL`` is set (``bot/channels/wechat.py`` chooses). Both offer the same four
operations with per-key expiry; values are text.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

KEY_PREFIX = "complaint-guide:wechat:"

logger = logging.getLogger(__name__)


class SharedStore(Protocol):
    """Text values with a time to live, shared by every replica that uses the store."""

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Store ``value`` unless ``key`` exists; True when it was stored."""

    def put(self, key: str, value: str, ttl: float) -> None:
        """Store ``value`` under ``key``, replacing what was there."""

    def get(self, key: str) -> str | None:
        """The value under ``key``, or None when absent or expired."""

    def delete(self, key: str, only_if: str | None = None) -> None:
        """Remove ``key`` (only while its value is still ``only_if``, when given)."""


class MemoryStore:
    """A :class:`SharedStore` in this process's memory, bounded (oldest entries out)."""

    def __init__(self, maxsize: int = 20_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._maxsize = maxsize
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def _live(self, key: str) -> tuple[float, str] | None:
        item = self._items.get(key)
        if item is not None and item[0] <= self._clock():
            del self._items[key]
            return None
        return item

    def add(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self.put(key, value, ttl)
        return True

    def put(self, key: str, value: str, ttl: float) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock() + ttl, value)
        while len(self._items) > self._maxsize:
            self._items.popitem(last=False)

    def get(self, key: str) -> str | None:
        item = self._live(key)
        return None if item is None else item[1]

    def delete(self, key: str, only_if: str | None = None) -> None:
        if only_if is None or self.get(key) == only_if:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return sum(self._live(key) is not None for key in list(self._items))


# Deletes KEYS[1] only while it still holds ARGV[1] (atomic in Redis).
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore:
    """A :class:`SharedStore` in Redis; keys are prefixed with ``KEY_PREFIX``."""

    def __init__(self, client: Any, prefix: str = KEY_PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        """A store on the Redis at ``url`` (``redis://host:port/db``)."""
        import redis

        return cls(redis.Redis.from_url(url, decode_responses=True,
                                        socket_timeout=2.0, socket_connect_timeout=2.0))

    @staticmethod
    def _ms(ttl: float) -> int:
        return max(1, int(ttl * 1000))

    def add(self, key: str, value: str, ttl: float) -> bool:
        return bool(self.client.set(self.prefix + key, value, nx=True, px=self._ms(ttl)))

    def put(self, key: str, value: str, ttl: float) -> None:
        self.client.set(self.prefix + key, value, px=self._ms(ttl))

    def get(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        return None if value is None else str(value)

    def delete(self, key: str, only_if: str | None = None) -> None:
        if only_if is None:
            self.client.delete(self.prefix + key)
        else:
            self.client.eval(_DELETE_IF_EQUAL, 1, self.prefix + key, only_if)


class ReplayGuard:
    """Remembers each signed URL (timestamp, nonce, signature) for the tolerance window.

    In plain mode WeChat's signature covers only the token, the timestamp and the nonce, so
    whoever sees one signed URL could post any body with it until the timestamp goes stale.
    The same URL again with the same body is WeChat retrying (allowed; the MsgId dedup
    answers it once); with another body it is a replay (refused). A GET verification URL
    is signed the same way, so the channel records it too (its "body" being the echostr).
    """

    def __init__(self, ttl: float, store: SharedStore | None = None) -> None:
        self.ttl = ttl
        self.store = store or MemoryStore()

    def allowed(self, timestamp: str, nonce: str, signature: str, body: bytes) -> bool:
        """False when this signed URL was already used with another body. Fails closed:
        when the shared store is down, the request is refused (WeChat retries it)."""
        key = "replay:" + hashlib.sha1(f"{timestamp}|{nonce}|{signature}".encode()).hexdigest()
        digest = hashlib.sha256(body).hexdigest()
        try:
            if self.store.add(key, digest, self.ttl):
                return True
            return self.store.get(key) == digest
        except Exception as error:  # noqa: BLE001 - e.g. Redis down: refuse, never replay
            logger.warning("wechat: replay store unavailable (%s): request refused",
                           type(error).__name__)
            return False
