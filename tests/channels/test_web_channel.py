"""The web chat channel over HTTP: a real Sanic server with the channel mounted by Rasa's own
``register`` and a stub agent (no trained model) writing to Rasa's InMemoryTrackerStore.

``StubAgent`` and ``serve`` are also used by tests/channels/test_console_channel.py and
tests/browser/.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.channels.web import HISTORY_LIMIT, SESSION_HEADER, WebChatInput
from bot.channels.web_session import KEY_PATTERN, SessionKeys, session_keys
from tests.channels.sanic_server import serve

# --- a stub agent ----------------------------------------------------------------------------

STUB_DOMAIN = """
version: "3.1"
intents: [greet, refund_refused, not_shipped, request_draft, inform]
entities: [amount]
slots:
  amount:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: amount
"""

GREETING = "你好，我是维权向导。说说遇到了什么问题？"
GREET_BUTTONS = [
    {"title": "卖家不同意退款", "payload": "/refund_refused"},
    {"title": "付款了不发货", "payload": "/not_shipped"},
]
REFUND_REPLY = "卖家拒绝退款时，先在订单详情里申请“平台介入”，并保存好聊天记录。"
DRAFT = (
    "关于订单的投诉\n\n"
    "订单号：1234567890123456\n"
    "商品：羽绒服\n"
    "金额：299元\n\n"
    "情况说明：我于11月3日付款，卖家至今未发货，多次联系没有答复。"
    "按照平台规则，卖家应在承诺时间内发货，请平台督促卖家退款并按规则赔付。\n\n"
    "投诉人：张三"
)
CASE_FILE = ("案件材料：卖家拒绝或拖延退款\n【订单】\n订单号：4817263950018273\n【时间线】\n"
             "2026年11月18日，我申请退款")
HTML_REPLY = '<script>alert(1)</script><b>粗体</b><img src=x onerror="alert(2)">'
AMOUNT = re.compile(r"(\d+)\s*元")


def stub_parse(text: str) -> dict[str, Any]:
    """Deterministic NLU: payloads, then a few keywords; rankings look like a real classifier's."""
    if text.startswith("/"):
        name = text[1:].split("{", 1)[0]
        ranking = [{"name": name, "confidence": 1.0}]
    elif "退款" in text:
        ranking = [{"name": "refund_refused", "confidence": 0.91},
                   {"name": "not_shipped", "confidence": 0.06},
                   {"name": "greet", "confidence": 0.03}]
    elif "草稿" in text:
        ranking = [{"name": "request_draft", "confidence": 0.88},
                   {"name": "inform", "confidence": 0.12}]
    else:
        ranking = [{"name": "inform", "confidence": 0.55},
                   {"name": "greet", "confidence": 0.45}]
    entities = [
        {"entity": "amount", "value": f"{m.group(1)}元", "start": m.start(), "end": m.end(),
         "extractor": "StubRuler"}
        for m in AMOUNT.finditer(text)
    ]
    return {"text": text, "intent": ranking[0], "intent_ranking": ranking,
            "entities": entities}


def stub_replies(text: str, intent: str) -> list[tuple[str, dict[str, Any]]]:
    """(action name, bot message) pairs the stub answers with."""
    if intent == "greet":
        return [("utter_greet", {"text": GREETING, "buttons": GREET_BUTTONS})]
    if intent == "refund_refused":
        return [("action_open_case", {"text": REFUND_REPLY})]
    if intent == "request_draft":
        return [("utter_draft_header", {"text": "下面是草稿："}),
                ("action_draft_complaint", {"text": DRAFT})]
    if "案件材料" in text:
        return [("action_draft_complaint", {"text": CASE_FILE, "custom": {"case_file": "pdf"}})]
    if "html" in text:
        return [("utter_html", {"text": HTML_REPLY})]
    return [("utter_echo", {"text": f"收到：{text}"})]


class StubAgent:
    """Stands in for ``rasa.core.agent.Agent``: ``handle_message``, ``is_ready`` and a real
    ``InMemoryTrackerStore`` that records the events a Rasa processor would."""

    def __init__(self, ready: bool = True, max_delay: float = 0.0) -> None:
        self.domain = Domain.from_yaml(STUB_DOMAIN)
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.ready = ready
        self.max_delay = max_delay
        self.received: list[UserMessage] = []
        self.fail_on: str | None = None
        self.fixed_delay = 0.0

    def is_ready(self) -> bool:
        return self.ready

    async def parse_message(self, text: str) -> dict[str, Any]:
        return stub_parse(text)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.fail_on is not None and message.text == self.fail_on:
            raise RuntimeError("stub failure")
        store = self.tracker_store
        tracker = await store.retrieve(message.sender_id)
        if tracker is None:
            tracker = store.init_tracker(message.sender_id)
            for event in (ActionExecuted("action_session_start"), SessionStarted(),
                          ActionExecuted("action_listen")):
                tracker.update(event)
        parse = stub_parse(message.text)
        tracker.update(UserUttered(message.text, parse["intent"], parse["entities"], parse,
                                   input_channel=message.input_channel,
                                   metadata=message.metadata))
        for entity in parse["entities"]:
            tracker.update(SlotSet(entity["entity"], entity["value"]))
        if self.max_delay:
            await asyncio.sleep(random.uniform(0, self.max_delay))
        if self.fixed_delay:
            await asyncio.sleep(self.fixed_delay)
        for action, reply in stub_replies(message.text, parse["intent"]["name"]):
            tracker.update(ActionExecuted(action, policy="StubPolicy", confidence=0.97))
            data = {"buttons": reply["buttons"]} if reply.get("buttons") else {}
            if reply.get("custom"):
                data["custom"] = reply["custom"]
            tracker.update(BotUttered(reply["text"], data))
            await message.output_channel.send_response(message.sender_id, dict(reply))
            if self.max_delay:
                await asyncio.sleep(random.uniform(0, self.max_delay))
        tracker.update(ActionExecuted("action_listen", policy="StubPolicy", confidence=0.99))
        await store.save(tracker)




# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent() -> StubAgent:
    return StubAgent(max_delay=0.02)


@pytest.fixture(scope="module")
def base(agent: StubAgent) -> Iterator[str]:
    with serve([WebChatInput()], agent) as url:
        yield f"{url}/webhooks/web"


def new_sender() -> str:
    """A fresh session key, as ``POST /session`` issues it (same process, same secret)."""
    return session_keys().issue()


def session_id(key: str) -> str:
    return key.split(".", 1)[0]


def web_headers(key: str | None = None) -> dict[str, str]:
    """The header that carries a session key (a new one by default)."""
    return {SESSION_HEADER: key or new_sender()}


def post(base: str, body: Any, **kwargs: Any) -> requests.Response:
    """POST to the webhook; a ``sender`` in ``body`` is sent as the session header."""
    body = dict(body)
    key = body.pop("sender", None) or new_sender()
    headers = {**web_headers(key), **kwargs.pop("headers", {})}
    return requests.post(f"{base}/webhook", json=body, headers=headers, timeout=10, **kwargs)


def history(base: str, key: str) -> requests.Response:
    return requests.get(f"{base}/history", headers=web_headers(key), timeout=10)


# --- the page ----------------------------------------------------------------------------------


def test_channel_name_and_credentials() -> None:
    assert WebChatInput.name() == "web"
    assert WebChatInput.from_credentials(None).frame_ancestors == "'self'"
    assert "frame-ancestors 'self'" in WebChatInput().page_headers()["Content-Security-Policy"]
    channel = WebChatInput.from_credentials({"frame_ancestors": "https://shop.example"})
    assert "frame-ancestors https://shop.example" in channel.page_headers()[
        "Content-Security-Policy"]


def test_page_is_served_with_its_assets(base: str) -> None:
    page = requests.get(f"{base}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "维权向导" in page.text
    assert 'src="widget.js"' in page.text and 'href="widget.css"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for name, kind in (("widget.js", "text/javascript"), ("widget.css", "text/css"),
                       ("embed.js", "text/javascript")):
        asset = requests.get(f"{base}/{name}", timeout=10)
        assert asset.status_code == 200, name
        assert asset.headers["content-type"].startswith(kind), name
    assert "innerHTML" not in requests.get(f"{base}/widget.js", timeout=10).text


def test_page_without_trailing_slash_redirects_so_relative_urls_work(base: str) -> None:
    page = requests.get(base, timeout=10, allow_redirects=False)
    assert page.status_code in (301, 302, 307, 308)
    assert page.headers["location"].endswith("/webhooks/web/")
    assert requests.get(base, timeout=10).text.startswith("<!doctype html>")


def test_unknown_asset_is_not_served(base: str) -> None:
    assert requests.get(f"{base}/../web.py", timeout=10).status_code == 404
    assert requests.get(f"{base}/secret.txt", timeout=10).status_code == 404


# --- the webhook -------------------------------------------------------------------------------


def test_round_trip_returns_text_and_buttons(base: str, agent: StubAgent) -> None:
    sender = new_sender()
    res = post(base, {"sender": sender, "message": "/greet"})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/json")
    assert res.json() == [{"text": GREETING, "buttons": GREET_BUTTONS}]
    message = agent.received[-1]
    assert message.sender_id == f"web-{session_id(sender)}"
    assert message.input_channel == "web"


def test_drafts_are_not_split_at_blank_lines(base: str) -> None:
    res = post(base, {"sender": new_sender(), "message": "帮我写个草稿"})
    assert res.status_code == 200
    assert [m["text"] for m in res.json()] == ["下面是草稿：", DRAFT]


def test_html_in_a_bot_message_is_returned_as_data(base: str) -> None:
    res = post(base, {"sender": new_sender(), "message": "show html"})
    assert res.status_code == 200
    assert res.json() == [{"text": HTML_REPLY}]
    # JSON, not a page: the browser never parses it as HTML
    assert res.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"not json at all", {"Content-Type": "application/json"}, 400, "bad_json"),
        (b'["a list"]', {"Content-Type": "application/json"}, 400, "bad_json"),
        (b'{"sender": "a", "message": "hi"}', {"Content-Type": "text/plain"}, 400,
         "bad_content_type"),
        (b'{"sender": "a", "message": "hi"}', {}, 400, "bad_content_type"),
        (b'{"sender": "a"}', {"Content-Type": "application/json"}, 400, "missing_message"),
        (b'{"sender": "a", "message": ""}', {"Content-Type": "application/json"}, 400,
         "missing_message"),
        (b'{"sender": "a", "message": "   "}', {"Content-Type": "application/json"}, 400,
         "missing_message"),
        (b'{"sender": "a", "message": 5}', {"Content-Type": "application/json"}, 400,
         "missing_message"),
        (b'{"sender": "a", "message": "hi", "display": 3}',
         {"Content-Type": "application/json"}, 400, "bad_display"),
        (b'{"sender": "a", "message": "' + b"x" * 70_000 + b'"}',
         {"Content-Type": "application/json"}, 413, "body_too_large"),
    ],
)
def test_bad_input_gets_a_json_error(base: str, agent: StubAgent, body: bytes,
                                     headers: dict[str, str], status: int, code: str) -> None:
    before = len(agent.received)
    res = requests.post(f"{base}/webhook", data=body, headers={**headers, **web_headers()},
                        timeout=10)
    assert res.status_code == status
    assert res.json()["error"] == code
    assert res.json()["detail"]
    assert len(agent.received) == before, "a bad request must not reach the bot"


def test_limits_are_inclusive(base: str) -> None:
    assert post(base, {"message": "长" * 2000}).status_code == 200


def test_bot_failure_is_a_500_with_json(base: str, agent: StubAgent) -> None:
    agent.fail_on = "boom"
    try:
        res = post(base, {"sender": new_sender(), "message": "boom"})
    finally:
        agent.fail_on = None
    assert res.status_code == 500
    assert res.json()["error"] == "bot_error"


def test_not_ready_agent_gets_503() -> None:
    with serve([WebChatInput()], StubAgent(ready=False)) as url:
        res = post(f"{url}/webhooks/web", {"message": "hi"})
    assert res.status_code == 503
    assert res.json()["error"] == "not_ready"


# --- history -----------------------------------------------------------------------------------


def test_history_after_two_messages(base: str) -> None:
    sender = new_sender()
    post(base, {"sender": sender, "message": "/greet", "hidden": True})
    post(base, {"sender": sender, "message": "/refund_refused", "display": "卖家不同意退款"})
    post(base, {"sender": sender, "message": "我付了299元"})
    res = history(base, sender)
    assert res.status_code == 200
    shown = [{k: v for k, v in m.items() if k != "timestamp"} for m in res.json()]
    assert shown == [
        {"sender": "bot", "text": GREETING, "buttons": GREET_BUTTONS},
        {"sender": "user", "text": "卖家不同意退款"},
        {"sender": "bot", "text": REFUND_REPLY},
        {"sender": "user", "text": "我付了299元"},
        {"sender": "bot", "text": "收到：我付了299元"},
    ]
    assert all(isinstance(m["timestamp"], float) for m in res.json())


def test_history_of_a_new_session_is_empty(base: str) -> None:
    res = history(base, new_sender())
    assert res.status_code == 200
    assert res.json() == []


def test_history_keeps_the_last_100_messages(base: str) -> None:
    sender = new_sender()
    for number in range(55):
        assert post(base, {"sender": sender, "message": f"第{number}条"}).status_code == 200
    shown = history(base, sender).json()
    assert len(shown) == HISTORY_LIMIT == 100
    assert shown[-1]["text"] == "收到：第54条"
    assert shown[0] == {"sender": "user", "text": "第5条", "timestamp": shown[0]["timestamp"]}


# --- concurrency -------------------------------------------------------------------------------


def test_50_concurrent_senders_get_only_their_own_replies(base: str) -> None:
    senders = [new_sender() for _ in range(50)]

    def talk(sender: str) -> tuple[str, list[str]]:
        res = post(base, {"sender": sender, "message": f"我是{sender}"})
        assert res.status_code == 200
        return sender, [m["text"] for m in res.json()]

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(talk, senders))

    for sender, texts in results:
        assert texts == [f"收到：我是{sender}"]
    for sender in random.sample(senders, 5):
        shown = history(base, sender).json()
        assert [m["text"] for m in shown] == [f"我是{sender}", f"收到：我是{sender}"]


def test_a_message_over_the_cap_is_answered_and_not_processed(base: str, agent: StubAgent) -> None:
    before = len(agent.received)
    res = post(base, {"message": "长" * 2001})
    assert res.status_code == 200
    assert "2000" in res.json()[0]["text"] and "2001" in res.json()[0]["text"]
    assert len(agent.received) == before, "an over-long message must not reach the bot"


# --- session keys (issue 24, item 6) -------------------------------------------------------


def test_the_server_issues_session_keys_of_128_bits(base: str) -> None:
    keys = [requests.post(f"{base}/session", timeout=10).json()["session"] for _ in range(2)]
    assert keys[0] != keys[1]
    for key in keys:
        match = KEY_PATTERN.fullmatch(key)
        assert match is not None and len(match["id"]) * 4 >= 128
    res = post(base, {"sender": keys[0], "message": "你好"})
    assert res.status_code == 200
    assert KEY_PATTERN.fullmatch(res.headers[SESSION_HEADER])  # renewed on every answer


def test_a_browser_chosen_forged_or_url_key_is_refused(base: str, agent: StubAgent) -> None:
    """The sender id used to be a permanent bearer key the browser chose (1 character was
    enough) and sent in the URL."""
    before = len(agent.received)
    key = new_sender()
    forged = "0" * 32 + key[32:]  # another id under the same signature
    for headers, code in (({}, "no_session"), ({SESSION_HEADER: "a"}, "bad_session"),
                          ({SESSION_HEADER: forged}, "bad_session")):
        res = requests.post(f"{base}/webhook", json={"sender": "a", "message": "hi"},
                            headers=headers, timeout=10)
        assert (res.status_code, res.json()["error"]) == (401, code)
        assert requests.get(f"{base}/history", headers=headers,
                            timeout=10).status_code == 401
    in_url = requests.get(f"{base}/history", params={"sender": key, "session": key},
                          timeout=10)
    assert in_url.status_code == 401
    assert len(agent.received) == before


def test_a_key_expires_after_inactivity(agent: StubAgent) -> None:
    now = [1_000_000.0]
    keys = SessionKeys(secret=b"s" * 32, idle_seconds=600, clock=lambda: now[0])
    with serve([WebChatInput(keys=keys)], agent) as url:
        web = f"{url}/webhooks/web"
        key = keys.issue()
        now[0] += 590
        renewed = post(web, {"sender": key, "message": "你好"}).headers[SESSION_HEADER]
        now[0] += 590  # the old key has been idle 1,180 s, the renewed one 590 s
        assert post(web, {"sender": key, "message": "你好"}).json()["error"] == \
            "session_expired"
        assert post(web, {"sender": renewed, "message": "你好"}).status_code == 200


def test_history_shows_the_current_session_only(base: str, agent: StubAgent) -> None:
    key = new_sender()
    post(base, {"sender": key, "message": "上一次说的话"})

    async def new_rasa_session() -> None:
        tracker = await agent.tracker_store.retrieve(f"web-{session_id(key)}")
        for event in (ActionExecuted("action_session_start"), SessionStarted(),
                      ActionExecuted("action_listen")):
            tracker.update(event)
        await agent.tracker_store.save(tracker)

    asyncio.run(new_rasa_session())
    post(base, {"sender": key, "message": "这一次"})
    assert [m["text"] for m in history(base, key).json()] == ["这一次", "收到：这一次"]


def test_deleting_the_session_erases_the_conversation_and_its_cases(agent: StubAgent) -> None:
    erased: list[str] = []

    def erase_cases(conversation_id: str) -> int:
        erased.append(conversation_id)
        return 1

    with serve([WebChatInput(erase_cases=erase_cases)], agent) as url:
        web = f"{url}/webhooks/web"
        key = new_sender()
        post(web, {"sender": key, "message": "订单号1234567890123456"})
        assert history(web, key).json()
        assert requests.delete(f"{web}/session", timeout=10).status_code == 401
        res = requests.delete(f"{web}/session", headers=web_headers(key), timeout=10)
        assert res.status_code == 200 and res.json() == {"deleted": True}
        assert erased == [f"web-{session_id(key)}"]
        assert history(web, key).json() == []


# --- the case file's PDF -------------------------------------------------------------------


def case_file_pdf(base: str, key: str | None) -> requests.Response:
    headers = web_headers(key) if key else {}
    return requests.get(f"{base}/case-file.pdf", headers=headers, timeout=30)


def test_the_case_file_comes_with_its_download_mark(base: str) -> None:
    key = new_sender()
    replies = post(base, {"sender": key, "message": "帮我整理案件材料"}).json()
    assert replies[0]["text"] == CASE_FILE
    assert replies[1] == {"custom": {"case_file": "pdf"}}
    shown = history(base, key).json()
    assert shown[-1]["custom"] == {"case_file": "pdf"} and shown[-2]["text"] == CASE_FILE


def test_the_case_file_pdf_is_served_to_its_own_session_only(base: str) -> None:
    key = new_sender()
    post(base, {"sender": key, "message": "帮我整理案件材料"})
    own = case_file_pdf(base, key)
    assert own.status_code == 200 and own.headers["content-type"] == "application/pdf"
    assert own.content.startswith(b"%PDF") and "no-store" in own.headers["cache-control"]
    assert case_file_pdf(base, new_sender()).status_code == 404  # another session: none
    assert case_file_pdf(base, None).status_code == 401


def test_no_case_file_yet_is_a_404_with_a_reason(base: str) -> None:
    key = new_sender()
    post(base, {"sender": key, "message": "你好"})
    answer = case_file_pdf(base, key)
    assert answer.status_code == 404 and answer.json()["error"] == "no_case_file"
