"""The action-server answer check: same verdicts and messages as Rasa's, schema checked once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.adapters import remote_actions

ANSWERS = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "role", "value": "buyer"}],
     "responses": [{"response": "utter_greet"}, {"text": "你好"}]},
    {"events": [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}},
                {"event": "action", "name": "action_listen"},
                {"event": "active_loop", "name": "case_form"}]},
    {},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},          # name is not text
    {"events": [{"event": "slot", "value": 1}]},                     # name missing
    {"events": "not a list"},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"start": "x"}]}}]},
    [],
]


def _verdict(answer: object) -> str:
    try:
        RemoteAction("action_x", None)._validate_action_result(answer)
    except ValidationError as error:
        return error.message
    return "ok"


@pytest.fixture
def rasas_check():
    remote_actions.uninstall()
    yield
    remote_actions.install()


def test_same_verdicts_and_messages_as_rasas_check(rasas_check):
    expected = [_verdict(answer) for answer in ANSWERS]
    remote_actions.install()
    try:
        got = [_verdict(answer) for answer in ANSWERS]
    finally:
        remote_actions.uninstall()
    assert got == expected
    assert expected.count("ok") == 4
    assert all("custom-actions" in message for message in expected if message != "ok")


def test_the_schema_is_checked_once(monkeypatch):
    remote_actions.response_validator.cache_clear()
    checks = []
    validator_class = type(remote_actions.response_validator())
    monkeypatch.setattr(validator_class, "check_schema",
                        classmethod(lambda cls, schema: checks.append(schema)))
    remote_actions.install()
    for _ in range(5):
        _verdict(ANSWERS[1])
    assert checks == []  # built before the patch above: never re-checked per answer
    remote_actions.response_validator.cache_clear()
    remote_actions.response_validator()
    assert len(checks) == 1


def test_the_tracker_store_installs_it(tmp_path):
    from rasa.shared.core.domain import Domain

    from bot.adapters.tracker_store import ErasingSQLTrackerStore

    remote_actions.uninstall()
    ErasingSQLTrackerStore(Domain.empty(), url=f"sqlite:///{tmp_path / 'rasa.db'}")
    assert RemoteAction._validate_action_result is remote_actions.validate_action_result


def test_failed_actions_are_noted_only_inside_the_watch_and_rejections_are_not(monkeypatch):
    import asyncio

    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.shared.exceptions import RasaException

    from bot.adapters.remote_actions import watching_action_failures

    async def rasas_run(action, *args, **kwargs):
        if action.name() == "validate_case_form":
            raise ActionExecutionRejection(action.name())
        if action.name() == "action_down":
            raise RasaException("Couldn't connect")
        return []

    monkeypatch.setattr(remote_actions, "_RASAS_RUN", rasas_run)
    remote_actions.install()

    async def run(name: str) -> None:
        try:
            await RemoteAction(name, None).run(None, None, None, None)
        except RasaException:
            pass

    async def turn() -> tuple[list[str], list[str]]:
        await run("action_down")  # outside any watch: nothing to note it in
        with watching_action_failures() as failed:
            for name in ["action_ok", "validate_case_form", "action_down"]:
                await run(name)
        with watching_action_failures() as later:
            await run("action_ok")
        return failed, later

    failed, later = asyncio.run(turn())
    assert failed == ["action_down"]
    assert later == []


def test_action_calls_reuse_one_connection_with_rasas_headers_and_auth():
    import asyncio

    from aiohttp import web
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    peers, auth_headers, custom_headers = [], [], []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        auth_headers.append(request.headers.get("Authorization"))
        custom_headers.append(request.headers.get("X-Guide"))
        body = await request.json()
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    async def scenario() -> list[str]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Guide": "1"},
                                  basic_auth={"username": "u", "password": "p"})
        names = []
        try:
            for name in ["action_a", "action_b", "action_c"]:
                tracker = DialogueStateTracker.from_events("s", [])
                events = await RemoteAction(name, endpoint).run(
                    _Collect(), None, tracker, Domain.empty())
                names.append(events[0].text)
        finally:
            await remote_actions.close_shared_sessions()
            await runner.cleanup()
        return names

    remote_actions.install()
    assert asyncio.run(scenario()) == ["action_a", "action_b", "action_c"]
    assert len(peers) == 3 and len(set(peers)) == 1  # one kept-alive connection
    assert all(h and h.startswith("Basic ") for h in auth_headers)
    assert custom_headers == ["1", "1", "1"]
    assert remote_actions._sessions == {}


class _Collect:
    """The output channel a RemoteAction utters its responses to."""

    async def send_response(self, recipient_id, message):
        return None


def test_an_action_past_the_timeout_fails_and_is_noted(monkeypatch):
    import asyncio

    from bot.adapters.remote_actions import watching_action_failures

    async def slow_run(action, *args, **kwargs):
        await asyncio.sleep(5)
        return []

    monkeypatch.setattr(remote_actions, "_RASAS_RUN", slow_run)
    monkeypatch.setattr(remote_actions, "_action_timeout", lambda: 0.05)
    remote_actions.install()

    async def turn() -> list[str]:
        with watching_action_failures() as failed:
            with pytest.raises(asyncio.TimeoutError):
                await RemoteAction("action_slow", None).run(None, None, None, None)
        return failed

    assert asyncio.run(turn()) == ["action_slow"]


def test_settings_that_would_lose_turns_are_refused():
    from bot.settings import load_settings, serving_problems

    assert serving_problems(load_settings({})) == []
    assert serving_problems(load_settings({"ACTION_TIMEOUT": "90"}))
    assert serving_problems(load_settings({"SANIC_WORKERS": "2"}))
    assert serving_problems(load_settings({"SANIC_WORKERS": "2",
                                           "REDIS_URL": "redis://127.0.0.1:6379/1"})) == []


def test_a_token_bucket_refuses_past_its_capacity_and_refills():
    from bot.ratelimit import TokenBuckets

    now = [0.0]
    buckets = TokenBuckets(3, clock=lambda: now[0])
    assert [buckets.wait("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.wait("a") == 20  # 3 a minute: the next token in 20 s
    assert buckets.wait("b") == 0  # another key, its own bucket
    now[0] += 20
    assert buckets.wait("a") == 0


def test_the_rate_limit_lets_messages_through_when_redis_is_down():
    from bot.ratelimit import TokenBuckets, redis_client

    buckets = TokenBuckets(1, redis=redis_client("redis://127.0.0.1:1/0"))
    assert [buckets.wait("a") for _ in range(3)] == [0, 0, 0]


def test_a_sender_over_the_limit_is_told_to_wait_and_not_processed():
    import asyncio
    import dataclasses

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.channels.guards import turn_guards
    from bot.ratelimit import TokenBuckets
    from bot.settings import load_settings

    guards = turn_guards(load_settings({}))
    assert guards.senders is not None and guards.addresses is None  # per IP: opt-in
    guards = dataclasses.replace(guards, senders=TokenBuckets(2))
    handled = []

    async def handle(message: UserMessage) -> None:
        handled.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    async def three() -> list[bool]:
        results = []
        for text in ("一", "二", "三"):
            out = CollectingOutputChannel()
            results.append(await guards.run(handle, UserMessage(text, out, "s1")))
        return results, out.messages

    results, last = asyncio.run(three())
    assert results == [True, True, False] and handled == ["一", "二"]
    assert "秒后再发" in last[0]["text"]


def test_the_rasa_process_parses_one_made_up_message_at_start_up(caplog):
    import asyncio

    from bot.adapters.startup import warm_up_agent
    from bot.guard_texts import load_channel_texts

    class Agent:
        def __init__(self, ready: bool, fails: bool = False) -> None:
            self.ready, self.fails, self.parsed = ready, fails, []

        def is_ready(self) -> bool:
            return self.ready

        async def parse_message(self, text: str) -> dict:
            if self.fails:
                raise RuntimeError("graph broken")
            self.parsed.append(text)
            return {}

    text = load_channel_texts().warm_up
    ready, unready, broken = Agent(True), Agent(False), Agent(True, fails=True)
    for agent in (ready, unready, broken, None):
        asyncio.run(warm_up_agent(agent, text))
    assert ready.parsed == [text] and unready.parsed == []
    assert "warm-up parse failed" in caplog.text
