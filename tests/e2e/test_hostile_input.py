"""Hostile and odd input over the REST channel and the widget's webhook.

Every message gets a sensible answer or a clear 4xx, the server stays up, nothing already
stored is lost, and 50 concurrent conversations each get only their own replies.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests

from bot.dates import SHANGHAI
from tests.e2e.test_rest_conversation import REST_AUTH, TOKEN, running_servers

REST = "/webhooks/rest/webhook"
WEB = "/webhooks/web/webhook"

ODD_MESSAGES = {
    "empty": "",
    "whitespace": "   \t\n ",
    "long": "卖家不退款" * 2000,  # 10,000 characters
    "emoji": "😡😡😡🙏",
    "control": "退款\x00\x07\x1b[31m不理我\x7f",
    "html": "<script>alert(1)</script><b>卖家</b>不发货",
    "sql": "'; DROP TABLE events; -- 卖家不退款",
    "mixed": "seller refuse refund 卖家不退款 help me 怎么办 ok?",
}


@pytest.fixture(scope="module")
def servers(repo_root, server_env, tmp_path_factory, latest_model):
    log = tmp_path_factory.mktemp("hostile") / "servers.log"
    with running_servers(repo_root, server_env, log) as running:
        yield running


def _web_key(base: str) -> str:
    """A widget session key, as the page gets one."""
    answer = requests.post(f"{base}/webhooks/web/session", timeout=30)
    answer.raise_for_status()
    return answer.json()["session"]


def _post(base: str, path: str, **kwargs) -> requests.Response:
    """POST to REST (with its token) or the widget (a ``sender`` in the JSON body becomes a
    fresh session key in the header)."""
    headers = dict(kwargs.pop("headers", None) or {})
    if path == REST:
        headers = {**REST_AUTH, **headers}
    elif path == WEB and "X-Chat-Session" not in headers:
        body = kwargs.get("json")
        if isinstance(body, dict):
            kwargs["json"] = {k: v for k, v in body.items() if k != "sender"}
        headers["X-Chat-Session"] = _web_key(base)
    return requests.post(base + path, timeout=120, headers=headers, **kwargs)


def _alive(base: str) -> bool:
    return requests.get(f"{base}/status", params={"token": TOKEN}, timeout=10).ok


@pytest.mark.e2e
@pytest.mark.parametrize("kind", list(ODD_MESSAGES))
def test_odd_messages_get_an_answer_on_rest(servers, kind):
    base = servers["rasa"]
    sender = f"odd-{kind}-{uuid.uuid4().hex[:6]}"
    response = _post(base, REST, json={"sender": sender, "message": ODD_MESSAGES[kind]})
    assert response.status_code == 200, response.text[:300]
    replies = response.json()
    assert isinstance(replies, list)
    assert replies and all(r.get("recipient_id") == sender for r in replies), replies
    assert all(r.get("text") or r.get("buttons") for r in replies), replies
    assert _alive(base)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b'{"sender": "x", "message": ', {"Content-Type": "application/json"}, {400}),
        (b'{"sender": "x", "message": "\xff\xfe\xfa"}', {"Content-Type": "application/json"},
         {400}),
        (b"sender=x&message=hi", {"Content-Type": "application/x-www-form-urlencoded"},
         {400, 415}),  # REST: 415, the widget: 400
    ],
    ids=["invalid-json", "invalid-utf8", "form-encoded"],
)
def test_malformed_requests_get_a_clear_4xx(servers, body, headers, expected):
    base = servers["rasa"]
    for path in (REST, WEB):
        response = _post(base, path, data=body, headers=headers)
        assert response.status_code in expected, (path, response.status_code, response.text)
    assert _alive(base)


@pytest.mark.e2e
def test_the_widget_webhook_rejects_empty_and_answers_oversized_messages(servers):
    base = servers["rasa"]
    assert _post(base, WEB, json={"sender": "w1", "message": ""}).status_code == 400
    long = _post(base, WEB, json={"sender": "w1", "message": "退" * 10_000})
    assert long.status_code == 200 and "2000" in long.json()[0]["text"]
    body = b'{"sender": "w1", "message": "' + b"x" * 2_000_000 + b'"}'
    too_big = _post(base, WEB, data=body, headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413  # refused from its Content-Length, never read whole
    html = _post(base, WEB, json={"sender": "w1", "message": ODD_MESSAGES["html"]})
    assert html.status_code == 200 and html.json()


@pytest.mark.e2e
def test_fifty_concurrent_conversations_get_only_their_own_replies(servers):
    base = servers["rasa"]
    runs = 50

    def converse(days_ago: int) -> tuple[int, str]:
        sender = f"crowd-{days_ago}-{uuid.uuid4().hex[:6]}"
        for message in ("卖家一直不同意退款怎么办", "退款中"):
            _post(base, REST, json={"sender": sender, "message": message}).raise_for_status()
        replies = _post(base, REST, json={"sender": sender, "message": f"{days_ago}天前"})
        replies.raise_for_status()
        assert all(r.get("recipient_id") == sender for r in replies.json())
        return days_ago, "\n".join(r.get("text", "") for r in replies.json())

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(converse, range(1, runs + 1)))
    today = datetime.now(SHANGHAI).date()
    for days_ago, text in results:
        asked = today - timedelta(days=days_ago)
        # Each answer is about its own date (11月18日 style) and no one else's.
        assert f"{asked.month}月{asked.day}日" in text, (days_ago, text[:200])
    assert _alive(base)


@pytest.mark.e2e
def test_nothing_stored_is_lost_after_the_abuse(servers):
    base = servers["rasa"]
    sender = "keeper-" + uuid.uuid4().hex[:6]
    _post(base, REST, json={"sender": sender, "message": "买到假货了怎么办"}).raise_for_status()
    for text in ODD_MESSAGES.values():
        _post(base, REST, json={"sender": sender + "-noise", "message": text})
    tracker = requests.get(f"{base}/conversations/rest-{sender}/tracker", params={"token": TOKEN},
                           timeout=30).json()
    assert tracker["slots"]["case_type"] == "counterfeit"


@pytest.mark.e2e
def test_action_server_stopped_mid_conversation(servers, server_env):
    """The user is told; make run's supervisor restarts it; the conversation goes on."""
    from bot.channels.guards import turn_guards

    actions_down = turn_guards().texts.actions_down

    base, port = servers["rasa"], server_env["ACTION_PORT"]
    health = f"http://127.0.0.1:{port}/health"
    sender = "outage-" + uuid.uuid4().hex[:6]
    first = _post(base, REST, json={"sender": sender, "message": "卖家一直不同意退款怎么办"})
    assert actions_down not in str(first.json())

    subprocess.run(["pkill", "-TERM", "-f", f"actions.server --actions actions --port {port}$"],
                   check=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _up(health):
        time.sleep(0.2)
    during = _post(base, REST, json={"sender": sender, "message": "还是不行"}).json()
    assert any(r.get("text") == actions_down for r in during), during
    assert _alive(base)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _up(health):
        time.sleep(1)
    assert _up(health), "the action server did not come back"
    after = _post(base, REST, json={"sender": sender, "message": "要准备哪些证据"}).json()
    assert after and actions_down not in str(after), after
    tracker = requests.get(f"{base}/conversations/rest-{sender}/tracker", params={"token": TOKEN},
                           timeout=30).json()
    assert tracker["slots"]["case_type"] == "refund_refused"


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


@pytest.mark.e2e
@pytest.mark.parametrize("size", [20_000, 100_000])
def test_a_huge_message_does_not_stall_another_user(servers, size):
    base = servers["rasa"]
    huge = "退款1" + " " * size + "天"  # spaces between a digit and a unit: the old stall
    with ThreadPoolExecutor(max_workers=2) as pool:
        long_reply = pool.submit(_post, base, REST,
                                 json={"sender": f"huge-{uuid.uuid4().hex[:6]}", "message": huge})
        time.sleep(0.05)
        start = time.monotonic()
        other = _post(base, REST, json={"sender": f"calm-{uuid.uuid4().hex[:6]}",
                                        "message": "你好"})
        waited = time.monotonic() - start
        answer = long_reply.result()
    assert other.status_code == 200 and other.json()
    assert waited < 1.0, f"the other user waited {waited:.2f}s"
    assert answer.status_code == 200
    assert "2000" in answer.json()[0]["text"]  # says how to shorten it


@pytest.mark.e2e
def test_rest_cannot_reach_a_widget_conversation(servers):
    base = servers["rasa"]
    key = _web_key(base)
    widget = key.split(".")[0]
    _post(base, WEB, json={"message": "卖家不发货，订单号3012345678901234"},
          headers={"X-Chat-Session": key}).raise_for_status()
    spoof = _post(base, REST, json={"sender": f"web-{widget}", "message": "我的案子",
                                    "input_channel": "web"})
    assert spoof.status_code == 200
    assert "3012345678901234" not in str(spoof.json())
    web_events = requests.get(f"{base}/conversations/web-{widget}/tracker",
                              params={"token": TOKEN}, timeout=30).json()["events"]
    said = [e["text"] for e in web_events if e["event"] == "user"]
    assert said == ["卖家不发货，订单号3012345678901234"]
    rest = requests.get(f"{base}/conversations/rest-web-{widget}/tracker",
                        params={"token": TOKEN}, timeout=30).json()
    assert rest["latest_input_channel"] == "rest"


@pytest.mark.e2e
def test_a_forged_action_call_is_refused(servers):
    forged = {"next_action": "action_delete_my_data", "sender_id": "web-victim",
              "tracker": {"sender_id": "web-victim", "slots": {}, "latest_message": {},
                          "events": [], "paused": False, "followup_action": None,
                          "active_loop": {}, "latest_action_name": None},
              "domain": {}, "version": "3.6.2"}
    answer = requests.post(f"{servers['actions']}/webhook", json=forged, timeout=30)
    assert answer.status_code == 401
    # the real conversation path still works: Rasa sends the secret
    base = servers["rasa"]
    reply = _post(base, REST, json={"sender": f"ok-{uuid.uuid4().hex[:6]}",
                                    "message": "卖家不退款怎么办"}).json()
    assert reply and "暂时不可用" not in str(reply)
