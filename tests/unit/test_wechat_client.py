"""The account's API client on wechatpy: token cache, sends, one retry, no leaked secret."""

from __future__ import annotations

import json
import threading
import time

import pytest

from bot.channels.wechat_client import AccountClient, session_storage
from bot.channels.wechat_protocol import WeChatAPIError
from bot.channels.wechat_state import MemoryStore
from tests.unit.wechat_transport import FakeWeChatTransport


def client_on(transport: FakeWeChatTransport, **kwargs) -> AccountClient:
    return AccountClient("wxapp", "s3cret", transport=transport, **kwargs)


def test_token_is_cached_until_shortly_before_expiry() -> None:
    transport = FakeWeChatTransport()
    client = client_on(transport, api_base="https://api.example.invalid/")
    assert client.token() == "T1"
    method, url, params, body = transport.calls[0]
    assert (method, url, body) == ("GET", "https://api.example.invalid/cgi-bin/token", None)
    assert params == {"grant_type": "client_credential", "appid": "wxapp", "secret": "s3cret"}
    assert client.token() == "T1"
    client.expires_at = time.time() + 61  # wechatpy renews 60 s before expiry
    assert client.token() == "T1"
    client.expires_at = time.time() + 59
    assert client.token() == "T2"
    assert len(transport.token_calls) == 2


def test_token_errors_raise_and_are_not_cached() -> None:
    transport = FakeWeChatTransport(token_answers=[{"errcode": 40013,
                                                    "errmsg": "invalid appid"}])
    client = client_on(transport)
    with pytest.raises(WeChatAPIError) as info:
        client.token()
    assert info.value.errcode == 40013
    assert client.token() == "T1"  # the next call fetches again
    with pytest.raises(ValueError):
        AccountClient("", "s3cret")


def test_custom_send_posts_utf8_json_and_reuses_the_token() -> None:
    transport = FakeWeChatTransport()
    client = client_on(transport)
    client.send_text("openid-1", "第一条")
    client.send_text("openid-1", "第二条")
    assert len(transport.token_calls) == 1
    method, url, params, body = transport.send_calls[0]
    assert method == "POST" and url == "https://api.weixin.qq.com/cgi-bin/message/custom/send"
    assert params == {"access_token": "T1"}
    assert body is not None and "第一条".encode() in body  # not \\u-escaped
    assert json.loads(body) == {"touser": "openid-1", "msgtype": "text",
                                "text": {"content": "第一条"}}


@pytest.mark.parametrize("code", [40001, 42001, 40014])
def test_custom_send_refreshes_an_invalid_token_once(code: int) -> None:
    transport = FakeWeChatTransport(send_codes=[code, 0])
    client_on(transport).send_text("openid-1", "你好")
    assert [c[2]["access_token"] for c in transport.send_calls] == ["T1", "T2"]


def test_custom_send_gives_up_after_one_refresh_and_on_other_errors() -> None:
    transport = FakeWeChatTransport(send_codes=[40001, 40001, 0])
    client = client_on(transport)
    with pytest.raises(WeChatAPIError) as info:
        client.send_text("openid-1", "你好")
    assert info.value.errcode == 40001 and len(transport.send_calls) == 2
    client.send_text("openid-1", "再来")  # the next send may retry again
    transport = FakeWeChatTransport(send_codes=[45015])  # outside the 48-hour window
    with pytest.raises(WeChatAPIError) as info:
        client_on(transport).send_text("openid-1", "你好")
    assert info.value.errcode == 45015 and len(transport.send_calls) == 1


def test_transport_errors_do_not_leak_the_secret() -> None:
    client = AccountClient("wxapp", "TOP-SECRET", "http://127.0.0.1:9")
    with pytest.raises(WeChatAPIError) as info:
        client.token()
    assert info.value.errcode == -1
    assert "TOP-SECRET" not in str(info.value)


def test_without_a_shared_store_each_process_keeps_its_own() -> None:
    transport = FakeWeChatTransport()
    first, second = client_on(transport), client_on(transport)
    assert (first.token(), second.token()) == ("T1", "T2")
    assert type(session_storage(MemoryStore())).__name__ == "MemoryStorage"


def test_threads_of_one_process_fetch_once() -> None:
    transport = FakeWeChatTransport()
    client = client_on(transport)
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(client.token())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(got) == {"T1"} and len(transport.token_calls) == 1
