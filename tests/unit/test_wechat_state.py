"""The WeChat channel's shared state: in memory, and in Redis for several replicas.

Redis: ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``); every test uses its own
key prefix and deletes its keys. The Redis tests skip, saying why, when Redis is not there.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from bot.channels.wechat_client import AccountClient
from bot.channels.wechat_protocol import ButtonMemory, DedupCache
from bot.channels.wechat_state import MemoryStore, RedisStore
from tests.unit.test_wechat_protocol import Clock
from tests.unit.wechat_transport import FakeWeChatTransport


@pytest.fixture
def redis_store() -> Iterator[RedisStore]:
    import redis

    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    store = RedisStore.from_url(url)
    store.prefix = f"test-{uuid.uuid4().hex[:10]}:"
    try:
        store.client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):  # CI's machines run Redis: a miss there is a failure
            pytest.fail(f"Redis not reachable at {url} under CI: {error}")
        pytest.skip(f"Redis not reachable at {url} (set TEST_REDIS_URL): {error}")
    yield store
    keys = list(store.client.scan_iter(store.prefix + "*"))
    if keys:
        store.client.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        return MemoryStore()
    return request.getfixturevalue("redis_store")


def test_add_put_get_delete(store) -> None:
    assert store.get("k") is None
    assert store.add("k", "1", 60) is True
    assert store.add("k", "2", 60) is False
    assert store.get("k") == "1"
    store.put("k", "3", 60)
    assert store.get("k") == "3"
    store.delete("k", only_if="other")
    assert store.get("k") == "3"
    store.delete("k", only_if="3")
    assert store.get("k") is None
    store.put("k", "4", 60)
    store.delete("k")
    assert store.get("k") is None


def test_values_expire(redis_store) -> None:
    redis_store.put("short", "x", 0.2)
    assert redis_store.get("short") == "x"
    time.sleep(0.35)
    assert redis_store.get("short") is None
    clock = Clock()
    memory = MemoryStore(clock=clock)
    memory.put("short", "x", 10)
    clock.now += 9.9
    assert memory.get("short") == "x"
    clock.now += 0.2
    assert memory.get("short") is None and memory.add("short", "y", 10)


def test_memory_store_is_bounded() -> None:
    memory = MemoryStore(maxsize=3)
    for n in range(5):
        memory.put(f"k{n}", "v", 60)
    assert [memory.get(f"k{n}") for n in range(5)] == [None, None, "v", "v", "v"]


def test_a_retry_reaching_another_replica_is_handled_once(redis_store) -> None:
    first, second = DedupCache(store=redis_store), DedupCache(store=redis_store)
    assert first.first_time("wx-msg-1") is True
    assert second.first_time("wx-msg-1") is False
    assert second.first_time("wx-msg-2") is True


def test_a_choice_reaching_another_replica_picks_the_button_shown(redis_store) -> None:
    first, second = ButtonMemory(store=redis_store), ButtonMemory(store=redis_store)
    first.update("openid-1", ["/refund_refused", "我是卖家"])
    assert second.resolve("openid-1", "2") == "我是卖家"
    assert second.resolve("openid-1", "３") is None
    assert second.resolve("openid-2", "1") is None
    second.update("openid-1", [])
    assert first.resolve("openid-1", "1") is None


def test_replicas_share_one_access_token(redis_store) -> None:
    transport = FakeWeChatTransport()  # a WeChat that issues T1, T2, ... (each fetch counts)
    replicas = [AccountClient("wxapp", "s3cret", store=redis_store, transport=transport)
                for _ in range(4)]
    got: list[str] = []

    def use(client: AccountClient) -> None:
        for _ in range(5):
            got.append(client.token())

    threads = [threading.Thread(target=use, args=(client,)) for client in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(got) == {"T1"} and len(got) == 20
    assert len(transport.token_calls) == 1

    transport.send_codes = [40001]  # WeChat says T1 is invalid: one replica fetches T2
    replicas[0].send_text("openid-1", "你好")
    assert [c[2]["access_token"] for c in transport.send_calls] == ["T1", "T2"]
    assert replicas[2].token() == "T2"
    assert replicas[3].token() == "T2"
    assert len(transport.token_calls) == 2


def test_a_replica_waits_for_the_token_another_is_fetching(redis_store) -> None:
    transport = FakeWeChatTransport()
    fetching, waiting = (AccountClient("wxapp", "s3cret", store=redis_store,
                                       transport=transport) for _ in range(2))
    assert redis_store.add("token-fetch:wxapp", "1", 5.0)  # "fetching" holds the lock

    def finish_fetch() -> None:
        time.sleep(0.2)
        fetching.session.set(fetching.access_token_key, "T-other", 7200)
        redis_store.delete("token-fetch:wxapp")

    thread = threading.Thread(target=finish_fetch)
    thread.start()
    assert waiting.token() == "T-other"
    thread.join()
    assert transport.token_calls == []


def test_the_channel_shares_state_through_redis_when_redis_url_is_set(monkeypatch) -> None:
    from bot.channels.wechat import WeChatInput, shared_store

    assert shared_store(None) is None
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    channel = WeChatInput.from_credentials({"token": "t", "app_id": "wxapp",
                                            "app_secret": "s3cret"})
    assert isinstance(channel._dedup._store, RedisStore)
    assert channel.buttons._store is channel._dedup._store
    assert channel.client is not None and channel.client._store is channel._dedup._store
    assert type(channel.client.session).__name__ == "RedisStorage"
    monkeypatch.delenv("REDIS_URL")
    alone = WeChatInput.from_credentials({"token": "t"})
    assert isinstance(alone._dedup._store, MemoryStore)
