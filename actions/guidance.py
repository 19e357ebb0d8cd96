"""Guidance in the context of the current case: deadlines, ladder, evidence, progress."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case import CAVEAT_SLOT, case_key, utter_safety
from actions.common import case_facts, case_state, keep, rulebook
from bot import guidance, presenter, text
from bot.store.sync import record_case


def _safety_and_caveat(dispatcher: CollectingDispatcher, tracker: Tracker
                       ) -> tuple[bool, list[EventType]]:
    """Any new safety message first; whether the case's caveat is still due (once per case)."""
    state, _turns = case_state(tracker)
    utter_safety(dispatcher, state)
    if state.case_type is None:
        return True, []
    key = case_key(state)
    return tracker.get_slot(CAVEAT_SLOT) != key, [SlotSet(CAVEAT_SLOT, key)]


def _guidance_or_ask(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> guidance.Guidance | None:
    """The current case's guidance, or None after asking which case the user means."""
    facts = case_facts(tracker)
    if facts is None:
        dispatcher.utter_message(response="utter_which_case")
        return None
    return guidance.build_guidance(rulebook(), facts)


def _current_rung(tracker: Tracker, result: guidance.Guidance) -> int:
    value = tracker.get_slot("ladder_rung")
    return result.current_rung_index if value is None else int(value)


def _remember(tracker: Tracker, result: guidance.Guidance, rung: int) -> None:
    """Keep the case, its key date and its rung in the case store."""
    keep(lambda repo: record_case(
        repo, tracker.sender_id, result.case_type, result.role, result.key_event,
        result.key_date, rung, tracker.get_slot("order_number"), tracker.get_slot("amount"),
    ))


def _utter_deadlines(dispatcher: CollectingDispatcher, result: guidance.Guidance,
                     caveat: bool = True) -> None:
    message = presenter.deadlines(result)
    if message is None:
        dispatcher.utter_message(response="utter_deadlines_none",
                                 caveat=text.caveat() if caveat else "")
    else:
        response, values = message
        if not caveat:
            values["caveat"] = ""
        dispatcher.utter_message(response=response, **values)


def _utter_rung(dispatcher: CollectingDispatcher, result: guidance.Guidance, index: int,
                caveat: bool = True) -> None:
    response, values = presenter.rung(result, index)
    if not caveat:
        values["caveat"] = ""
    dispatcher.utter_message(response=response, **values)


class ActionCaseGuidance(Action):
    """After the form: dated deadlines, the current rung of the ladder, and what to ask next."""

    def name(self) -> str:
        return "action_case_guidance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        result = _guidance_or_ask(dispatcher, tracker)
        if result is None:
            return []
        _utter_deadlines(dispatcher, result)
        _utter_rung(dispatcher, result, result.current_rung_index)
        dispatcher.utter_message(response="utter_guidance_menu")
        _remember(tracker, result, result.current_rung_index)
        return [SlotSet("ladder_rung", float(result.current_rung_index))]


class ActionExplainDeadlines(Action):
    """Time limits of the current case, as dates when the key date is known."""

    def name(self) -> str:
        return "action_explain_deadlines"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        caveat, events = _safety_and_caveat(dispatcher, tracker)
        result = _guidance_or_ask(dispatcher, tracker)
        if result is not None:
            _utter_deadlines(dispatcher, result, caveat)
        return events


class ActionNextStep(Action):
    """Moves one rung up the escalation ladder ("it still did not work") and explains it."""

    def name(self) -> str:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        caveat, events = _safety_and_caveat(dispatcher, tracker)
        result = _guidance_or_ask(dispatcher, tracker)
        if result is None:
            return events
        index = min(_current_rung(tracker, result) + 1, len(result.ladder) - 1)
        _utter_rung(dispatcher, result, index, caveat)
        _remember(tracker, result, index)
        return [*events, SlotSet("ladder_rung", float(index))]


class ActionEvidence(Action):
    """The evidence checklist for the rung the user is on."""

    def name(self) -> str:
        return "action_evidence"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _safety_and_caveat(dispatcher, tracker)
        result = _guidance_or_ask(dispatcher, tracker)
        if result is not None:
            index = _current_rung(tracker, result)
            dispatcher.utter_message(response="utter_evidence", **presenter.evidence(result, index))
        return []


class ActionCheckProgress(Action):
    """Where to see how the complaint or refund is going (the general places without a case)."""

    def name(self) -> str:
        return "action_check_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        facts = case_facts(tracker)
        result = None if facts is None else guidance.build_guidance(rulebook(), facts)
        dispatcher.utter_message(response="utter_progress", **presenter.progress(result))
        return []
