"""The one Rasa-facing runner: tracker in, the turn's pipeline run, the reply out.

Every action is a :class:`PipelineAction`: it names the pipeline its turn runs
(:mod:`bot.turn.pipelines`, chosen per turn when it must be). The runner builds the turn's
:class:`~bot.turn.context.TurnContext` from the tracker once, runs the pipeline in a
bounded pool of worker threads (never on the event loop), then flushes the reply into the
dispatcher and returns the slot events.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from bot.turn.context import TurnContext
from bot.turn.pipelines import Pipeline
from bot.turn.reply import template_renderer


@lru_cache(maxsize=1)
def turn_workers() -> ThreadPoolExecutor:
    """The bounded pool every turn's work runs in (ACTION_WORKERS threads), so that reading
    a case or waiting on the database never blocks the action server's event loop."""
    return ThreadPoolExecutor(max_workers=common.action_workers(),
                              thread_name_prefix="turn")


def turn_context(tracker: Tracker, domain: Mapping[str, Any] | None) -> TurnContext:
    """The turn's context from the tracker (and the domain's responses, to measure the
    reply; none in a call that does not send them)."""
    responses = (domain or {}).get("responses")
    return TurnContext(
        catalog=common.catalog(), readers=common.readers(), latest=tracker.latest_message,
        events=tracker.events, slots=tracker.slots, sender_id=tracker.sender_id,
        keep=common.keep, clock=common.fixed_clock(),
        render=template_renderer(responses) if responses else None,
        snapshots=common.snapshots(tracker.sender_id), reminders=common.reminder_access())


def flush(turn: TurnContext, dispatcher: CollectingDispatcher) -> list[EventType]:
    """The reply into the dispatcher, in order; the turn's events for Rasa."""
    for message in turn.reply.messages:
        dispatcher.utter_message(**message)
    events: list[EventType] = [AllSlotsReset()] if turn.slots_reset else []
    return [*events, *(SlotSet(name, value) for name, value in turn.slot_events)]


class PipelineAction(Action, ABC):
    """An action whose turn runs one pipeline of :mod:`bot.turn.pipelines`."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def pipeline(self, turn: TurnContext) -> Pipeline:
        """The steps this turn runs (they may depend on the turn)."""

    def work(self, tracker: Tracker, domain: DomainDict | None) -> TurnContext:
        """The turn's context with its pipeline run (in a worker thread)."""
        turn = turn_context(tracker, domain)
        self.pipeline(turn).run(turn)
        return turn

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = await asyncio.get_running_loop().run_in_executor(
            turn_workers(), self.work, tracker, domain)
        return flush(turn, dispatcher)
