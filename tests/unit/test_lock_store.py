"""The lock store adapter: Redis when REDIS_URL is set, in memory otherwise."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from bot.adapters.lock_store import EnvLockStore, redis_lock_store

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_without_redis_url_the_lock_store_is_in_memory(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(EnvLockStore().inner, InMemoryLockStore)


def test_url_parts_reach_the_redis_lock_store():
    store = redis_lock_store("redis://:s3cret@127.0.0.1:6390/3")
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == (
        "127.0.0.1", 6390, 3, "s3cret")
    with pytest.raises(ValueError):
        redis_lock_store("http://example")


@pytest.mark.skipif(not _redis_reachable(), reason=f"no Redis at {REDIS_URL}")
def test_with_redis_two_stores_share_one_lock(monkeypatch):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    first, second = EnvLockStore(), EnvLockStore()
    assert isinstance(first.inner, RedisLockStore)
    conversation = "lock-test-" + uuid.uuid4().hex
    order: list[str] = []

    async def hold(store: EnvLockStore, name: str, pause: float) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.05):
            order.append(f"{name}-in")
            await asyncio.sleep(pause)
            order.append(f"{name}-out")

    async def both() -> None:
        task = asyncio.create_task(hold(first, "a", 0.3))
        await asyncio.sleep(0.05)
        await hold(second, "b", 0)
        await task

    asyncio.run(both())
    assert order == ["a-in", "a-out", "b-in", "b-out"]  # b waited for a's lock in Redis
