"""Guidance in the context of the current case: deadlines, ladder, evidence, progress."""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answer_knowledge
from actions.case import (
    CAVEAT_SLOT,
    GUIDED_SLOT,
    LIMITS_SLOT,
    case_key,
    limits_digest,
    needs_caveat,
    rung_of,
    sync_slots,
    utter_safety,
)
from actions.common import case_facts, case_state, keep, lexicon, rulebook, words
from actions.draft_reply import draft_if_asked
from actions.questions import answer_rule_question, answer_statute_question, law_topics_if_asked
from bot import guidance, presenter
from bot.store.sync import record_case
from bot.understanding.state import CaseState


@dataclass
class _Turn:
    """What a guidance action knows once: the case state, its guidance, the caveat."""

    state: CaseState
    result: guidance.Guidance | None
    caveat: bool
    events: list[EventType]
    answered: bool = False  # a question about the law got its own answer


def _open(dispatcher: CollectingDispatcher, tracker: Tracker, ask_case: bool = True) -> _Turn:
    """Safety first; then the case's guidance (asking which case when there is none)."""
    state, _turns = case_state(tracker)
    utter_safety(dispatcher, state)
    key = case_key(state)
    if answer_statute_question(dispatcher, tracker, state, needs_caveat(tracker, state)):
        return _Turn(state, None, False, [SlotSet(CAVEAT_SLOT, key), *sync_slots(tracker, state)],
                     answered=True)
    facts = case_facts(tracker, state)
    result = None if facts is None else guidance.build_guidance(rulebook(), facts)
    first = tracker.get_slot(CAVEAT_SLOT) is None  # no case yet: the caveat once
    if result is None and ask_case and answer_knowledge(dispatcher, tracker, state, first):
        noted = [SlotSet(CAVEAT_SLOT, key)] if first else []
        return _Turn(state, None, False, noted, answered=True)  # no case: the question, answered
    if result is None and ask_case and not law_topics_if_asked(dispatcher, tracker):
        dispatcher.utter_message(response="utter_which_case")
    if state.case_type is None:
        return _Turn(state, result, True, [])
    return _Turn(state, result, needs_caveat(tracker, state),
                 [SlotSet(CAVEAT_SLOT, key), *sync_slots(tracker, state)])


def _answered(dispatcher: CollectingDispatcher, tracker: Tracker, turn: _Turn) -> bool:
    """A draft request or a rule question (can I ask for intervention now?) gets its own
    answer instead of the block."""
    if turn.answered:
        return True
    if turn.result is None:
        return False
    drafted = draft_if_asked(dispatcher, tracker, turn.state)
    if drafted is not None:
        turn.events.extend(drafted)
        return True
    return answer_rule_question(dispatcher, tracker, turn.state, turn.caveat)


def _remember(tracker: Tracker, result: guidance.Guidance, rung: int) -> None:
    """Keep the case, its key date and its rung in the case store."""
    keep(lambda repo: record_case(
        repo, tracker.sender_id, result.case_type, result.role, result.key_event,
        result.key_date, rung, tracker.get_slot("order_number"), tracker.get_slot("amount"),
    ))


def _utter_deadlines(dispatcher: CollectingDispatcher, result: guidance.Guidance,
                     caveat: bool = True) -> None:
    message = presenter.deadlines(words(), result)
    if message is None:
        dispatcher.utter_message(response="utter_deadlines_none",
                                 caveat=words().caveat() if caveat else "")
    else:
        response, values = message
        if not caveat:
            values["caveat"] = ""
        dispatcher.utter_message(response=response, **values)


def _utter_rung(dispatcher: CollectingDispatcher, result: guidance.Guidance, index: int,
                caveat: bool = True) -> None:
    response, values = presenter.rung(words(), result, index)
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
        turn = _open(dispatcher, tracker)
        result = turn.result
        if result is None:
            return turn.events
        _utter_deadlines(dispatcher, result, turn.caveat)
        _utter_rung(dispatcher, result, result.current_rung_index, caveat=False)
        dispatcher.utter_message(response="utter_guidance_menu")
        _remember(tracker, result, result.current_rung_index)
        shown = [SlotSet(LIMITS_SLOT, limits_digest(result))]
        if turn.state.case_type:
            shown.append(SlotSet(GUIDED_SLOT, case_key(turn.state)))
        return [*turn.events, *shown, SlotSet("ladder_rung", float(result.current_rung_index))]


class ActionExplainDeadlines(Action):
    """Time limits of the current case, as dates when the key date is known."""

    def name(self) -> str:
        return "action_explain_deadlines"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _open(dispatcher, tracker)
        if turn.result is not None and not _answered(dispatcher, tracker, turn):
            digest = limits_digest(turn.result)
            again = presenter.deadlines_again(words(), turn.result)
            if tracker.get_slot(LIMITS_SLOT) == digest and again is not None:
                # shown, unchanged: the question's own answer, else a pointer back
                if not answer_knowledge(dispatcher, tracker, turn.state, turn.caveat,
                                        result=turn.result):
                    dispatcher.utter_message(response=again[0], **again[1])
                return turn.events
            if not turn.result.deadlines and answer_knowledge(dispatcher, tracker, turn.state,
                                                              turn.caveat, result=turn.result):
                return turn.events  # the case has no limits: the question's own answer
            _utter_deadlines(dispatcher, turn.result, turn.caveat)
            return [*turn.events, SlotSet(LIMITS_SLOT, digest)]
        return turn.events


class ActionNextStep(Action):
    """Moves one rung up the escalation ladder ("it still did not work") and explains it."""

    def name(self) -> str:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _open(dispatcher, tracker)
        result = turn.result
        if result is None or _answered(dispatcher, tracker, turn):
            return turn.events
        index = min(rung_of(tracker, result) + 1, len(result.ladder) - 1)
        _utter_rung(dispatcher, result, index, turn.caveat)
        _remember(tracker, result, index)
        return [*turn.events, SlotSet("ladder_rung", float(index))]


class ActionEvidence(Action):
    """The evidence checklist for the rung the user is on, and what they already have."""

    def name(self) -> str:
        return "action_evidence"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _open(dispatcher, tracker)
        result = turn.result
        if result is not None and not _answered(dispatcher, tracker, turn):
            values = presenter.evidence(words(), result, rung_of(tracker, result),
                                        turn.state.values("evidence"), lexicon().evidence)
            dispatcher.utter_message(response="utter_evidence", **values)
        return turn.events


class ActionCheckProgress(Action):
    """Where to see how the complaint or refund is going (the general places without a case)."""

    def name(self) -> str:
        return "action_check_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = _open(dispatcher, tracker, ask_case=False)
        if not turn.answered:
            dispatcher.utter_message(response="utter_progress",
                                     **presenter.progress(words(), turn.result))
        return turn.events
