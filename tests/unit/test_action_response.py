"""The action-server answer check: same verdicts and messages as Rasa's, schema checked once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.adapters import action_response

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
    action_response.uninstall()
    yield
    action_response.install()


def test_same_verdicts_and_messages_as_rasas_check(rasas_check):
    expected = [_verdict(answer) for answer in ANSWERS]
    action_response.install()
    try:
        got = [_verdict(answer) for answer in ANSWERS]
    finally:
        action_response.uninstall()
    assert got == expected
    assert expected.count("ok") == 4
    assert all("custom-actions" in message for message in expected if message != "ok")


def test_the_schema_is_checked_once(monkeypatch):
    action_response.response_validator.cache_clear()
    checks = []
    validator_class = type(action_response.response_validator())
    monkeypatch.setattr(validator_class, "check_schema",
                        classmethod(lambda cls, schema: checks.append(schema)))
    action_response.install()
    for _ in range(5):
        _verdict(ANSWERS[1])
    assert checks == []  # built before the patch above: never re-checked per answer
    action_response.response_validator.cache_clear()
    action_response.response_validator()
    assert len(checks) == 1


def test_the_tracker_store_installs_it(tmp_path):
    from rasa.shared.core.domain import Domain

    from bot.adapters.tracker_store import ErasingSQLTrackerStore

    action_response.uninstall()
    ErasingSQLTrackerStore(Domain.empty(), url=f"sqlite:///{tmp_path / 'rasa.db'}")
    assert RemoteAction._validate_action_result is action_response.validate_action_result
