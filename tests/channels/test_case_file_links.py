"""The case file's PDF on WeChat: a link signed for one conversation that expires
(bot/channels/case_files.py), added to the reply when PUBLIC_BASE_URL is set, and served
only for a valid token of a WeChat conversation."""

from __future__ import annotations

import asyncio

import pytest
import requests
from rasa.shared.core.events import BotUttered

from bot.channels.case_files import CaseFileLinks
from bot.channels.wechat import WeChatInput
from tests.channels.sanic_server import serve
from tests.channels.test_web_channel import CASE_FILE, StubAgent

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
SECRET = b"k" * 32


def test_a_token_names_its_conversation_until_it_expires():
    now = [1_000_000.0]
    links = CaseFileLinks(SECRET, hours=24, clock=lambda: now[0])
    token = links.token(f"wx-{OPENID}")
    assert links.conversation(token) == f"wx-{OPENID}"
    now[0] += 24 * 3600 + 1
    assert links.conversation(token) is None


@pytest.mark.parametrize("forge", [
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # signature changed
    lambda t: "d3gtb3RoZXI." + t.split(".", 1)[1],  # another conversation
    lambda t: "not-a-token", lambda t: "",
])
def test_a_forged_token_names_nothing(forge):
    links = CaseFileLinks(SECRET)
    assert links.conversation(forge(links.token(f"wx-{OPENID}"))) is None


def test_the_reply_carries_the_link_only_where_users_can_reach_us(monkeypatch):
    channel = WeChatInput(token="t")
    mark = [{"text": CASE_FILE}, {"custom": {"case_file": "pdf"}}]
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    assert channel._with_case_file_link(OPENID, mark) == [{"text": CASE_FILE}]
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example/")
    shown = channel._with_case_file_link(OPENID, mark)
    assert shown[0] == {"text": CASE_FILE}
    assert "https://bot.example/webhooks/wechat/case-file/" in shown[1]["text"]
    token = shown[1]["text"].rsplit("/", 1)[1]
    assert channel.case_file_links.conversation(token) == f"wx-{OPENID}"


def test_the_link_serves_that_conversations_pdf_and_nothing_else():
    agent, channel = StubAgent(), WeChatInput(token="t")
    tracker = agent.tracker_store.init_tracker(f"wx-{OPENID}")
    tracker.update(BotUttered(CASE_FILE, {"custom": {"case_file": "pdf"}}))
    asyncio.run(agent.tracker_store.save(tracker))
    with serve([channel], agent) as url:
        base = f"{url}/webhooks/wechat/case-file"
        good = requests.get(f"{base}/{channel.case_file_links.token(f'wx-{OPENID}')}",
                            timeout=30)
        assert good.status_code == 200 and good.content.startswith(b"%PDF")
        web = channel.case_file_links.token("web-0123456789abcdef0123456789abcdef")
        assert requests.get(f"{base}/{web}", timeout=10).status_code == 403
        assert requests.get(f"{base}/forged.1.abc", timeout=10).status_code == 403
