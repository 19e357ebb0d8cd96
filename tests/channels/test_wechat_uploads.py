"""WeChat image messages: fetched through wechatpy's media API, stored under the
conversation, read, and answered through the customer-service API; refusals said."""

from __future__ import annotations

from pathlib import Path

from tests.channels.fake_wechat import FakeWeChat
from tests.channels.test_upload_channel import _png, _uploads
from tests.channels.test_wechat_channel import (
    OPENID,
    TEXTS,
    StubBot,
    image_xml,
    make_channel,
    post,
    reply_fields,
    sanic_test_mode,  # noqa: F401 - the module's fixture
    serve,
)
from tests.fixtures import hostile


def test_an_image_is_fetched_read_and_answered(tmp_path: Path) -> None:
    bot = StubBot()
    with FakeWeChat() as fake:
        fake.media["media1"] = _png()
        channel = make_channel(fake, _uploads=_uploads(tmp_path))
        with serve(channel, bot) as base:
            reply = reply_fields(post(base, image_xml()).text)
            [send] = fake.wait_for_sends(1, timeout=15)
        assert reply["Content"] == TEXTS.unsupported["image_reading"]
        assert [c.params for c in fake.calls if c.path == "/cgi-bin/media/get"] == [
            {"media_id": "media1"}]
    [message] = bot.received
    assert message.text.startswith("/upload_evidence{") and "4012345678901234567" in message.text
    assert message.sender_id == f"wx-{OPENID}"
    assert send.body["touser"] == OPENID and "/upload_evidence" in send.body["text"]["content"]
    assert len(list(tmp_path.rglob("*.png"))) == 1


def test_a_hostile_image_message_is_refused_and_not_stored(tmp_path: Path) -> None:
    bot = StubBot()
    with FakeWeChat() as fake:
        fake.media["media1"] = hostile.renamed_executable()
        with serve(make_channel(fake, _uploads=_uploads(tmp_path)), bot) as base:
            post(base, image_xml())
            [send] = fake.wait_for_sends(1, timeout=15)
    assert "不是图片" in send.body["text"]["content"]
    assert bot.received == [] and not list(tmp_path.rglob("*.*"))


def test_an_image_the_media_api_will_not_give_is_said(tmp_path: Path) -> None:
    bot = StubBot()
    with FakeWeChat() as fake:  # no media: the API answers errcode 40066
        with serve(make_channel(fake, _uploads=_uploads(tmp_path)), bot) as base:
            post(base, image_xml())
            [send] = fake.wait_for_sends(1, timeout=15)
    assert "打不开" in send.body["text"]["content"] and bot.received == []
