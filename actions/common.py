"""Helpers shared by the actions: message time, the rule book, the case facts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from bot import case_view, guidance
from bot.catalog import Catalog, load_catalog
from bot.dates import SHANGHAI
from bot.log_filters import install_log_filters
from bot.readers import Readers, build_readers
from bot.rulebook import RuleBook
from bot.settings import load_settings
from bot.store import CaseRepository, CaseStoreError, create_store_engine, default_case_db_url
from bot.understanding import dialogue
from bot.understanding.conversation import turns_from_events
from bot.understanding.lexicon import Lexicon
from bot.understanding.state import CaseState, Turn, derive_case_state
from bot.understanding.two_in_one import request_beside
from bot.wording import Wording

logger = logging.getLogger(__name__)

@lru_cache(maxsize=1)
def _mask_logs() -> None:
    """Mask phone and ID-card numbers and scrub URL secrets in this process's logs (once,
    on first use)."""
    install_log_filters()


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Every data file of this process, validated together (once, on first use; the action
    server's start-up already did it)."""
    _mask_logs()
    return load_catalog()


@lru_cache(maxsize=1)
def readers() -> Readers:
    """The trained readers (knowledge retrieval, dialogue acts), built once per process;
    the action server's start-up already did it."""
    return build_readers(catalog())


def rulebook() -> RuleBook:
    """The validated rule book (from the catalog)."""
    return catalog().rulebook


def lexicon() -> Lexicon:
    """The validated understanding vocabularies (from the catalog)."""
    return catalog().lexicon


def words() -> Wording:
    """The locale's words (from the catalog)."""
    return catalog().wording


@lru_cache(maxsize=1)
def fixed_clock() -> datetime | None:
    """FIXED_CLOCK (tests and demos); None in normal use. Read once per process."""
    return load_settings().fixed_clock


def message_time(tracker: Tracker) -> datetime:
    """When the latest user message arrived (timezone-aware); now if unknown."""
    if fixed_clock() is not None:
        return fixed_clock()
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("timestamp"):
            return datetime.fromtimestamp(float(event["timestamp"]), tz=UTC)
    return datetime.now(tz=UTC)


def message_day(tracker: Tracker) -> date:
    """The calendar day of the latest user message in Asia/Shanghai."""
    return message_time(tracker).astimezone(SHANGHAI).date()


def latest_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """The latest message's intent ranking as (name, confidence) pairs."""
    return [(str(item["name"]), float(item.get("confidence") or 0.0))
            for item in tracker.latest_message.get("intent_ranking") or [] if item.get("name")]


def latest_request_beside(tracker: Tracker) -> str | None:
    """The request the latest message made beside the case it told (two in one)."""
    return request_beside(latest_ranking(tracker), rulebook().case_types())


def latest_intent(tracker: Tracker) -> str | None:
    """The latest message's intent; the request, when it told a case beside one."""
    return (latest_request_beside(tracker)
            or (tracker.latest_message.get("intent") or {}).get("name"))


def latest_entities(tracker: Tracker, entity: str) -> list[dict[str, Any]]:
    return [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == entity]


def conversation_turns(tracker: Tracker) -> list[Turn]:
    """The conversation's user turns, as the case state reads them."""
    return turns_from_events(tracker.events, rulebook().case_types(), fixed_clock())


def case_state(tracker: Tracker) -> tuple[CaseState, list[Turn]]:
    """The case state derived from the whole conversation, and the turns it read."""
    turns = conversation_turns(tracker)
    return derive_case_state(turns, rulebook(), lexicon(), catalog().statutes,
                             readers().role), turns


def case_facts(tracker: Tracker, state: CaseState | None = None) -> guidance.CaseFacts | None:
    """The current case from the conversation (``state`` when already derived), or None."""
    if state is None:
        state, _turns = case_state(tracker)
    today = message_day(tracker)
    derived = dialogue.case_facts(state, today, rulebook(), lexicon())
    # A case resumed from the case store lives in the slots, not in this conversation.
    if derived is not None:
        return derived
    return case_view.case_facts(tracker.slots, today, rulebook())


@lru_cache(maxsize=1)
def case_repository() -> CaseRepository:
    """The case store, created on first use from the settings (DB_URL or var/cases.db)."""
    _mask_logs()
    return CaseRepository(create_store_engine(default_case_db_url(load_settings())))


def open_cases(conversation_id: str) -> list[Any]:
    """The conversation's open cases; none when the case store is unavailable (logged)."""
    try:
        return case_repository().open_cases(conversation_id)
    except Exception as error:  # noqa: BLE001 - the store being down is not the user's problem
        logger.warning("case store unavailable: %s", error)
        return []


def keep(write: Callable[[CaseRepository], Any]) -> None:
    """Run a case-store write; a storage failure is logged and never breaks the reply."""
    try:
        write(case_repository())
    except (CaseStoreError, ValueError, OSError) as error:
        logger.warning("case store write failed: %s", error)
    except Exception as error:  # noqa: BLE001 - e.g. a database that is down or unmigrated
        logger.warning("case store unavailable: %s", error)
