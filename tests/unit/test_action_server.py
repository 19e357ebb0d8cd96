"""The action server runs no action without the shared secret (forged calls are refused)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from actions.server import refusal
from bot.settings import load_settings


@dataclass
class Call:
    path: str = "/webhook"
    headers: dict[str, str] = field(default_factory=dict)


def _status(call: Call, env: dict[str, str]) -> int | None:
    answer = refusal(call, load_settings(env))
    return None if answer is None else answer.status


def test_a_call_without_the_secret_is_refused_before_any_action_runs() -> None:
    env = {"ACTION_SERVER_TOKEN": "s3cret"}
    assert _status(Call(), env) == 401
    assert _status(Call(headers={"authorization": "Bearer guess"}), env) == 401
    assert _status(Call(headers={"authorization": "Basic s3cret"}), env) == 401
    assert _status(Call(headers={"authorization": "Bearer s3cret"}), env) is None
    assert _status(Call(path="/actions"), env) == 401
    assert _status(Call(path="/health"), env) is None


def test_in_production_without_a_secret_every_call_is_refused() -> None:
    answer = refusal(Call(), load_settings({"APP_ENV": "production"}))
    assert answer is not None and answer.status == 503
    assert "ACTION_SERVER_TOKEN" in json.loads(answer.body)["detail"]


def test_without_a_secret_outside_production_calls_run() -> None:
    assert _status(Call(), {}) is None
