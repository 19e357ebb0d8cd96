"""The WeChat channel over HTTP: a real Sanic server with the channel's blueprint, a stub
bot instead of a trained model, and a fake WeChat API (tests/channels/fake_wechat.py).

The channel is mounted with Rasa's own ``register`` so the routes are the ones Rasa serves.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import xmltodict
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from wechatpy.crypto import WeChatCrypto

from bot.channels.guards import turn_guards
from bot.channels.wechat import WeChatInput
from bot.channels.wechat_protocol import load_texts
from tests.channels import sanic_server
from tests.channels.fake_wechat import FakeWeChat

TOKEN = "test-token"
APP_ID = "wx-test-app"
APP_SECRET = "test-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"  # the shape of a real OpenID (28 characters)
CONVERSATION = "wx-" + OPENID
ACCOUNT = "gh_account"
TEXTS = load_texts()

Handler = Callable[[UserMessage], Awaitable[Any]]


# --- helpers -------------------------------------------------------------------------------


def sha1_signature(*parts: str) -> str:
    """WeChat's signature, computed independently of the code under test."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signed_params(token: str = TOKEN, timestamp: int | None = None,
                  nonce: str | None = None, openid: str = OPENID) -> dict[str, str]:
    """A signed URL as WeChat makes it: a fresh nonce for every push."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex[:10]
    return {"timestamp": ts, "nonce": nonce, "signature": sha1_signature(token, ts, nonce),
            "openid": openid}


_msg_ids = iter(range(10_000_000, 99_999_999))


def text_xml(content: str, msg_id: int | None = None, sender: str = OPENID) -> str:
    msg_id = next(_msg_ids) if msg_id is None else msg_id
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def image_xml() -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            f"<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl>"
            f"<MediaId><![CDATA[media1]]></MediaId><MsgId>{next(_msg_ids)}</MsgId></xml>")


def event_xml(event: str, created: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event></xml>")


def reply_fields(body: str) -> dict[str, Any]:
    return xmltodict.parse(body)["xml"]


@dataclass
class StubBot:
    """Stands in for the Rasa agent: records messages and answers via ``respond``."""

    respond: Callable[[UserMessage], Awaitable[None]] | None = None
    delay: float = 0.0
    received: list[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.respond is not None:
            await self.respond(message)
        else:
            await message.output_channel.send_text_message(
                message.sender_id, f"收到：{message.text}"
            )

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.received]


@contextmanager
def serve(channel: WeChatInput, bot: StubBot) -> Iterator[str]:
    """The shared test server with the WeChat channel mounted; yields its webhook base URL."""
    with sanic_server.serve([channel], bot) as base:
        yield f"{base}/webhooks/wechat"


def make_channel(fake: FakeWeChat | None = None, **kwargs: Any) -> WeChatInput:
    creds = {"token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET, "aes_key": "",
             "api_base": fake.url if fake else ""}
    creds.update({k: v for k, v in kwargs.items() if k in creds})
    channel = WeChatInput.from_credentials(creds)
    for key, value in kwargs.items():
        if key not in creds:
            setattr(channel, key, value)
    return channel


@pytest.fixture(autouse=True, scope="module")
def sanic_test_mode() -> Iterator[None]:
    """Several Sanic apps start in one process: Sanic 21.12 needs test mode for that
    (otherwise its second start-up fails re-compiling already touched-up methods)."""
    previous = Sanic.test_mode
    Sanic.test_mode = True
    yield
    Sanic.test_mode = previous


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat(app_id=APP_ID, app_secret=APP_SECRET) as server:
        yield server


def post(base: str, xml: str | bytes, params: dict[str, str] | None = None) -> requests.Response:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return requests.post(f"{base}/webhook", params=params or signed_params(), data=data,
                         headers={"Content-Type": "text/xml"}, timeout=10)


# --- configuration -------------------------------------------------------------------------


def test_from_credentials_reads_the_keys_and_defaults() -> None:
    channel = WeChatInput.from_credentials(
        {"token": "t", "app_id": "", "app_secret": "", "aes_key": "", "api_base": ""}
    )
    assert WeChatInput.name() == "wechat"
    assert channel.api_base == "https://api.weixin.qq.com"
    assert channel.crypto is None and channel.client is None
    assert channel.reply_deadline == pytest.approx(4.5)
    safe = WeChatInput.from_credentials(
        {"token": "t", "app_id": APP_ID, "app_secret": APP_SECRET, "aes_key": AES_KEY,
         "api_base": "http://127.0.0.1:9/", "reply_deadline": "1.5"}
    )
    assert safe.crypto is not None and safe.client is not None
    assert safe.api_base == "http://127.0.0.1:9"
    assert safe.reply_deadline == pytest.approx(1.5)
    with pytest.raises(ValueError):
        WeChatInput.from_credentials({"token": "t", "app_id": APP_ID, "aes_key": "short"})
    with pytest.raises(ValueError):
        WeChatInput.from_credentials({"token": "t", "aes_key": AES_KEY})


def test_health_and_unconfigured_channel() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        assert requests.get(f"{base}/", timeout=5).json() == {"status": "ok"}
    with serve(WeChatInput.from_credentials({"token": ""}), bot) as base:
        assert requests.get(f"{base}/webhook", params=signed_params(), timeout=5
                            ).status_code == 503
        assert post(base, text_xml("你好")).status_code == 503
    assert bot.received == []


# --- URL verification ----------------------------------------------------------------------


def test_get_verification_returns_echostr() -> None:
    with serve(make_channel(), StubBot()) as base:
        params = {**signed_params(), "echostr": "8422957403417870713"}
        resp = requests.get(f"{base}/webhook", params=params, timeout=5)
    assert resp.status_code == 200
    assert resp.text == "8422957403417870713"


def test_get_verification_rejects_forged_signature() -> None:
    with serve(make_channel(), StubBot()) as base:
        params = {**signed_params(token="wrong-token"), "echostr": "123"}
        resp = requests.get(f"{base}/webhook", params=params, timeout=5)
        missing = requests.get(f"{base}/webhook", params={"echostr": "123"}, timeout=5)
    assert resp.status_code == 403 and "123" not in resp.text
    assert missing.status_code == 403


def test_get_verification_rejects_stale_and_future_timestamps() -> None:
    now = int(time.time())
    with serve(make_channel(), StubBot()) as base:
        codes = [
            requests.get(f"{base}/webhook", params={**signed_params(timestamp=ts),
                                                     "echostr": "1"}, timeout=5).status_code
            for ts in (now - 301 - 5, now + 301 + 5, now - 200)
        ]
    assert codes == [403, 403, 200]


# --- plain mode ----------------------------------------------------------------------------


def test_plain_text_gets_passive_reply() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        resp = post(base, text_xml("卖家不同意退款"))
    assert resp.status_code == 200
    reply = reply_fields(resp.text)
    assert reply["MsgType"] == "text"
    assert reply["Content"] == "收到：卖家不同意退款"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT
    [message] = bot.received
    assert message.sender_id == CONVERSATION
    assert message.input_channel == "wechat"
    assert message.output_channel.name() == "wechat"


@pytest.mark.parametrize("sender", ["web-3f1c2a9e0b7d4c6a", "rest-someone-else-here",
                                    "console-1234567890abcdef"])
def test_a_sender_naming_another_channels_conversation_stays_in_wechat(sender: str) -> None:
    """A body saying ``web-<id>`` reaches ``wx-web-<id>``, never the widget's conversation
    (issue 24, item 3)."""
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        resp = post(base, text_xml("删除我的记录", sender=sender),
                    params=signed_params(openid=sender))
    assert resp.status_code == 200
    assert [m.sender_id for m in bot.received] == ["wx-" + sender]


@pytest.mark.parametrize(("sender", "openid", "status"), [
    (OPENID[:-1] + "X", OPENID, 403),  # not the openid of the URL
    (OPENID, "", 403),  # no openid in the URL
    ("o-1", "o-1", 400),  # too short for an OpenID
    ("o6_bmjrPTlm6_2sgVt7hMZ/../x", "o6_bmjrPTlm6_2sgVt7hMZ/../x", 400),  # not its characters
    ("o6_bmjrPTlm6_2sgVt7hMZOPfL2M\u200b", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M\u200b", 400),
])
def test_a_sender_that_is_not_the_urls_openid_is_refused(sender: str, openid: str,
                                                         status: int) -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        resp = post(base, text_xml("你好", sender=sender), params=signed_params(openid=openid))
    assert resp.status_code == status
    assert bot.received == []


def test_all_bot_messages_are_joined_in_one_reply() -> None:
    async def two(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "第一条。")
        await message.output_channel.send_text_message(message.sender_id, "第二条。")

    with serve(make_channel(), StubBot(respond=two)) as base:
        reply = reply_fields(post(base, text_xml("hi")).text)
    assert reply["Content"] == "第一条。\n\n第二条。"


def test_forged_signature_is_rejected_and_not_processed() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        forged = post(base, text_xml("你好"), params=signed_params(token="not-the-token"))
        unsigned = post(base, text_xml("你好"), params={"timestamp": str(int(time.time())),
                                                       "nonce": "n"})
        stale = post(base, text_xml("你好"),
                     params=signed_params(timestamp=int(time.time()) - 3600))
    assert [forged.status_code, unsigned.status_code, stale.status_code] == [403, 403, 403]
    assert bot.received == []


def test_oversized_body_is_rejected_and_not_processed() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        resp = post(base, text_xml("长" * 30_000))  # 90 KB of UTF-8
    assert resp.status_code == 400
    assert bot.received == []


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>x</ToUserName",
    "not xml at all",
    "",
    "<root><MsgType>text</MsgType></root>",
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
    "<xml><Content>no type</Content></xml>",
])
def test_malformed_xml_is_rejected_and_not_processed(body: str) -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        resp = post(base, body)
    assert resp.status_code == 400
    assert bot.received == []


def test_retried_msg_id_is_handled_once() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        xml = text_xml("卖家一直不发货", msg_id=1234567890123456)
        first = post(base, xml)
        second = post(base, xml, params=signed_params(nonce="other-nonce"))
    assert reply_fields(first.text)["Content"] == "收到：卖家一直不发货"
    assert second.status_code == 200 and second.text == "success"
    assert bot.texts == ["卖家一直不发货"]


def test_retried_event_is_handled_once() -> None:
    bot = StubBot()
    created = int(time.time())
    with serve(make_channel(), bot) as base:
        post(base, event_xml("subscribe", created))
        post(base, event_xml("subscribe", created))
    assert bot.texts == [TEXTS.subscribe_text]


# --- late answers through the customer-service API ----------------------------------------


def test_slow_answer_is_sent_through_customer_service_api(fake: FakeWeChat) -> None:
    bot = StubBot(delay=0.6)
    with serve(make_channel(fake, reply_deadline=0.3), bot) as base:
        started = time.monotonic()
        resp = post(base, text_xml("订单一直没到"))
        elapsed = time.monotonic() - started
        [send] = fake.wait_for_sends(1)
    assert resp.status_code == 200 and resp.text == "success"
    assert elapsed < 0.6
    assert send.body == {"touser": OPENID, "msgtype": "text",
                         "text": {"content": "收到：订单一直没到"}}
    assert send.params["access_token"] == "ACCESS_TOKEN_1"
    [token_call] = fake.token_calls
    assert token_call.params == {"grant_type": "client_credential", "appid": APP_ID,
                                 "secret": APP_SECRET}


def test_access_token_is_fetched_once_and_reused(fake: FakeWeChat) -> None:
    bot = StubBot(delay=0.5)
    with serve(make_channel(fake, reply_deadline=0.1), bot) as base:
        assert post(base, text_xml("第一条")).text == "success"
        fake.wait_for_sends(1)
        assert post(base, text_xml("第二条")).text == "success"
        sends = fake.wait_for_sends(2)
    assert [s.body["text"]["content"] for s in sends] == ["收到：第一条", "收到：第二条"]
    assert len(fake.token_calls) == 1
    assert {s.params["access_token"] for s in sends} == {"ACCESS_TOKEN_1"}


def test_rejected_token_is_refreshed_once(fake: FakeWeChat) -> None:
    bot = StubBot(delay=0.3)
    with serve(make_channel(fake, reply_deadline=0.05), bot) as base:
        post(base, text_xml("一"))
        fake.wait_for_sends(1)
        fake.revoke_tokens()  # the next send answers errcode 40001
        post(base, text_xml("二"))
        sends = fake.wait_for_sends(2)
    assert len(fake.token_calls) == 2
    assert sends[-1].params["access_token"] == "ACCESS_TOKEN_2"
    assert sends[-1].body["text"]["content"] == "收到：二"


def test_long_answer_is_split_into_parts(fake: FakeWeChat) -> None:
    """The first part is the passive reply (it arrives even without the customer-service
    API); the rest go through that API."""
    sentence = "这是一句用来测试分段的很长的话，一共有二十五个字。"
    long_text = sentence * 200  # 5,000 characters

    async def long_answer(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, long_text)

    assert len(long_text) == 5000
    with serve(make_channel(fake), StubBot(respond=long_answer)) as base:
        resp = post(base, text_xml("讲讲流程"))
        fake.wait_for_sends(2)
        time.sleep(0.2)
        texts = [reply_fields(resp.text)["Content"], *fake.sent_texts()]
    assert len(texts) == 3
    assert all(len(t) <= 2000 for t in texts)
    labels = [TEXTS.part_label.format(index=i, total=3) for i in (1, 2, 3)]
    assert all(t.startswith(label) for t, label in zip(texts, labels, strict=True))
    bodies = [t[len(label):] for t, label in zip(texts, labels, strict=True)]
    assert all(b.endswith("。") for b in bodies)  # cut at sentence ends
    assert "".join(bodies) == long_text


def _three_part_answer() -> Callable[[UserMessage], Awaitable[None]]:
    async def long_answer(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id,
                                                       "分段测试的一句话。" * 500)
    return long_answer


def test_a_failed_send_is_retried(fake: FakeWeChat, monkeypatch) -> None:
    from bot.channels import wechat

    monkeypatch.setattr(wechat, "SEND_BACKOFF_SECONDS", 0.01)
    fake.fail_sends = 1
    channel = make_channel(fake)
    with serve(channel, StubBot(respond=_three_part_answer())) as base:
        post(base, text_xml("讲讲流程"))
        fake.wait_for_sends(2)
    assert len(fake.sent_texts()) == 2 and not channel.undelivered


def test_a_part_that_keeps_failing_is_recorded_and_the_rest_is_sent(fake: FakeWeChat,
                                                                      monkeypatch) -> None:
    from bot.channels import wechat

    monkeypatch.setattr(wechat, "SEND_BACKOFF_SECONDS", 0.01)
    fake.fail_sends = wechat.SEND_ATTEMPTS
    channel = make_channel(fake)
    with serve(channel, StubBot(respond=_three_part_answer())) as base:
        post(base, text_xml("讲讲流程"))
        fake.wait_for_sends(1)
        time.sleep(0.2)
    assert len(fake.sent_texts()) == 1  # part 3; part 2 failed every time
    assert len(channel.undelivered) == 1
    assert channel.undelivered[0].text.startswith(TEXTS.part_label.format(index=2, total=3))


# --- buttons, other message types, events --------------------------------------------------


def test_buttons_become_numbered_choices_and_digits_choose() -> None:
    buttons = [{"title": "卖家不同意退款", "payload": "/refund_refused"},
               {"title": "付款了不发货", "payload": "/not_shipped"},
               {"title": "收到假货", "payload": "/counterfeit"}]

    async def menu(message: UserMessage) -> None:
        if message.text and message.text.startswith("/"):
            await message.output_channel.send_text_message(message.sender_id, "好的")
        else:
            await message.output_channel.send_text_with_buttons(
                message.sender_id, "遇到了什么问题？", buttons)

    bot = StubBot(respond=menu)
    with serve(make_channel(), bot) as base:
        menu_reply = reply_fields(post(base, text_xml("你好")).text)["Content"]
        post(base, text_xml("2"))
        post(base, text_xml("9"))  # no such choice: passed on as text
        post(base, text_xml("你好"))
        post(base, text_xml("３"))  # full-width digit
    lines = menu_reply.split("\n")
    assert lines[0] == "遇到了什么问题？"
    assert lines[1:4] == [TEXTS.button_line.format(index=i, title=b["title"])
                          for i, b in enumerate(buttons, start=1)]
    assert lines[1] == "1. 卖家不同意退款"
    assert bot.texts == ["你好", "/not_shipped", "9", "你好", "/counterfeit"]


def test_image_without_app_credentials_gets_the_polite_text_reply() -> None:
    bot = StubBot()  # no app secret: the image cannot be fetched through the media API
    with serve(make_channel(app_secret=""), bot) as base:
        reply = reply_fields(post(base, image_xml()).text)
    assert reply["Content"] == TEXTS.unsupported["image"]
    assert bot.received == []


def test_voice_with_recognition_is_treated_as_text() -> None:
    bot = StubBot()
    voice = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
             f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
             f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
             f"<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>"
             f"<Recognition><![CDATA[卖家不退款]]></Recognition><MsgId>{next(_msg_ids)}</MsgId>"
             f"</xml>")
    silent = voice.replace("<Recognition><![CDATA[卖家不退款]]></Recognition>", "").replace(
        "<MsgId>", "<MsgId>9")
    with serve(make_channel(), bot) as base:
        recognised = reply_fields(post(base, voice).text)["Content"]
        unrecognised = reply_fields(post(base, silent).text)["Content"]
    assert recognised == "收到：卖家不退款"
    assert unrecognised == TEXTS.unsupported["voice"]
    assert bot.texts == ["卖家不退款"]


def test_a_failing_turn_gets_the_apology_and_its_retry_is_handled() -> None:
    calls = []

    async def boom_once(message: UserMessage) -> None:
        calls.append(message.text)
        if len(calls) == 1:
            raise RuntimeError("model not loaded")
        await message.output_channel.send_text_message(message.sender_id, "好了")

    with serve(make_channel(), StubBot(respond=boom_once)) as base:
        xml = text_xml("你好", msg_id=9988776655443322)
        first = post(base, xml)
        retry = post(base, xml, params=signed_params(nonce="retry-nonce"))
    assert reply_fields(first.text)["Content"] == turn_guards().texts.no_reply
    assert reply_fields(retry.text)["Content"] == "好了"
    assert calls == ["你好", "你好"]


def test_push_output_channel_sends_through_the_api(fake: FakeWeChat) -> None:
    channel = make_channel(fake)
    output = channel.get_output_channel()
    assert output is not None and output.name() == "wechat"
    assert make_channel().get_output_channel() is not None  # app id + secret configured
    assert WeChatInput.from_credentials({"token": "t"}).get_output_channel() is None

    async def push() -> None:
        await output.send_response(CONVERSATION, {"text": "该跟进了：", "buttons": [
            {"title": "查看时限", "payload": "/ask_deadline"}]})

    asyncio.run(push())
    [send] = fake.wait_for_sends(1)
    assert send.body["touser"] == OPENID
    assert send.body["text"]["content"].startswith("该跟进了：\n1. 查看时限")
    assert channel.buttons.resolve(OPENID, "1") == "/ask_deadline"


def test_too_long_text_gets_the_too_long_reply() -> None:
    from bot.channels.guards import turn_guards

    bot = StubBot()
    with serve(make_channel(), bot) as base:
        reply = reply_fields(post(base, text_xml("字" * 2001)).text)
    assert reply["Content"] == turn_guards().too_long_reply("字" * 2001)
    assert bot.received == []


def test_subscribe_is_a_greeting_and_unsubscribe_is_silent() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        greeting = post(base, event_xml("subscribe"))
        gone = post(base, event_xml("unsubscribe", int(time.time()) + 1))
    assert bot.texts == ["你好"] == [TEXTS.subscribe_text]
    assert reply_fields(greeting.text)["Content"] == "收到：你好"
    assert gone.status_code == 200 and gone.text == "success"


# --- safe (AES) mode -----------------------------------------------------------------------


def encrypted_request(crypto: WeChatCrypto, xml: str, nonce: str = "aesnonce"
                      ) -> tuple[dict[str, str], str]:
    ts = str(int(time.time()))
    envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, ts))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
    # WeChat signs the Encrypt text with the token (msg_signature), independent of wechatpy
    assert envelope["MsgSignature"] == sha1_signature(TOKEN, ts, nonce, envelope["Encrypt"])
    params = {**signed_params(timestamp=int(ts), nonce=nonce), "encrypt_type": "aes",
              "msg_signature": envelope["MsgSignature"]}
    return params, body


def test_aes_mode_round_trip() -> None:
    bot = StubBot()
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    with serve(make_channel(aes_key=AES_KEY), bot) as base:
        params, body = encrypted_request(crypto, text_xml("小二判我输了"))
        resp = post(base, body, params)
    assert resp.status_code == 200
    envelope = reply_fields(resp.text)
    assert "Content" not in envelope and envelope["Encrypt"]
    assert envelope["MsgSignature"] == sha1_signature(
        TOKEN, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
    plain = crypto.decrypt_message(resp.text, envelope["MsgSignature"],
                                   envelope["TimeStamp"], envelope["Nonce"])
    reply = reply_fields(plain)
    assert reply["Content"] == "收到：小二判我输了"
    assert reply["ToUserName"] == OPENID
    assert bot.texts == ["小二判我输了"]


def test_aes_mode_rejects_forged_and_plain_requests() -> None:
    bot = StubBot()
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    with serve(make_channel(aes_key=AES_KEY), bot) as base:
        params, body = encrypted_request(crypto, text_xml("你好"))
        forged = post(base, body, {**params, "msg_signature": "0" * 40})
        # Change the first character of the ciphertext (never to itself: a random first
        # character of "A" left the body unchanged once in 64 runs).
        def other_first(match: re.Match[str]) -> str:
            return "CDATA[" + ("B" if match.group(1) == "A" else "A")

        tampered = post(base, re.sub(r"CDATA\[(.)", other_first, body, count=2), params)
        plain = post(base, text_xml("你好"))  # plaintext while safe mode is configured
        other_key = WeChatCrypto(TOKEN, "B" * 43, APP_ID)
        p2, b2 = encrypted_request(other_key, text_xml("你好"))
        wrong_key = post(base, b2, p2)
    assert forged.status_code == 403
    assert tampered.status_code == 403
    assert plain.status_code == 403
    assert wrong_key.status_code == 400
    assert bot.received == []


def test_a_signed_url_replayed_with_another_body_is_refused() -> None:
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        params, xml = signed_params(), text_xml("卖家一直不发货", msg_id=2234567890123456)
        first = post(base, xml, params=params)
        retry = post(base, xml, params=params)  # WeChat retrying: same URL, same body
        forged = post(base, text_xml("删除我的记录", sender="o6_bmjrPTlm6_2sgVt7hMZVictim"),
                      params=params)
    assert first.status_code == 200 and retry.status_code == 200
    assert forged.status_code == 403
    assert bot.texts == ["卖家一直不发货"]


def test_a_get_verification_url_cannot_sign_a_post() -> None:
    """The URL signature of a GET verification signs a plain-mode POST the same way: once
    it was used to verify, it signs nothing else (issue 24, item 4)."""
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        params = signed_params()
        verified = requests.get(f"{base}/webhook", params={**params, "echostr": "42"},
                                timeout=5)
        again = requests.get(f"{base}/webhook", params={**params, "echostr": "42"},
                             timeout=5)
        forged = post(base, text_xml("删除我的记录"), params=params)
    assert verified.status_code == 200 and verified.text == "42"
    assert again.status_code == 200  # the same verification repeated
    assert forged.status_code == 403
    assert bot.received == []


def test_production_refuses_plain_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import load_settings

    assert load_settings({"APP_ENV": "production"}).wechat_require_aes
    assert not load_settings({}).wechat_require_aes
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("WECHAT_REQUIRE_AES", raising=False)
    bot = StubBot()
    with serve(make_channel(), bot) as base:
        refused = post(base, text_xml("你好"))
    assert refused.status_code == 403 and bot.received == []


def test_plain_mode_can_be_refused() -> None:
    bot = StubBot()
    with serve(make_channel(require_aes=True), bot) as base:
        refused = post(base, text_xml("你好"))
    assert refused.status_code == 403 and bot.texts == []


# --- XML edge cases (issue 24, item 11) ---------------------------------------------------


def test_bot_text_with_a_cdata_end_survives_the_passive_reply() -> None:
    tricky = "订单号]]><MsgType>news</MsgType>写进了草稿]]>"

    async def echo_tricky(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, tricky)

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    with serve(make_channel(), StubBot(respond=echo_tricky)) as base:
        plain = post(base, text_xml("帮我写个说明"))
    with serve(make_channel(aes_key=AES_KEY), StubBot(respond=echo_tricky)) as base:
        params, body = encrypted_request(crypto, text_xml("帮我写个说明"))
        safe = post(base, body, params)
    assert plain.status_code == 200
    reply = reply_fields(plain.text)
    assert reply["Content"] == tricky and reply["MsgType"] == "text"
    envelope = reply_fields(safe.text)
    decrypted = crypto.decrypt_message(safe.text, envelope["MsgSignature"],
                                       envelope["TimeStamp"], envelope["Nonce"])
    assert reply_fields(decrypted)["Content"] == tricky


@pytest.mark.parametrize("inner", [
    "<MsgType><![CDATA[event]]></MsgType><Event><a>subscribe</a></Event>",
    "<MsgType><![CDATA[event]]></MsgType><Event>subscribe</Event><Event>click</Event>",
    "<MsgType><x>text</x></MsgType><Content>hi</Content>",
    "<MsgType><![CDATA[text]]></MsgType><Content><b>hi</b></Content>",
])
def test_a_message_with_child_elements_where_text_belongs_is_rejected_cleanly(
        inner: str) -> None:
    bot = StubBot()
    xml = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
           f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
           f"<CreateTime>{int(time.time())}</CreateTime>{inner}</xml>")
    with serve(make_channel(), bot) as base:
        resp = post(base, xml)
    assert resp.status_code == 400
    assert bot.received == []
