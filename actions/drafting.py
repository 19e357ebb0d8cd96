"""Drafts: the kind, addressee and tone the request asks for, filled with the case's facts."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case import utter_safety
from actions.common import case_state
from actions.draft_reply import send_draft


class ActionDraftComplaint(Action):
    """Writes the draft the user asked for, from every fact of the case."""

    def name(self) -> str:
        return "action_draft_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state, _turns = case_state(tracker)
        utter_safety(dispatcher, state)
        return send_draft(dispatcher, tracker, state, tracker.latest_message.get("text") or "")
