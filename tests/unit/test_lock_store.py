"""The lock store adapter: Redis when REDIS_URL is set, in memory otherwise."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from bot.adapters.lock_store import EnvLockStore, redis_lock_store
from tests.processes import free_port, start_redis_server

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


@pytest.mark.skipif(not os.environ.get("CI") and not _redis_reachable(),
                    reason=f"no Redis at {REDIS_URL} (CI fails instead)")
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


def test_unreachable_redis_falls_back_to_this_process(caplog):
    store = EnvLockStore(url=f"redis://127.0.0.1:{free_port()}/1")
    conversation = "down-" + uuid.uuid4().hex

    async def take() -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            pass

    asyncio.run(take())  # answered, not failed
    assert "Redis unreachable" in caplog.text


def test_redis_stopped_and_restarted_mid_conversation(tmp_path, monkeypatch):
    from bot.adapters import lock_store

    port = free_port()

    def start():
        return start_redis_server(port, tmp_path)

    monkeypatch.setattr(lock_store, "RETRY_REDIS_SECONDS", 0.0)
    process = start()
    store = EnvLockStore(url=f"redis://127.0.0.1:{port}/1")
    conversation = "restart-" + uuid.uuid4().hex

    async def turn() -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            pass

    try:
        asyncio.run(turn())
        assert store._down_since is None
        process.terminate()
        process.wait(5)
        asyncio.run(turn())  # Redis down: answered from this process's locks
        assert store._down_since is not None
        process = start()
        asyncio.run(turn())  # back in Redis
        assert store._down_since is None
    finally:
        process.terminate()
        process.wait(5)


@pytest.mark.skipif(not os.environ.get("CI") and not _redis_reachable(),
                    reason=f"no Redis at {REDIS_URL} (CI fails instead)")
def test_rate_limit_buckets_in_redis_are_shared_and_refill():
    from bot.ratelimit import TokenBuckets, redis_client

    key = "test-" + uuid.uuid4().hex
    one, other = (TokenBuckets(2, redis=redis_client(REDIS_URL)) for _ in range(2))
    assert one.wait(key) == 0 and other.wait(key) == 0  # two replicas, one bucket
    assert one.wait(key) == 30  # 2 a minute: the next token in 30 s
    # one a second: 60 round trips take well under a second even on a loaded machine (600
    # at 10 a second gave a token back before the last call when the machine was busy)
    fast = TokenBuckets(60, redis=redis_client(REDIS_URL))
    assert all(fast.wait(key + "-fast") == 0 for _ in range(60))
    assert fast.wait(key + "-fast") == 1
