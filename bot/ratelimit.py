"""Rate limits: a token bucket per key (a sender, an IP address), and a count of messages
per session (:class:`SessionCounts`), in this process or in Redis when ``REDIS_URL`` is set
(shared by every replica).

A bucket holds up to ``capacity`` tokens and gains ``capacity`` tokens a minute; each
message takes one. An empty bucket refuses the message, and says how many seconds until the
next token. A Redis that does not answer lets the message through (logged): a rate limit
must never cost a real user their turn.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

KEY_PREFIX = "complaint-guide:rate:"
MAX_KEYS = 50_000  # in-process buckets kept (the least recently used go first)

# KEYS[1]: the bucket; ARGV: capacity, tokens per second, now (s). Returns the seconds to
# wait (0: allowed, and one token taken).
_REDIS_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return tostring(wait)
"""


@dataclass
class TokenBuckets:
    """Token buckets of one kind of key, ``capacity`` messages a minute each."""

    capacity: int
    clock: Callable[[], float] = time.monotonic
    redis: Any = None  # a redis client (shared by replicas), or None: this process

    def __post_init__(self) -> None:
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def per_second(self) -> float:
        return self.capacity / 60.0

    def wait(self, key: str) -> int:
        """Take a token for ``key``: 0 when the message may go, else whole seconds to wait."""
        if self.redis is not None:
            try:
                seconds = float(self.redis.eval(_REDIS_BUCKET, 1, KEY_PREFIX + key,
                                                self.capacity, self.per_second, time.time()))
                return math.ceil(seconds)
            except Exception as error:  # noqa: BLE001 - Redis down: never refuse for it
                logger.warning("rate limit store unavailable (%s): message let through",
                               type(error).__name__)
                return 0
        now = self.clock()
        tokens, at = self._buckets.pop(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - at) * self.per_second)
        waited = 0
        if tokens >= 1:
            tokens -= 1
        else:
            waited = math.ceil((1 - tokens) / self.per_second)
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return waited


_REDIS_COUNT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return count
"""


@dataclass
class SessionCounts:
    """Messages per key since its last quiet spell of ``idle_seconds`` (a session)."""

    idle_seconds: int
    clock: Callable[[], float] = time.monotonic
    redis: Any = None

    def __post_init__(self) -> None:
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def count(self, key: str) -> int:
        """Count one more message for ``key``; returns the session's count so far (0 when
        the shared store does not answer: the message goes on)."""
        if self.redis is not None:
            try:
                return int(self.redis.eval(_REDIS_COUNT, 1, KEY_PREFIX + "turns:" + key,
                                           self.idle_seconds))
            except Exception as error:  # noqa: BLE001 - Redis down: never refuse for it
                logger.warning("session count store unavailable (%s): message let through",
                               type(error).__name__)
                return 0
        now = self.clock()
        count, at = self._counts.pop(key, (0, now))
        if now - at > self.idle_seconds:
            count = 0
        self._counts[key] = (count + 1, now)
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)
        return count + 1


def redis_client(url: str | None) -> Any:
    """A Redis client for the buckets (short timeouts), or None without ``REDIS_URL``."""
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
