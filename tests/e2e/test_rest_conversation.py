"""Start both servers the way `make run` does and talk to the bot over REST.

The servers are started with scripts/run.sh in their own process group, on free ports
and a throw-away SQLite tracker store, and stopped with SIGINT to the group (Ctrl-C).
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.processes import stop_group

START_TIMEOUT_S = 240
TOKEN = "e2e-" + uuid.uuid4().hex
REST_TOKEN = "e2e-rest-" + uuid.uuid4().hex  # make run generates one; the tests set theirs
REST_AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}


@contextmanager
def running_servers(repo_root: Path, env: dict[str, str], log: Path) -> Iterator[dict]:
    """Run scripts/run.sh until both servers answer; stop it with SIGINT afterwards."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/run.sh"], cwd=repo_root, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
    actions = f"http://127.0.0.1:{env['ACTION_PORT']}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"run.sh exited early ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if (requests.get(f"{rasa}/status", params={"token": TOKEN}, timeout=2).ok
                        and requests.get(f"{actions}/health", timeout=2).ok):
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"servers not up after {START_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield {"rasa": rasa, "actions": actions, "proc": proc}
    finally:
        stop_group(proc, signal.SIGINT)


def _say(rasa: str, sender: str, message: str) -> list[dict]:
    response = requests.post(
        f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": message},
        headers=REST_AUTH, timeout=60,
    )
    response.raise_for_status()
    return response.json()


def _texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


@pytest.mark.e2e
def test_conversation_over_rest_survives_restart(repo_root, latest_model, server_env, tmp_path):
    sender = "e2e-" + uuid.uuid4().hex[:8]
    log = tmp_path / "servers.log"
    with running_servers(repo_root, server_env, log) as servers:
        rasa = servers["rasa"]
        # The HTTP API needs its token, the REST channel its own.
        unauthorized = requests.post(f"{rasa}/model/parse", json={"text": "你好"}, timeout=30)
        assert unauthorized.status_code == 401
        no_rest_token = requests.post(f"{rasa}/webhooks/rest/webhook", timeout=30,
                                      json={"sender": sender, "message": "你好"})
        assert no_rest_token.status_code == 401
        parsed = requests.post(
            f"{rasa}/model/parse", params={"token": TOKEN},
            json={"text": "賣家一直不同意退款怎麼辦"}, timeout=30,
        ).json()
        assert parsed["intent"]["name"] == "refund_refused"

        first = _say(rasa, sender, "卖家一直不同意退款怎么办")
        assert "退款" in _texts(first)
        assert "申请退款是哪一天" in _texts(first), first  # only the date the limits need
        third = _say(rasa, sender, "11月18号申请的")
        answer = _texts(third)
        assert "11月21日" in answer and "11月27日" in answer, answer
        assert "据2022年的公开文章" in answer and "src 000" not in answer, answer

    # The conversation went to the tracker store named by DB_URL, the case to the case store.
    tracker_db = server_env["DB_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(tracker_db) as connection:
        stored = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (f"rest-{sender}",)).fetchone()[0]
    assert stored > 10
    cases_db = server_env["CASES_DB_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(cases_db) as connection:
        row = connection.execute(
            "SELECT case_type, key_dates FROM cases WHERE conversation_id = ?", (f"rest-{sender}",)
        ).fetchone()
    assert row[0] == "refund_refused" and "-11-18" in row[1]

    # Everything stopped on SIGINT: the ports are free again.
    for port in (server_env["RASA_PORT"], server_env["ACTION_PORT"]):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still open"

    # After a restart the conversation is still there and continues.
    with running_servers(repo_root, server_env, log) as servers:
        tracker = requests.get(
            f"{servers['rasa']}/conversations/rest-{sender}/tracker", params={"token": TOKEN},
            timeout=30,
        ).json()
        assert tracker["slots"]["case_type"] == "refund_refused"
        assert tracker["slots"]["key_date"].endswith("-11-18")
        evidence = _say(servers["rasa"], sender, "需要准备哪些证据")
        assert _texts(evidence), evidence

        # "删除我的记录", confirmed: nothing of this conversation is left in either store.
        asked = _say(servers["rasa"], sender, "删除我的记录")
        assert any(reply.get("buttons") for reply in asked), asked
        done = _say(servers["rasa"], sender, "/affirm")
        assert "已删除" in _texts(done), done
    with sqlite3.connect(tracker_db) as connection:
        left = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (f"rest-{sender}",)).fetchone()[0]
    assert left == 0
    with sqlite3.connect(cases_db) as connection:
        cases = connection.execute(
            "SELECT COUNT(*) FROM cases WHERE conversation_id = ?", (f"rest-{sender}",))
        assert cases.fetchone()[0] == 0
