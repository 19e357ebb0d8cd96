"""Write the draft a request asks for, from the whole case state; name what is missing once.

Used by the draft action and by the case turn (a reply that fills a placeholder of the
draft just shown gets the draft again, with the fact in it).
"""

from __future__ import annotations

import hashlib

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import case_facts, catalog, keep, latest_entities, lexicon, rulebook, words
from bot import guidance
from bot.drafting import Draft, DraftCatalog, placeholder, render_draft
from bot.drafting.compose import context_for, facts_from_state
from bot.drafting.request import CaseSide, DraftRequest, asks_for_draft, read_request
from bot.store.sync import record_draft
from bot.understanding.state import CaseState

KIND_SLOT, MISSING_SLOT, KEY_SLOT = "draft_kind", "draft_missing", "draft_key"


def _entity(tracker: Tracker, name: str) -> str | None:
    found = latest_entities(tracker, name)
    return str(found[-1].get("value")) if found else None


def _render(tracker: Tracker, state: CaseState, result: guidance.Guidance,
            request: DraftRequest, drafts: DraftCatalog) -> Draft:
    context = context_for(words(), request.kind, result, case_facts(tracker, state).today,
                          drafts)
    return render_draft(drafts, request.kind, result.case_type, result.role, request.tone,
                        facts_from_state(state, lexicon()), context)


def _case(tracker: Tracker, state: CaseState) -> tuple[guidance.Guidance, CaseSide] | None:
    facts = case_facts(tracker, state)
    if facts is None:
        return None
    result = guidance.build_guidance(rulebook(), facts)
    side = CaseSide(result.case_type, result.role, frozenset(state.events),
                    result.current_rung.id)
    return result, side


def send_draft(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
               request_text: str | None) -> list[EventType]:
    """Write the requested draft (``request_text`` None: the draft just shown, again)."""
    found = _case(tracker, state)
    if found is None:
        dispatcher.utter_message(response="utter_which_case")
        return []
    result, side = found
    drafts = catalog().drafts
    previous = tracker.get_slot(KIND_SLOT)
    if request_text is None:
        request = read_request("", drafts, side, previous_kind=previous,
                               previous_tone=tracker.get_slot("tone"))
    else:
        request = read_request(request_text, drafts, side, addressee=_entity(tracker, "addressee"),
                               tone=_entity(tracker, "tone"), previous_kind=previous,
                               previous_tone=tracker.get_slot("tone"))
    draft = _render(tracker, state, result, request, drafts)
    key = hashlib.sha1(f"{draft.kind}|{draft.tone}|{draft.text}".encode()).hexdigest()
    if key == tracker.get_slot(KEY_SLOT):
        dispatcher.utter_message(response="utter_draft_unchanged")
        return []
    kind = drafts.kind(draft.kind)
    if request.unavailable:
        dispatcher.utter_message(response="utter_draft_kind_unavailable",
                                 wanted=drafts.kind(request.unavailable).label, kind=kind.label)
    elif request.chosen_by in ("rung", "case"):
        dispatcher.utter_message(response="utter_draft_chosen", rung=result.current_rung.name,
                                 kind=kind.label)
    dispatcher.utter_message(response="utter_draft_header", kind=kind.label,
                             addressee=words().label("addressee", kind.addressee),
                             tone=words().label("tone", draft.tone))
    dispatcher.utter_message(text=draft.text)
    keep(lambda repo: record_draft(repo, tracker.sender_id, draft.case_type, draft.role,
                                   draft.tone, draft.addressee, draft.text))
    if draft.missing:
        labels = [placeholder(name, drafts) for name in draft.missing]
        named = list(tracker.get_slot(MISSING_SLOT) or []) == list(draft.missing)
        dispatcher.utter_message(  # the same gaps named again, in one short line
            response="utter_draft_missing_again" if named else "utter_draft_missing",
            count=len(labels), missing=words().join_list(labels))
    else:
        dispatcher.utter_message(response="utter_draft_switch")
    return [SlotSet(KEY_SLOT, key), SlotSet(KIND_SLOT, draft.kind),
            SlotSet("tone", draft.tone), SlotSet("addressee", draft.addressee),
            SlotSet(MISSING_SLOT, draft.missing or None)]


def fills_a_placeholder(tracker: Tracker, state: CaseState) -> bool:
    """Whether the latest turn gave a fact the draft just shown left as a placeholder."""
    missing = tracker.get_slot(MISSING_SLOT) or []
    kind_id = tracker.get_slot(KIND_SLOT)
    found = _case(tracker, state) if missing and kind_id else None
    if found is None:
        return False
    result, side = found
    drafts = catalog().drafts
    try:
        request = read_request("", drafts, side, previous_kind=kind_id,
                               previous_tone=tracker.get_slot("tone"))
        draft = _render(tracker, state, result, request, drafts)
    except ValueError:
        return False
    return set(draft.missing) < set(missing)





def draft_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState
                   ) -> list[EventType] | None:
    """The draft, when a case message also asks for one (None when it does not)."""
    said = tracker.latest_message.get("text") or ""
    shown = tracker.get_slot(KIND_SLOT) is not None
    if state.case_type is None or not asks_for_draft(said, catalog().drafts, redraft=shown):
        return None
    return send_draft(dispatcher, tracker, state, said)
