"""Faults on real services, one conversation through all of them: its own Redis stopped
and restarted mid-conversation, a purge running beside it, the action server killed
mid-conversation. After each, the user gets an answer, and afterwards every turn the user
sent is in the tracker store, in order. (WeChat's API answering errors and an action past
its timeout: tests/channels/test_wechat_channel.py, tests/unit/test_remote_actions.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import uuid

import pytest
import requests

from bot.channels.rest import CONVERSATION_PREFIX
from tests.e2e.test_rest_conversation import REST_AUTH, TOKEN, running_servers
from tests.processes import free_port, start_redis_server

TURNS = ["卖家一直不同意退款怎么办", "订单号3920184756102938，89元的牛仔裤开线了",
         "11月16号申请的退款", "介入以后一般几天有结果", "他把我拉黑了怎么办", "好的谢谢"]


def _say(rasa: str, sender: str, text: str) -> str:
    reply = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender,
                                                                 "message": text},
                          headers=REST_AUTH, timeout=90)
    reply.raise_for_status()
    return "\n".join(item.get("text", "") for item in reply.json())


def _user_texts(rasa: str, sender: str) -> list[str]:
    """The user messages the tracker store kept (the REST channel's conversation id)."""
    conversation = CONVERSATION_PREFIX + sender
    tracker = requests.get(f"{rasa}/conversations/{conversation}/tracker",
                           params={"token": TOKEN}, timeout=30).json()
    return [event["text"] for event in tracker["events"] if event.get("event") == "user"]


def _pid_of(pattern: str) -> int:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    assert pids, f"no process matches {pattern!r}"
    return pids[0]


@pytest.mark.e2e
def test_no_turn_is_lost_when_parts_fail(repo_root, latest_model, server_env, tmp_path):
    from bot.purge import purge
    from bot.settings import load_settings

    redis_port = free_port()
    redis_process = start_redis_server(redis_port, tmp_path)
    env = dict(server_env, REDIS_URL=f"redis://127.0.0.1:{redis_port}/1")
    sender = "faults-" + uuid.uuid4().hex[:8]
    said: list[str] = []
    try:
        with running_servers(repo_root, env, tmp_path / "servers.log") as servers:
            rasa = servers["rasa"]

            def turn(text: str) -> None:
                assert _say(rasa, sender, text).strip(), f"no answer to {text!r}"
                said.append(text)

            turn(TURNS[0])
            redis_process.send_signal(signal.SIGTERM)  # Redis down mid-conversation
            redis_process.wait(10)
            turn(TURNS[1])
            redis_process = start_redis_server(redis_port, tmp_path)  # and back
            turn(TURNS[2])
            settings = load_settings(env)
            stop = threading.Event()

            def purging() -> None:  # a purge of nothing recent, over and over, beside it
                while not stop.is_set():
                    purge(7, settings)

            beside = threading.Thread(target=purging)
            beside.start()
            try:
                turn(TURNS[3])
            finally:
                stop.set()
                beside.join(60)
            os.kill(_pid_of(f"actions.server --actions actions --port {env['ACTION_PORT']}"),
                    signal.SIGKILL)  # the action server gone mid-conversation
            turn(TURNS[4])
            turn(TURNS[5])
            assert _user_texts(rasa, sender) == said == TURNS
    finally:
        redis_process.terminate()
        redis_process.wait(10)
