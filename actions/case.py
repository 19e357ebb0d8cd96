"""Opening a case and the case form: role, order status and the key date."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    case_facts,
    keep,
    latest_entities,
    latest_intent,
    message_time,
    rulebook,
)
from bot import guidance, presenter
from bot.case_view import UNKNOWN_DATE
from bot.dates import resolve_date
from bot.normalize import normalize
from bot.rulebook import CASE_TYPES, ORDER_STATUSES
from bot.store.sync import record_case

ROLES = ("buyer", "seller")
FORM_SLOTS = ("role", "order_status", "key_date")
# Intents that answer a form question; anything else is a digression the policies handle.
ANSWER_INTENTS = {"inform", "affirm", "deny", "nlu_fallback"}


class ActionOpenCase(Action):
    """Opens (or switches to) the case named by the intent and explains it right away."""

    def name(self) -> str:
        return "action_open_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        case_type = latest_intent(tracker)
        if case_type not in CASE_TYPES:
            dispatcher.utter_message(response="utter_which_case")
            return []
        book = rulebook()
        role = _role_from_message(tracker) or tracker.get_slot("role")
        roles = book.roles_for(case_type)
        if len(roles) == 1:
            role = roles[0]
        elif role not in roles:
            role = None
        entry = book.entry(case_type, role)

        text = tracker.latest_message.get("text") or ""
        if entry.safety or guidance.safety_flags_in(normalize(text)):
            dispatcher.utter_message(response="utter_safety_first")
        dispatcher.utter_message(response="utter_case_intro", **presenter.case_intro(entry))

        keep(lambda repo: record_case(repo, tracker.sender_id, case_type, role))
        events: list[EventType] = [SlotSet("case_type", case_type), SlotSet("role", role)]
        if tracker.get_slot("case_type") != case_type:
            events += [SlotSet("order_status", None), SlotSet("key_date", None),
                       SlotSet("ladder_rung", None)]
        return events


class ValidateCaseForm(FormValidationAction):
    """Asks only what the rule book says this case needs, and understands the answers."""

    def name(self) -> str:
        return "validate_case_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        case_type = tracker.get_slot("case_type")
        if case_type not in CASE_TYPES:
            return []
        entry = rulebook().entry(case_type, tracker.get_slot("role"))
        asks = [slot for slot in FORM_SLOTS if slot in entry.asks]
        if "role" not in asks and len(rulebook().roles_for(case_type)) > 1:
            asks.insert(0, "role")
        if entry.key_event_for(tracker.get_slot("order_status")) is None:
            asks = [slot for slot in asks if slot != "key_date"]  # nothing dates this case
        return asks

    async def extract_role(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        role = _role_from_message(tracker)
        if role:
            return {"role": role}
        return _not_understood(dispatcher, tracker, "role")

    async def extract_order_status(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        values = [e.get("value") for e in latest_entities(tracker, "order_status")]
        status = next((v for v in values if v in ORDER_STATUSES), None)
        if status:
            return {"order_status": status}
        return _not_understood(dispatcher, tracker, "order_status")

    async def extract_key_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "key_date"
        text = tracker.latest_message.get("text") or ""
        if not asked:
            # A date given up front ("11月18号申请的退款") fills the slot at activation.
            spans = latest_entities(tracker, "date")
            if not spans:
                return {}
            text = " ".join(str(e.get("value", "")) for e in spans)
        resolution = resolve_date(text, message_time(tracker))
        if resolution.status == "ok" and resolution.value:
            return {"key_date": resolution.value.isoformat()}
        if not asked:
            return {}
        if resolution.status == "future":
            dispatcher.utter_message(response="utter_key_date_future", date_text=text)
            return {"key_date": None}
        if latest_intent(tracker) == "deny":
            return {"key_date": UNKNOWN_DATE}
        if latest_intent(tracker) not in ANSWER_INTENTS:
            return {}
        dispatcher.utter_message(response="utter_key_date_unclear")
        return {"key_date": None}


class ActionAskKeyDate(Action):
    """Asks for the date of the event this case's time limits count from."""

    def name(self) -> str:
        return "action_ask_key_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        facts = case_facts(tracker)
        book = rulebook()
        if facts is None:
            dispatcher.utter_message(response="utter_which_case")
            return []
        entry = book.entry(facts.case_type, facts.role)
        event = entry.key_event_for(facts.order_status) or entry.key_event
        if event is None:  # required_slots never asks then; answer anyway rather than fail
            dispatcher.utter_message(response="utter_key_date_unclear")
            return []
        dispatcher.utter_message(response="utter_ask_key_date", event=book.event_label(event))
        return []


def _role_from_message(tracker: Tracker) -> str | None:
    values = [e.get("value") for e in latest_entities(tracker, "role")]
    return next((v for v in values if v in ROLES), None)


def _not_understood(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
) -> dict[str, Any]:
    """Re-ask the requested slot when the user answered but we did not understand."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    if latest_intent(tracker) not in ANSWER_INTENTS:
        return {}  # a digression: let the form reject so the policies can answer it
    dispatcher.utter_message(response="utter_slot_unclear")
    return {slot: None}
