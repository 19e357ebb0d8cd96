"""Turns of one conversation never overlap, on the real servers: an action slower than the
conversation lock's lifetime is cut off at ACTION_TIMEOUT (below that lifetime), the user is
told, and the next message, sent while the first turn still runs, is answered after it;
both turns are kept, in order. And Rasa refuses to start several workers without Redis."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.channels.guards import turn_guards
from tests.e2e.test_faults import _say, _user_texts
from tests.e2e.test_rest_conversation import running_servers
from tests.processes import free_port

SLOW_SECONDS = 15  # past the lock's lifetime below
LOCK_SECONDS = 10
TIMEOUT_SECONDS = 2


class SlowActions(BaseHTTPRequestHandler):
    """An action server that answers every action call after SLOW_SECONDS."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(SLOW_SECONDS)
        body = json.dumps({"events": [], "responses": []}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # Rasa gave up waiting, as it should

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def slow_actions() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), SlowActions)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    finally:
        server.shutdown()


@pytest.mark.e2e
def test_an_action_past_the_lock_never_overlaps_the_next_turn(repo_root, latest_model,
                                                             server_env, slow_actions,
                                                             tmp_path):
    env = dict(server_env, ACTION_ENDPOINT_URL=slow_actions,
               ACTION_TIMEOUT=str(TIMEOUT_SECONDS), TICKET_LOCK_LIFETIME=str(LOCK_SECONDS))
    sender = "slow-" + uuid.uuid4().hex[:8]
    first_text, second_text = "卖家一直不同意退款怎么办", "订单号3920184756102938，89元"
    replies: dict[str, str] = {}
    with running_servers(repo_root, env, tmp_path / "servers.log") as servers:
        rasa = servers["rasa"]

        def say(text: str) -> None:
            replies[text] = _say(rasa, sender, text)

        first = threading.Thread(target=say, args=(first_text,))
        first.start()
        time.sleep(0.5)  # the second message arrives while the first turn waits on its action
        say(second_text)
        first.join(120)
        notice = turn_guards().texts.actions_down
        assert notice in replies[first_text] and notice in replies[second_text]
        assert _user_texts(rasa, sender) == [first_text, second_text]


@pytest.mark.e2e
def test_several_workers_without_redis_refuse_to_start(repo_root, server_env):
    env = dict(server_env, SANIC_WORKERS="2")
    started = subprocess.run([str(repo_root / ".venv/bin/python"), "-m", "bot.rasa_run", "run"],
                             cwd=repo_root, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode != 0
    assert "REDIS_URL" in started.stderr
