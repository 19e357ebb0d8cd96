"""The user's own records: resume an earlier case, list open cases, delete everything."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.common import lexicon, logger, rulebook, words
from bot.store import Case

DELETE_PENDING = "delete_pending"  # set only when the user was asked to confirm a deletion


def _mentioned_case_types(tracker: Tracker) -> list[str]:
    """Case types the NLU also ranked for the message (e.g. a refund named in passing)."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [item["name"] for item in ranking if item.get("name") in rulebook().case_types()]


def _slots_for(case: Case) -> list[EventType]:
    entry = rulebook().entry(case.case_type, case.role)
    key_event = entry.key_event
    key_date = (case.key_dates or {}).get(key_event) if key_event else None
    if key_date is None and case.key_dates:
        key_date = next(iter(case.key_dates.values()))
    return [
        SlotSet("case_type", case.case_type),
        SlotSet("role", case.role or entry.role),
        SlotSet("key_date", key_date),
        SlotSet("ladder_rung", None if case.ladder_rung is None else float(case.ladder_rung)),
        SlotSet("order_number", case.order_number),
        SlotSet("amount", case.amount),
    ]


class ActionResumeCase(Action):
    """Brings back the user's open case (the one they name, else the latest)."""

    def name(self) -> str:
        return "action_resume_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cases = common.open_cases(tracker.sender_id)
        if not cases:
            dispatcher.utter_message(response="utter_no_open_case")
            return []
        by_type = {case.case_type: case for case in cases}  # latest of each type wins
        wanted = next((t for t in _mentioned_case_types(tracker) if t in by_type), None)
        case = by_type[wanted] if wanted else max(cases, key=lambda c: c.updated_at)
        dispatcher.utter_message(
            response="utter_case_resumed",
            case=words().label("case_type", case.case_type),
            opened=words().format_date(case.created_at.date(), with_year=True),
        )
        return _slots_for(case)


class ActionListCases(Action):
    """Lists the user's open cases."""

    def name(self) -> str:
        return "action_list_cases"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cases = common.open_cases(tracker.sender_id)
        if not cases:
            dispatcher.utter_message(response="utter_no_open_case")
            return []
        lines = [
            words().piece(
                "presenter", "case_line",
                case=words().label("case_type", case.case_type),
                updated=words().format_date(case.updated_at.date(), with_year=True),
            )
            for case in cases
        ]
        dispatcher.utter_message(response="utter_case_list", cases="\n".join(lines))
        return []


class ActionRequestDelete(Action):
    """A request to delete the user's records asks for confirmation; a message about
    deleting a *review* (the lexicon's review_wants) is a case message instead, and no
    deletion is pending after it."""

    def name(self) -> str:
        return "action_request_delete"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from actions.case import ActionCaseTurn  # the case turn, for a review message

        state, _turns = common.case_state(tracker)
        said = state.latest.wants if state.latest is not None else ()
        if any(want in said for want in lexicon().review_wants):
            events = await ActionCaseTurn().run(dispatcher, tracker, domain)
            return [*events, SlotSet(DELETE_PENDING, False)]
        dispatcher.utter_message(response="utter_confirm_delete")
        return [SlotSet(DELETE_PENDING, True)]


ERASED_SLOT = "data_erased"


class ActionDeleteMyData(Action):
    """After the user confirmed: deletes their cases and drafts; the tracker store then
    erases the conversation itself (bot/adapters/tracker_store.py)."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            common.case_repository().delete_conversation(tracker.sender_id)
        except Exception as error:  # noqa: BLE001
            logger.error("could not delete the cases of a conversation: %s", error)
            dispatcher.utter_message(response="utter_delete_failed")
            return []
        dispatcher.utter_message(response="utter_data_deleted")
        # the explicit success event: only with it does the tracker store erase the
        # conversation (bot/adapters/tracker_store.py)
        return [AllSlotsReset(), SlotSet(ERASED_SLOT, True)]
