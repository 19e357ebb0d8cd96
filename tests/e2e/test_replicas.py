"""Two Rasa replicas on one PostgreSQL tracker store and one Redis lock store.

The turns of many conversations are sent alternately to both replicas, several
conversations at once; every conversation must come out complete and in order.
Skipped (with the reason) when PostgreSQL or Redis is not reachable on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests

from tests.e2e.test_rest_conversation import REST_AUTH, REST_TOKEN, TOKEN
from tests.processes import free_port, stop_group

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
CONVERSATIONS = 12
TURNS = ["你好", "卖家一直不同意退款怎么办", "退款中", "11月18号申请的", "还是不行"]


def _reachable() -> str | None:
    """None when both services answer, else why not."""
    import psycopg2
    import redis

    try:
        psycopg2.connect(PG_ADMIN_URL, connect_timeout=2).close()
    except psycopg2.Error as error:
        return f"no PostgreSQL at {PG_ADMIN_URL}: {error}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis at {REDIS_URL}: {error}"
    return None


@pytest.fixture
def postgres_database():
    """A throw-away PostgreSQL database, dropped afterwards."""
    import psycopg2

    name = "guide_replicas_" + uuid.uuid4().hex[:10]
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,))
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _start(stack: ExitStack, command: list[str], env: dict[str, str], log, cwd) -> None:
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)

    stack.callback(stop_group, proc, signal.SIGTERM)


def _wait(url: str, log_path, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"{url} did not come up:\n{log_path.read_text()[-3000:]}")


@pytest.mark.e2e
def test_two_replicas_keep_every_conversation_complete_and_in_order(
    repo_root, latest_model, postgres_database, tmp_path
):
    reason = _reachable()
    if reason and os.environ.get("CI"):  # CI's machines run both services
        pytest.fail(f"under CI: {reason}")
    if reason:
        pytest.skip(reason)
    rasa = str(repo_root / ".venv" / "bin" / "rasa")
    action_port, ports = free_port(), [free_port(), free_port()]
    env = {**os.environ, "DB_URL": postgres_database, "REDIS_URL": REDIS_URL,
           "CASES_DB_URL": f"sqlite:///{tmp_path / 'cases.db'}", "RASA_AUTH_TOKEN": TOKEN,
           "REST_TOKEN": REST_TOKEN,
           "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
           "ACTION_SERVER_TOKEN": "replicas-" + uuid.uuid4().hex,
           "WECHAT_TOKEN": "", "WECHAT_APP_ID": "", "WECHAT_APP_SECRET": "",
           "WECHAT_AES_KEY": "", "WECHAT_API_BASE": "http://127.0.0.1:9"}
    log_path = tmp_path / "replicas.log"
    subprocess.run([str(repo_root / ".venv/bin/python"), "-m", "bot.migrate"], cwd=repo_root,
                   env=env, check=True, capture_output=True)
    with ExitStack() as stack, log_path.open("ab") as log:
        python = str(repo_root / ".venv" / "bin" / "python")
        _start(stack, [python, "-m", "actions.server", "--actions", "actions",
                       "--port", str(action_port)], {**env, "SANIC_HOST": "127.0.0.1"}, log,
               repo_root)
        for port in ports:
            _start(stack, [rasa, "run", "--enable-api", "--auth-token", TOKEN, "--interface",
                           "127.0.0.1", "--port", str(port), "--model", str(latest_model),
                           "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
                   env, log, repo_root)
        deadline = time.monotonic() + 300
        for port in ports:
            _wait(f"http://127.0.0.1:{port}/status?token={TOKEN}", log_path, deadline)
        _wait(f"http://127.0.0.1:{action_port}/health", log_path, deadline)

        senders = [f"replica-{i}-{uuid.uuid4().hex[:6]}" for i in range(CONVERSATIONS)]

        def converse(index: int) -> None:
            for turn, message in enumerate(TURNS):
                port = ports[(index + turn) % 2]  # every other turn goes to the other replica
                response = requests.post(
                    f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                    json={"sender": senders[index], "message": message}, headers=REST_AUTH,
                    timeout=120)
                response.raise_for_status()
                assert response.json(), f"no reply to {message!r}"

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(converse, range(CONVERSATIONS)))

        for index, sender in enumerate(senders):
            tracker = requests.get(
                f"http://127.0.0.1:{ports[index % 2]}/conversations/rest-{sender}/tracker",
                params={"token": TOKEN}, timeout=30).json()
            said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
            assert said == TURNS, f"{sender}: {said}"
            # every user turn got the bot's answer before the next user turn was stored
            kinds = [e["event"] for e in tracker["events"] if e["event"] in {"user", "bot"}]
            for position, kind in enumerate(kinds):
                if kind == "user" and position + 1 < len(kinds):
                    assert kinds[position + 1] == "bot", f"{sender}: {kinds}"
            assert tracker["slots"]["key_date"].endswith("-11-18"), sender
