"""The caps every channel applies before a turn: messages per session (in this process or
in Redis) and the client's address behind trusted reverse proxies."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import uuid

import pytest
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.guards import turn_guards
from bot.ratelimit import SessionCounts, redis_client
from bot.settings import REPO_ROOT, load_settings
from tests.unit.test_lock_store import REDIS_URL, _redis_reachable


def test_a_session_count_starts_again_after_a_quiet_spell():
    now = [0.0]
    counts = SessionCounts(idle_seconds=600, clock=lambda: now[0])
    assert [counts.count("a") for _ in range(3)] == [1, 2, 3]
    assert counts.count("b") == 1
    now[0] += 599
    assert counts.count("a") == 4  # still the same session
    now[0] += 601
    assert counts.count("a") == 1


def test_the_quiet_spell_is_the_domains_session_expiration():
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    minutes = domain["session_config"]["session_expiration_time"]
    assert load_settings({}).session_idle_minutes == minutes


def test_a_message_past_the_session_cap_is_answered_and_not_processed():
    guards = dataclasses.replace(turn_guards(load_settings({})), senders=None,
                                 sessions=SessionCounts(idle_seconds=60),
                                 max_turns_per_session=2)
    handled: list[str] = []

    async def handle(message: UserMessage) -> None:
        handled.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    async def three() -> tuple[list[bool], list]:
        results, out = [], None
        for text in ("一", "二", "三"):
            out = CollectingOutputChannel()
            results.append(await guards.run(handle, UserMessage(text, out, "long-talker")))
        return results, out.messages

    results, last = asyncio.run(three())
    assert results == [True, True, False] and handled == ["一", "二"]
    assert last[0]["text"] == guards.texts.turn_cap_reply(2, 1)
    assert "2条" in last[0]["text"]


def test_the_session_cap_lets_messages_through_when_redis_is_down():
    counts = SessionCounts(idle_seconds=60, redis=redis_client("redis://127.0.0.1:1/0"))
    assert [counts.count("a") for _ in range(3)] == [0, 0, 0]


@pytest.mark.skipif(not os.environ.get("CI") and not _redis_reachable(),
                    reason=f"no Redis at {REDIS_URL} (CI fails instead)")
def test_session_counts_in_redis_are_shared_by_replicas():
    key = "cap-" + uuid.uuid4().hex
    one, other = (SessionCounts(idle_seconds=60, redis=redis_client(REDIS_URL))
                  for _ in range(2))
    assert [one.count(key), other.count(key), one.count(key)] == [1, 2, 3]


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not a trusted proxy: its header is ignored
    ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
    ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3", "198.51.100.7"),  # spoofed left part
    ("10.0.0.2", None, "10.0.0.2"),
    ("10.0.0.2", "10.0.0.3", "10.0.0.3"),
])
def test_the_client_address_behind_trusted_proxies(peer, forwarded, client):
    guards = turn_guards(load_settings({"TRUSTED_PROXIES": "10.0.0.0/8"}))
    assert guards.client_address(peer, forwarded) == client


def test_without_trusted_proxies_the_peer_is_the_client():
    assert turn_guards(load_settings({})).client_address("10.0.0.2", "1.2.3.4") == "10.0.0.2"


def test_a_malformed_trusted_proxy_is_a_clear_error():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        load_settings({"TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"})
