"""Tracker, dispatcher and domain fixtures for action tests (no Rasa server, no model)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.case_view import RECORD_FIELDS, RESUMED_MARK
from bot.dates import SHANGHAI

# Sunday 2026-11-22 10:00 in Shanghai: the message time used unless a test says otherwise.
DEFAULT_TIME = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
SLOT_NAMES = ("case_type", "role", "order_status", "key_date", "ladder_rung", "order_number",
              "amount", "tone", "addressee", "draft_kind", "draft_missing", "draft_key")


def make_tracker(
    text: str = "",
    intent: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    at: datetime = DEFAULT_TIME,
    active_loop: str | None = None,
) -> Tracker:
    """A rasa-sdk Tracker whose latest event is the given user message.

    A case in ``slots`` (``case_type``...) is also in the conversation, as the actions read
    a case: the record of a case resumed before this message, on the reply that resumed it.
    """
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
    }
    all_slots = {name: None for name in SLOT_NAMES}
    all_slots.update(slots or {})
    events: list[dict[str, Any]] = []
    if all_slots.get("case_type"):
        record = {name: all_slots.get(name) for name in RECORD_FIELDS}
        events.append({"event": "bot", "timestamp": at.timestamp() - 1, "text": "",
                       "data": {"custom": {RESUMED_MARK: record}}})
    events.append({"event": "user", "timestamp": at.timestamp(), "text": text,
                   "parse_data": parse})
    return Tracker(
        sender_id="test-user",
        slots=all_slots,
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain(repo_root) -> dict[str, Any]:
    return yaml.safe_load((repo_root / "domain.yml").read_text(encoding="utf-8"))


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """Names of the responses the action asked for, in order."""
    return [m.get("response") for m in dispatcher.messages]


def message(dispatcher: CollectingDispatcher, response: str) -> dict[str, Any]:
    """The (first) message that used ``response``; its template variables are in it."""
    for m in dispatcher.messages:
        if m.get("response") == response:
            return m
    raise AssertionError(f"{response} not uttered; got {responses(dispatcher)}")


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The SlotSet events as a {slot: value} dict (last one wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def render(domain: dict[str, Any], msg: dict[str, Any]) -> str:
    """The text a user would see: the domain response filled with the action's values.

    Fails when a template variable was not provided, so tests catch leaking ``{name}``.
    """
    import re

    template = domain["responses"][msg["response"]][0]["text"]
    values = {k: v for k, v in msg.items() if v is not None}
    names = set(re.findall(r"(?<!\{)\{([a-z_]+)\}(?!\})", template))
    missing = names - values.keys()
    assert not missing, f"{msg['response']}: no value for {sorted(missing)}"
    return re.sub(r"(?<!\{)\{([a-z_]+)\}(?!\})", lambda m: str(values[m.group(1)]), template)


@pytest.fixture
def anyio_backend() -> str:
    """Run the async action tests on asyncio (the anyio pytest plugin)."""
    return "asyncio"


@pytest.fixture(autouse=True)
def case_store(tmp_path, monkeypatch):
    """Every action test writes to its own migrated SQLite case store."""
    from actions import common
    from bot.migrate import upgrade
    from bot.store import CaseRepository, create_store_engine

    url = f"sqlite:///{tmp_path / 'cases.db'}"
    upgrade(url)
    repo = CaseRepository(create_store_engine(url))
    monkeypatch.setattr(common, "case_repository", lambda: repo)
    return repo
