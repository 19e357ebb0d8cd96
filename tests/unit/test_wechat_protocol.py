"""The WeChat channel's pure protocol pieces (bot/channels/wechat_protocol.py).

Expected signatures are computed here with hashlib, never with the code under test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.wechat_protocol import (
    DEFAULT_TEXTS_PATH,
    ButtonMemory,
    DedupCache,
    MalformedMessage,
    compose_reply,
    dedup_key,
    load_texts,
    parse_choice,
    parse_xml,
    signature_valid,
    split_text,
    timestamp_fresh,
)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sha1_of_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


# --- signatures ----------------------------------------------------------------------------


def test_signature_test_vector() -> None:
    # sorted as strings: "1234" < "1409304348" < "xxxxxx", then concatenated
    token, timestamp, nonce = "xxxxxx", "1409304348", "1234"
    expected = hashlib.sha1(b"12341409304348xxxxxx").hexdigest()
    assert expected == sha1_of_sorted(token, timestamp, nonce)
    assert signature_valid(token, expected, timestamp, nonce)
    assert signature_valid(token, expected.upper(), timestamp, nonce)


@pytest.mark.parametrize("token,signature,timestamp,nonce", [
    ("other-token", None, "1409304348", "1234"),
    ("xxxxxx", "", "1409304348", "1234"),
    ("xxxxxx", None, "1409304349", "1234"),
    ("xxxxxx", None, "1409304348", "12345"),
    ("", None, "1409304348", "1234"),
    ("xxxxxx", "0" * 40, "1409304348", "1234"),
    ("xxxxxx", "签名", "1409304348", "1234"),
])
def test_signature_rejects(token: str, signature: str | None, timestamp: str,
                           nonce: str) -> None:
    good = sha1_of_sorted("xxxxxx", "1409304348", "1234")
    if signature is None:
        signature = good
    assert not signature_valid(token, signature, timestamp, nonce)


def test_msg_signature_covers_the_encrypted_text() -> None:
    encrypted = "q8RkvB3fBEnmrf0ARTzJ1ZpkNBj2A3+Tvq3MbpLQBY4="
    expected = sha1_of_sorted("tok", "1700000000", "n0", encrypted)
    assert signature_valid("tok", expected, "1700000000", "n0", encrypted)
    assert not signature_valid("tok", expected, "1700000000", "n0", encrypted + "x")
    assert not signature_valid("tok", sha1_of_sorted("tok", "1700000000", "n0"),
                               "1700000000", "n0", encrypted)


@pytest.mark.parametrize("timestamp,fresh", [
    ("1000000", True), ("999700", True), ("1000300", True),
    ("999699", False), ("1000301", False),
    ("", False), (None, False), ("-5", False), ("1e6", False), ("１００００００", False),
])
def test_timestamp_window(timestamp: str | None, fresh: bool) -> None:
    assert timestamp_fresh(timestamp, now=1_000_000.0, tolerance=300) is fresh


# --- XML -----------------------------------------------------------------------------------


def test_parse_xml_reads_fields() -> None:
    fields = parse_xml(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]>"
        "</FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]>"
        "</MsgType><Content><![CDATA[你好 <b>]]></Content><MsgId>1234567890123456</MsgId>"
        "</xml>".encode()
    )
    assert fields["Content"] == "你好 <b>"
    assert fields["MsgId"] == "1234567890123456"


@pytest.mark.parametrize("body", [
    b"", b"not xml", b"<xml><a>1</a>", b"<root><a>1</a></root>", b"\xff\xfe<xml/>",
    b"<xml>text only</xml>",
    b'<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>',
    b'<?xml version="1.0"?><!doctype xml [<!ENTITY a "a">]><xml><a>&a;</a></xml>',
])
def test_parse_xml_rejects(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse_xml(body)


def test_dedup_key_for_messages_and_events() -> None:
    assert dedup_key({"MsgId": "42", "FromUserName": "o1", "CreateTime": "1"}) == "msg:42"
    event = {"FromUserName": "o1", "CreateTime": "1700000000", "Event": "subscribe"}
    assert dedup_key(event) == "event:o1:1700000000:subscribe"
    assert dedup_key({**event, "Event": "unsubscribe"}) != dedup_key(event)
    assert dedup_key({"MsgType": "event"}) is None


# --- caches --------------------------------------------------------------------------------


def test_dedup_cache_sees_each_key_once_until_it_expires() -> None:
    clock = Clock()
    cache = DedupCache(maxsize=100, ttl=10, clock=clock)
    assert cache.first_time("msg:1")
    assert not cache.first_time("msg:1")
    assert cache.first_time("msg:2")
    clock.now += 10.5
    assert cache.first_time("msg:1")


def test_dedup_cache_is_bounded() -> None:
    cache = DedupCache(maxsize=3, ttl=100, clock=Clock())
    for i in range(10):
        assert cache.first_time(f"k{i}")
    assert len(cache) == 3
    assert not cache.first_time("k9")
    assert cache.first_time("k0")  # evicted, oldest first


# --- buttons -------------------------------------------------------------------------------


@pytest.mark.parametrize("text,choice", [
    ("1", 1), ("２", 2), (" 3 ", 3), ("3.", 3), ("３。", 3), ("2、", 2), ("１０", 10),
    ("第2个", 2), ("第２项", 2), ("12", 12),
    ("", None), (None, None), ("a", None), ("1a", None), ("1 2", None), ("-1", None),
    ("2023年5月1日", None), ("123456789012345678", None), ("二", None),
])
def test_parse_choice(text: str | None, choice: int | None) -> None:
    assert parse_choice(text) == choice


def test_button_memory_maps_digits_to_payloads() -> None:
    clock = Clock()
    memory = ButtonMemory(ttl=60, clock=clock)
    memory.update("u1", ["/refund_refused", "/not_shipped"])
    assert memory.resolve("u1", "2") == "/not_shipped"
    assert memory.resolve("u1", "１") == "/refund_refused"
    assert memory.resolve("u1", "3") is None
    assert memory.resolve("u1", "0") is None
    assert memory.resolve("u1", "卖家不退款") is None
    assert memory.resolve("u2", "1") is None  # per user
    memory.update("u1", [])
    assert memory.resolve("u1", "1") is None
    memory.update("u1", ["/a"])
    clock.now += 61
    assert memory.resolve("u1", "1") is None


def test_compose_reply_numbers_buttons_across_the_turn() -> None:
    texts = load_texts()
    messages: list[dict[str, Any]] = [
        {"text": "遇到了什么问题？", "buttons": [
            {"title": "退款被拒", "payload": "/refund_refused"},
            {"title": "不发货", "payload": "/not_shipped"}]},
        {"text": "或者：", "buttons": [{"title": "假货"}]},
        {"text": "说明一下。"},
        {"image": "https://example.invalid/a.png"},
    ]
    text, payloads = compose_reply(messages, texts)
    assert payloads == ["/refund_refused", "/not_shipped", "假货"]
    blocks = text.split("\n\n")
    assert blocks[0] == "遇到了什么问题？\n1. 退款被拒\n2. 不发货"
    assert blocks[1] == "或者：\n" + texts.button_line.format(index=3, title="假货") + \
        "\n" + texts.button_hint
    assert blocks[2:] == ["说明一下。", "https://example.invalid/a.png"]
    assert compose_reply([], texts) == ("", [])
    assert compose_reply([{"text": "  好的  "}], texts) == ("好的", [])


# --- splitting -----------------------------------------------------------------------------


def test_short_text_is_one_part_without_label() -> None:
    assert split_text("你好。", 2000, "（{index}/{total}）") == ["你好。"]
    assert split_text("字" * 2000, 2000, "（{index}/{total}）") == ["字" * 2000]
    assert split_text("   ") == []


def test_long_text_splits_at_sentence_ends_within_the_limit() -> None:
    sentence = "卖家拒绝退款后，您可以申请平台介入。"  # 18 characters
    text = sentence * 300  # 5,400 characters
    parts = split_text(text, 2000, "（{index}/{total}）")
    assert len(parts) == 3
    for i, part in enumerate(parts, start=1):
        assert len(part) <= 2000
        assert part.startswith(f"（{i}/3）")
        assert part.endswith("。")
    assert "".join(p[len("（1/3）"):] for p in parts) == text


def test_newlines_are_sentence_boundaries() -> None:
    text = "\n".join(["第一行没有句号"] * 10)
    parts = split_text(text, 30)
    assert all(len(p) <= 30 for p in parts)
    assert all(not p.startswith("\n") and "第一行没有句号" in p for p in parts)


def test_sentence_longer_than_the_limit_is_cut() -> None:
    parts = split_text("甲" * 4500, 2000, "（{index}/{total}）")
    assert [len(p) for p in parts] == [2000, 2000, 4500 - 2 * 1995 + 5]
    assert "".join(p[5:] for p in parts) == "甲" * 4500
    commas = split_text("甲甲甲，" * 20, 30)
    assert all(len(p) <= 30 and p.endswith("，") for p in commas)


def test_label_width_grows_with_the_number_of_parts() -> None:
    text = "一句话。" * 100  # 400 characters, more than 9 parts at limit 20
    parts = split_text(text, 20, "（{index}/{total}）")
    assert len(parts) >= 10
    assert all(len(p) <= 20 for p in parts)
    assert parts[-1].startswith(f"（{len(parts)}/{len(parts)}）")


def test_emoji_count_as_one_character() -> None:
    parts = split_text("😀" * 2000)
    assert parts == ["😀" * 2000]


# --- texts ---------------------------------------------------------------------------------


def test_channel_texts_load() -> None:
    texts = load_texts()
    for msg_type in ("image", "voice", "video", "shortvideo", "location", "link"):
        assert texts.unsupported_reply(msg_type) == texts.unsupported[msg_type]
    assert texts.unsupported_reply("miniprogrampage") == texts.unsupported["default"]
    assert texts.subscribe_text == "你好"
    assert texts.button_line.format(index=1, title="标题") == "1. 标题"
    assert texts.invalid
    assert all(len(v) < 200 for v in texts.unsupported.values())


def test_channel_texts_need_a_default(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_TEXTS_PATH.read_text(encoding="utf-8"))
    del data["unsupported"]["default"]
    path = tmp_path / "wechat.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError):
        load_texts(path)
    del data["unsupported"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError):
        load_texts(path)
