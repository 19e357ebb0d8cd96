"""A message that names a case type: it opens or continues the case, and a request told
beside the case (two in one: "the seller refuses; write me a complaint") is answered in
the same turn."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case import ActionCaseTurn
from actions.common import latest_request_beside
from actions.drafting import ActionDraftComplaint
from actions.guidance import (
    ActionCheckProgress,
    ActionEvidence,
    ActionExplainDeadlines,
    ActionNextStep,
)

# The action each request runs on its own (data/rules); human_handoff is a response.
REQUEST_ACTIONS: dict[str, type[Action]] = {
    "request_draft": ActionDraftComplaint,
    "ask_deadline": ActionExplainDeadlines,
    "ask_next_step": ActionNextStep,
    "ask_evidence": ActionEvidence,
    "check_progress": ActionCheckProgress,
}
RESPONSES = {"human_handoff": "utter_human_handoff"}


class ActionOpenCase(ActionCaseTurn):
    """The case turn; with a request beside the case, that request's own action (which
    opens the case from the same conversation state)."""

    def name(self) -> str:
        return "action_open_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        request = latest_request_beside(tracker)
        if request in REQUEST_ACTIONS:
            return await REQUEST_ACTIONS[request]().run(dispatcher, tracker, domain)
        if request in RESPONSES:
            dispatcher.utter_message(response=RESPONSES[request])
            return []
        return await super().run(dispatcher, tracker, domain)
