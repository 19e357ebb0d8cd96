"""The agent console over HTTP, with the stub agent from test_web_channel (no trained model)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import yaml

from bot.channels.console import AgentConsoleInput
from bot.channels.web import WebChatInput
from tests.channels.sanic_server import serve
from tests.channels.test_web_channel import (
    DRAFT,
    GREETING,
    REFUND_REPLY,
    StubAgent,
    web_headers,
)

TOKEN = "console-secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def agent() -> StubAgent:
    return StubAgent()


@pytest.fixture(scope="module")
def root(agent: StubAgent) -> Iterator[str]:
    with serve([WebChatInput(), AgentConsoleInput(token=TOKEN)], agent) as url:
        yield url


@pytest.fixture(scope="module")
def base(root: str) -> str:
    return f"{root}/webhooks/console"


def try_message(base: str, message: str, **extra: str) -> requests.Response:
    return requests.post(f"{base}/try", json={"message": message, **extra}, headers=AUTH,
                         timeout=10)


# --- configuration and the page ------------------------------------------------------------------


def test_the_console_has_its_own_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "admin")
    monkeypatch.setenv("CONSOLE_TOKEN", "agents")
    assert AgentConsoleInput.name() == "console"
    assert AgentConsoleInput.from_credentials(None).token == "agents"
    assert AgentConsoleInput.from_credentials({"token": "explicit"}).token == "explicit"
    monkeypatch.setenv("CONSOLE_TOKEN", "")
    assert AgentConsoleInput.from_credentials({}).token is None  # the admin token is not it
    monkeypatch.setenv("CONSOLE_TOKEN", "admin")
    assert AgentConsoleInput.from_credentials({}).token is None  # the same token: closed


def test_page_is_served_without_a_token(base: str) -> None:
    page = requests.get(f"{base}/", timeout=10)
    assert page.status_code == 200
    assert "坐席控制台" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for name in ("console.js", "console.css"):
        assert requests.get(f"{base}/{name}", timeout=10).status_code == 200
    assert "innerHTML" not in requests.get(f"{base}/console.js", timeout=10).text


# --- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/try"), ("GET", "/conversation/web-x"), ("GET", "/conversation/web-x/story")],
)
def test_401_without_or_with_a_wrong_token(base: str, agent: StubAgent, method: str,
                                           path: str) -> None:
    before = len(agent.received)
    body = {"message": "你好"} if method == "POST" else None
    for kwargs in (
        {},
        {"headers": {"Authorization": "Bearer wrong"}},
        {"headers": {"Authorization": f"Basic {TOKEN}"}},
        {"headers": {"Authorization": "Bearer "}},
        {"params": {"token": "wrong"}},
        {"params": {"token": TOKEN[:-1]}},
        {"params": {"token": "令牌"}},
    ):
        res = requests.request(method, f"{base}{path}", json=body, timeout=10, **kwargs)
        assert res.status_code == 401, kwargs
        assert res.json()["error"] == "unauthorized"
    assert len(agent.received) == before


def test_token_in_the_query_string_is_refused(base: str) -> None:
    res = requests.post(f"{base}/try", params={"token": TOKEN}, json={"message": "/greet"},
                        timeout=10)
    assert res.status_code == 401


def test_503_when_no_token_is_configured(agent: StubAgent) -> None:
    with serve([AgentConsoleInput(token=None)], agent) as url:
        base = f"{url}/webhooks/console"
        for method, path in (("POST", "/try"), ("GET", "/conversation/x"),
                             ("GET", "/conversation/x/story")):
            for headers in ({}, AUTH, {"Authorization": "Bearer "}):
                res = requests.request(method, f"{base}{path}", json={"message": "hi"},
                                       headers=headers, timeout=10)
                assert res.status_code == 503
                assert res.json()["error"] == "console_disabled"
                assert "CONSOLE_TOKEN" in res.json()["detail"]
        assert requests.get(f"{base}/", timeout=10).status_code == 200


# --- try a message ------------------------------------------------------------------------------


def test_try_returns_ranking_entities_actions_and_replies(base: str, agent: StubAgent) -> None:
    res = try_message(base, "卖家不同意退款，我付了299元")
    assert res.status_code == 200
    data = res.json()
    assert data["conversation_id"].startswith("console-")
    assert agent.received[-1].sender_id == data["conversation_id"]
    assert agent.received[-1].input_channel == "console"
    assert data["intent"] == {"name": "refund_refused", "confidence": 0.91}
    assert [(i["name"], i["confidence"]) for i in data["intent_ranking"]] == [
        ("refund_refused", 0.91), ("not_shipped", 0.06), ("greet", 0.03)]
    assert data["entities"] == [{"entity": "amount", "value": "299元", "start": 11, "end": 15,
                                 "extractor": "StubRuler"}]
    assert data["actions"] == [{"name": "action_open_case", "policy": "StubPolicy",
                                "confidence": 0.97}]
    assert data["slots"] == {"amount": "299元"}
    assert data["replies"] == [{"text": REFUND_REPLY}]


def test_try_shows_the_case_state_with_each_facts_turn(base: str) -> None:
    state = try_message(base, "卖家不同意退款，我付了299元，11月16号申请的退款").json()["state"]
    assert state["case_type"] == "refund_refused" and state["role"] == "buyer"
    rows = {row["fact"]: row for row in state["facts"]}
    assert rows["金额"]["value"] == "299" and rows["金额"]["turn"] == 1
    assert rows["申请退款"]["value"].endswith("-11-16")
    assert any("申请客服介入" in outcome for outcome in rows["申请退款"]["dates"])


def test_each_try_is_a_new_throw_away_conversation(base: str) -> None:
    first = try_message(base, "/greet").json()
    second = try_message(base, "/greet").json()
    assert first["conversation_id"] != second["conversation_id"]
    assert first["replies"][0]["text"] == GREETING
    assert first["replies"][0]["buttons"][0]["payload"] == "/refund_refused"


def test_try_can_continue_a_console_conversation(base: str) -> None:
    first = try_message(base, "/greet").json()
    again = try_message(base, "帮我写个草稿", sender=first["conversation_id"]).json()
    assert again["conversation_id"] == first["conversation_id"]
    assert [a["name"] for a in again["actions"]] == ["utter_draft_header",
                                                    "action_draft_complaint"]
    assert again["replies"][1]["text"] == DRAFT
    # a sender outside the console namespace is put into it
    other = try_message(base, "/greet", sender="web-someone").json()
    assert other["conversation_id"] == "console-web-someone"


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"message": ""}, 400), ({"message": "hi", "sender": "bad id"}, 400)],
)
def test_try_validates_input(base: str, body: dict[str, str], status: int) -> None:
    res = requests.post(f"{base}/try", json=body, headers=AUTH, timeout=10)
    assert res.status_code == status
    res = requests.post(f"{base}/try", data="nope", headers={**AUTH,
                        "Content-Type": "application/json"}, timeout=10)
    assert res.status_code == 400


def test_try_without_a_model_is_503() -> None:
    with serve([AgentConsoleInput(token=TOKEN)], StubAgent(ready=False)) as url:
        res = try_message(f"{url}/webhooks/console", "你好")
    assert res.status_code == 503
    assert res.json()["error"] == "not_ready"


# --- conversations ------------------------------------------------------------------------------


def web_conversation(root: str) -> str:
    """Hold a short conversation over the web channel; returns its conversation id."""
    key = requests.post(f"{root}/webhooks/web/session", timeout=10).json()["session"]
    for body in ({"message": "/greet", "hidden": True},
                 {"message": "/refund_refused", "display": "卖家不同意退款"},
                 {"message": "我付了299元"}):
        res = requests.post(f"{root}/webhooks/web/webhook", json=body,
                            headers=web_headers(key), timeout=10)
        assert res.status_code == 200
    return f"web-{key.split('.')[0]}"


def test_conversation_summary(root: str, base: str) -> None:
    conversation_id = web_conversation(root)
    res = requests.get(f"{base}/conversation/{conversation_id}", headers=AUTH, timeout=10)
    assert res.status_code == 200
    data = res.json()
    assert data["conversation_id"] == conversation_id
    assert data["slots"] == {"amount": "299元"}
    assert data["latest_intent"] == {"name": "inform", "confidence": 0.55}
    users = [e for e in data["events"] if e["type"] == "user"]
    assert [(u["text"], u["intent"]["name"]) for u in users] == [
        ("/greet", "greet"), ("/refund_refused", "refund_refused"), ("我付了299元", "inform")]
    assert users[2]["entities"][0]["value"] == "299元"
    bots = [e for e in data["events"] if e["type"] == "bot"]
    assert bots[0]["text"] == GREETING and bots[0]["buttons"] == ["卖家不同意退款", "付款了不发货"]
    actions = [e["name"] for e in data["events"] if e["type"] == "action"]
    assert "action_open_case" in actions and "utter_greet" in actions
    assert {"type": "slot", "name": "amount", "value": "299元"} in [
        {k: v for k, v in e.items() if k != "timestamp"} for e in data["events"]]
    assert data["events"][0]["type"] == "action"  # action_session_start


def test_unknown_conversation_is_404(base: str) -> None:
    for path in ("/conversation/nobody-here", "/conversation/nobody-here/story"):
        res = requests.get(f"{base}{path}", headers=AUTH, timeout=10)
        assert res.status_code == 404
        assert res.json()["error"] == "not_found"


def test_story_export_is_a_valid_test_story(root: str, base: str) -> None:
    conversation_id = web_conversation(root)
    res = requests.get(f"{base}/conversation/{conversation_id}/story", headers=AUTH,
                       timeout=10)
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/x-yaml")
    assert f'filename="{conversation_id}.yml"' in res.headers["content-disposition"]
    assert "stories:" in res.text
    data = yaml.safe_load(res.text)
    assert data["version"]
    [story] = data["stories"]
    assert story["story"] == conversation_id
    steps = story["steps"]
    intents = [s["intent"] for s in steps if "intent" in s]
    assert intents[:2] == ["greet", "refund_refused"]
    # user texts carry their entities in Rasa's markup, as test stories need
    assert {"user": "我付了[299元](amount)", "intent": "inform"} in steps
    assert {"slot_was_set": [{"amount": "299元"}]} in steps
    assert {"action": "action_open_case"} in steps


def test_story_export_of_several_sessions(base: str, agent: StubAgent) -> None:
    import asyncio

    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered

    async def two_sessions() -> None:
        tracker = agent.tracker_store.init_tracker("two-sessions")
        for _ in range(2):
            for event in (ActionExecuted("action_session_start"), SessionStarted(),
                          ActionExecuted("action_listen"),
                          UserUttered("/greet", {"name": "greet", "confidence": 1.0}),
                          ActionExecuted("utter_greet"), ActionExecuted("action_listen")):
                tracker.update(event)
        await agent.tracker_store.save(tracker)

    asyncio.run(two_sessions())
    latest = requests.get(f"{base}/conversation/two-sessions/story", headers=AUTH,
                          timeout=10)
    every = requests.get(f"{base}/conversation/two-sessions/story", headers=AUTH,
                         params={"all_sessions": "true"}, timeout=10)
    assert len(yaml.safe_load(latest.text)["stories"]) == 1
    names = [s["story"] for s in yaml.safe_load(every.text)["stories"]]
    assert names == ["two-sessions, story 1", "two-sessions, story 2"]


def test_a_message_over_the_cap_is_answered_not_processed(base: str) -> None:
    res = requests.post(f"{base}/try", json={"message": "x" * 2001}, headers=AUTH, timeout=10)
    assert res.status_code == 200
    body = res.json()
    assert "2000" in body["replies"][0]["text"] and body["actions"] == []


NESTED = b'{"message": "hi", "x": ' + b'{"a": ' * 5000 + b'1' + b'}' * 5000 + b'}'


def test_deeply_nested_json_gets_400_not_500(root: str) -> None:
    """Issue 24.8: 5,000 levels of JSON (10 KB) raised RecursionError: 500 and a traceback."""
    headers = {"Content-Type": "application/json", **AUTH, **web_headers()}
    for path in ("/webhooks/console/try", "/webhooks/web/webhook"):
        res = requests.post(f"{root}{path}", data=NESTED, headers=headers, timeout=10)
        assert res.status_code == 400, (path, res.status_code, res.text[:200])
        assert res.json()["error"] == "bad_json"


def test_reading_a_conversation_leaves_an_audit_record(base: str, agent: StubAgent,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """Issue 24.14: console reads of a conversation left no record of who read what."""
    import json as json_module
    import logging

    conversation_id = try_message(base, "/greet").json()["conversation_id"]
    caplog.set_level(logging.INFO, logger="bot.audit")
    assert requests.get(f"{base}/conversation/{conversation_id}", headers=AUTH,
                        timeout=10).status_code == 200
    assert requests.get(f"{base}/conversation/{conversation_id}/story", headers=AUTH,
                        timeout=10).status_code == 200
    records = [json_module.loads(r.getMessage()) for r in caplog.records
               if r.name == "bot.audit"]
    assert [r["view"] for r in records] == ["conversation", "story"]
    for record in records:
        assert record["event"] == "console_read"
        assert record["conversation_id"] == conversation_id
        assert len(record["token_id"]) >= 12 and record["at"].endswith("+00:00")
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_security_texts_name_the_console_token_and_the_real_cap(root: str) -> None:
    """Issue 24.12: the console told agents to type RASA_AUTH_TOKEN and mentioned ?token=;
    the widget and the console said 5,000 characters while the cap is 2,000."""
    import bot.channels.console as console_module

    assert "?token=" not in (console_module.__doc__ or "")
    assert "RASA_AUTH_TOKEN" not in (console_module.__doc__ or "").split("own token")[0]
    texts = {path: requests.get(f"{root}{path}", timeout=10).text for path in (
        "/webhooks/console/", "/webhooks/console/console.js", "/webhooks/web/",
        "/webhooks/web/widget.js")}
    for path, text in texts.items():
        assert "RASA_AUTH_TOKEN" not in text and "?token=" not in text, path
        assert "5000" not in text and "5,000" not in text, path
    assert "CONSOLE_TOKEN" in texts["/webhooks/console/"]
    assert 'maxlength="2000"' in texts["/webhooks/web/"]
    assert 'data-max-chars="2000"' in texts["/webhooks/web/"]


def test_the_widget_page_takes_its_cap_from_the_setting(monkeypatch: pytest.MonkeyPatch,
                                                        agent: StubAgent) -> None:
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "1500")
    with serve([WebChatInput()], agent) as url:
        page = requests.get(f"{url}/webhooks/web/", timeout=10).text
    assert 'maxlength="1500"' in page and 'data-max-chars="1500"' in page
