"""Complaint drafts: render from the user's confirmed facts, ask for what is missing, redraft."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case import known_slots, utter_safety
from actions.common import (
    case_facts,
    case_state,
    keep,
    latest_entities,
    latest_intent,
    message_time,
    rulebook,
)
from bot import case_view, drafting, guidance, text
from bot.case_view import SKIPPED
from bot.dates import resolve_date
from bot.store.sync import record_draft

# Facts the draft form may ask for, in this order; which ones depends on the case.
DRAFT_FACT_SLOTS = ("order_number", "item", "amount", "payment_date", "what_happened", "demand",
                    "shop_name", "evidence", "contact")
# While a fact is asked, these intents are digressions, not answers.
DIGRESSIONS = {"request_draft", "human_handoff", "bot_challenge", "goodbye", "thank",
               "ask_deadline", "ask_next_step", "ask_evidence", "check_progress"}
SKIP_INTENTS = {"deny"}
DIGITS = re.compile(r"\d{6,25}")


def _choice(tracker: Tracker, slot: str, allowed: list[str], default: str) -> str:
    value = tracker.get_slot(slot)
    return value if value in allowed else default


class ActionDraftComplaint(Action):
    """Drafts the complaint for the current case in the chosen tone and for the addressee."""

    def name(self) -> str:
        return "action_draft_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state, _turns = case_state(tracker)
        utter_safety(dispatcher, state)
        facts = case_facts(tracker, state)
        if facts is None:
            dispatcher.utter_message(response="utter_which_case")
            return []
        result = guidance.build_guidance(rulebook(), facts)
        slots = {**tracker.slots, **known_slots(state)}  # every fact the user gave so far
        role = result.role
        addressees = drafting.supported_addressees(result.case_type, role)
        addressee = _choice(tracker, "addressee", addressees, addressees[0])
        tone = _choice(tracker, "tone", ["polite", "firm"], "polite")
        wanted = tracker.get_slot("addressee")
        if wanted and wanted not in addressees:
            dispatcher.utter_message(
                response="utter_draft_addressee_unavailable",
                wanted=text.label("addressee", wanted),
                offered=text.join_list(text.label("addressee", a) for a in addressees),
            )
        draft = drafting.render_draft(
            result.case_type, role, addressee, tone, case_view.draft_facts(slots, result),
            case_view.draft_context(result, addressee, facts.today),
        )
        key = hashlib.sha1(f"{addressee}|{tone}|{draft.text}".encode()).hexdigest()
        if key == tracker.get_slot("draft_key"):
            return []  # the same draft was just shown
        dispatcher.utter_message(
            response="utter_draft_header",
            addressee=text.label("addressee", addressee), tone=text.label("tone", tone),
        )
        for part in draft.parts:
            dispatcher.utter_message(text=part)
        keep(lambda repo: record_draft(
            repo, tracker.sender_id, result.case_type, role, tone, addressee, draft.text))
        asked = [name for name in draft.missing
                 if name in DRAFT_FACT_SLOTS or name == f"event_dates.{case_view.PAYMENT}"]
        if asked:
            labels = [drafting.fact_placeholder(name) for name in draft.missing]
            dispatcher.utter_message(response="utter_draft_missing", missing=text.join_list(labels))
        else:
            dispatcher.utter_message(response="utter_draft_switch")
        return [SlotSet("draft_key", key), SlotSet("addressee", addressee), SlotSet("tone", tone)]


class ValidateDraftForm(FormValidationAction):
    """Asks, one at a time, for the facts the last draft had to leave as placeholders."""

    def name(self) -> str:
        return "validate_draft_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        facts = case_facts(tracker)
        if facts is None:
            return []
        role = rulebook().entry(facts.case_type, facts.role).role
        needed = set(drafting.case_facts(facts.case_type, role))
        if tracker.get_slot("addressee") == "regulator":
            needed.add("contact")  # complaints to the regulator name the complainant
        if case_view.PAYMENT in drafting.case_event_keys(facts.case_type, role):
            needed.add("payment_date")
        return [slot for slot in DRAFT_FACT_SLOTS if slot in needed]

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        values = [str(e.get("value")) for e in latest_entities(tracker, "order_number")]
        if values:
            return {"order_number": values[0]}
        if tracker.get_slot("requested_slot") != "order_number":
            return {}
        match = DIGITS.search(tracker.latest_message.get("text") or "")
        if match:
            return {"order_number": match.group(0)}
        return _free_text(dispatcher, tracker, "order_number", accept_text=False)

    async def extract_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        values = [str(e.get("value")) for e in latest_entities(tracker, "amount")]
        if values:
            return {"amount": values[0]}
        return _free_text(dispatcher, tracker, "amount")

    async def extract_payment_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "payment_date":
            return {}
        said = tracker.latest_message.get("text") or ""
        resolution = resolve_date(said, message_time(tracker))
        if resolution.status == "ok" and resolution.value:
            return {"payment_date": resolution.value.isoformat()}
        if resolution.status == "future":
            dispatcher.utter_message(response="utter_key_date_future", date_text=said)
            return {"payment_date": None}
        return _free_text(dispatcher, tracker, "payment_date", accept_text=False)

    async def extract_item(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _free_text(dispatcher, tracker, "item")

    async def extract_what_happened(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _free_text(dispatcher, tracker, "what_happened")

    async def extract_demand(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _free_text(dispatcher, tracker, "demand")

    async def extract_shop_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _free_text(dispatcher, tracker, "shop_name")

    async def extract_evidence(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _free_text(dispatcher, tracker, "evidence")

    async def extract_contact(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _free_text(dispatcher, tracker, "contact")


def _free_text(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, accept_text: bool = True
) -> dict[str, Any]:
    """The asked fact: the user's words, 'skip' for a skip word or deny, {} for digressions."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    intent = latest_intent(tracker)
    answer = (tracker.latest_message.get("text") or "").strip()
    if intent in SKIP_INTENTS or answer in text.load_locale()["presenter"]["skip_words"]:
        return {slot: SKIPPED}
    if intent in DIGRESSIONS:
        return {}
    if not answer or not accept_text:
        dispatcher.utter_message(response="utter_slot_unclear")
        return {slot: None}
    return {slot: answer}
