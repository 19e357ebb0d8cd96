"""One turn of a case: read the whole conversation, say what is new, ask one thing at most.

The case state comes from :func:`bot.understanding.state.derive_case_state`; this module
only turns its verdicts into responses and slot events.
"""

from __future__ import annotations

import hashlib

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    answer_first,
    answer_knowledge,
    not_covered_if_asked,
    reply_to_act,
    turn_reading,
)
from actions.common import (
    case_state,
    catalog,
    keep,
    latest_intent,
    lexicon,
    message_day,
    rulebook,
    words,
)
from actions.draft_reply import draft_if_asked, fills_a_placeholder, send_draft
from actions.questions import answer_rule_question, answer_statute_question, law_topics_if_asked
from bot import guidance, presenter
from bot.advice import due_advice
from bot.chinese_forms import normalize
from bot.store.sync import record_case
from bot.understanding import dialogue
from bot.understanding.conversation import ASKED_EVENT_SLOT, ASKED_SLOT
from bot.understanding.questions import asks_next_step
from bot.understanding.state import CaseState

CAVEAT_SLOT = "caveat_for"  # the case whose caveat was shown
LIMITS_SLOT = "limits_shown"  # a digest of the dated limits last shown
GUIDED_SLOT = "guided_for"  # the case whose rung and menu were shown
READING_SLOT = "turn_reading"  # how the readers read the turn (shown in the console)
ADVICE_SLOT = "advice_shown"  # "<case key>|<advice id>" of every advice line shown
# The case store keeps these; it is written only when one of them changed.
STORED_SLOTS = frozenset({"case_type", "role", "key_date", "order_number", "amount"})
ASK_RESPONSES = {"role": "utter_ask_role", "order_status": "utter_ask_order_status"}
NO_CASE_RESPONSES = {"nlu_fallback": "utter_fallback", "out_of_scope": "utter_out_of_scope",
                     "affirm": "utter_affirm_ack", "deny": "utter_deny_ack"}


def case_key(state: CaseState) -> str:
    """Identifies one case of the conversation (its type and the turn it opened)."""
    return f"{state.case_type}@{state.opened_turn}"


NO_CASE_KEY = case_key(CaseState())


def needs_caveat(tracker: Tracker, state: CaseState) -> bool:
    """The caveat goes once per case; one shown before any case opened counts for the first."""
    return tracker.get_slot(CAVEAT_SLOT) not in {case_key(state), NO_CASE_KEY}


def utter_safety(dispatcher: CollectingDispatcher, state: CaseState) -> bool:
    """The safety flags the latest turn raised (each once per case), in one message, each
    with its own text and source."""
    book = rulebook()
    new = [book.safety_flag(flag_id) for flag_id in state.safety
           if flag_id not in state.safety_seen]
    if new:
        line = words().entry("presenter", "safety_line")
        dispatcher.utter_message(response="utter_safety_flag", lines="\n".join(
            line.format(message=flag.message, source=words().source_tag(book.cite(flag.source)))
            for flag in new))
    return bool(new)


def _facts_line(state: CaseState, said: str) -> str | None:
    labels = words().entry("facts")
    asks = any(word in normalize(said) for word in catalog().questions.question_words)
    pairs = dialogue.latest_facts(state, lexicon(), labels, with_problems=not asks)
    if not pairs:
        return None
    shown = []
    for label, value in pairs:
        if label == labels["order_status"]:
            value = words().label("order_status", value)
        shown.append(str(labels["fact_pair"]).format(label=label, value=value))
    return str(labels["fact_separator"]).join(shown)


def limits_digest(result: guidance.Guidance) -> str:
    """Identifies the dated limits as shown, so an unchanged block is not shown again."""
    dated = [f"{item.limit_id}:{item.due}:{item.due_max}" for item in result.deadlines]
    return hashlib.sha1("|".join(dated).encode()).hexdigest()[:16]


class ActionCaseTurn(Action):
    """Answers a case message, a detail or a free-text reply from the whole case state."""

    def name(self) -> str:
        return "action_case_turn"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state, turns = case_state(tracker)
        book = rulebook()
        spoke = utter_safety(dispatcher, state)
        events: list[EventType] = [SlotSet(ASKED_SLOT, None), SlotSet(ASKED_EVENT_SLOT, None),
                                   SlotSet(READING_SLOT, turn_reading(tracker))]
        key = case_key(state)
        if answer_statute_question(dispatcher, tracker, state, needs_caveat(tracker, state)):
            return [*events, SlotSet(CAVEAT_SLOT, key), *sync_slots(tracker, state)]
        if state.case_type is None:
            first = tracker.get_slot(CAVEAT_SLOT) is None  # the caveat once, before any case
            noted = [*events, SlotSet(CAVEAT_SLOT, NO_CASE_KEY)] if first else events
            if answer_rule_question(dispatcher, tracker, state, caveat_due=first):
                return noted
            if law_topics_if_asked(dispatcher, tracker):
                return events
            if answer_knowledge(dispatcher, tracker, state, caveat_due=first):
                return noted
            if latest_intent(tracker) != "out_of_scope" and not_covered_if_asked(dispatcher,
                                                                                tracker):
                return events
            if not spoke or latest_intent(tracker) in {"affirm", "deny"}:
                response = NO_CASE_RESPONSES.get(latest_intent(tracker) or "", "utter_which_case")
                dispatcher.utter_message(response=response)
            return events
        if fills_a_placeholder(tracker, state):
            return events + sync_slots(tracker, state) + send_draft(dispatcher, tracker, state,
                                                                    None)
        caveat_due = needs_caveat(tracker, state)
        entry = dialogue.entry_for(state, book)
        facts = dialogue.case_facts(state, message_day(tracker), book, lexicon())
        # Answer first; then the case news; then at most one question.
        first = answer_first(dispatcher, tracker, state, facts, caveat_due)
        answered, ruled = first.answered, first.by_rule
        caveat_due = caveat_due and not first.with_caveat
        opened_now = state.opened_turn == state.turns
        if opened_now:
            if state.switched_from:
                dispatcher.utter_message(
                    response="utter_case_new_matter" if state.new_matter else "utter_case_switched",
                    case=words().label("case_type", state.case_type))
            now = guidance.build_guidance(book, facts).current_rung if facts else None
            intro = presenter.case_intro(words(), book, entry, now)
            if not caveat_due:
                intro["caveat"] = ""
            dispatcher.utter_message(response="utter_case_intro", **intro)
            caveat_due = False
        events += utter_advice(dispatcher, tracker, state, entry.role, key)
        drafted = draft_if_asked(dispatcher, tracker, state)
        if drafted is not None:  # a case message that also asks for a draft
            return [*events, SlotSet(CAVEAT_SLOT, key), *sync_slots(tracker, state), *drafted]
        question = dialogue.next_question(state, turns, book, lexicon())
        if ruled:
            pass  # the rule answer already told where the case stands
        elif question is not None:
            events += self._ask(dispatcher, question)
        else:
            events += self._guide(dispatcher, tracker, state, facts, key, caveat_due,
                                  opened_now or spoke, answered, opened_now)
            caveat_due = False
        events.append(SlotSet(CAVEAT_SLOT, key))
        synced = sync_slots(tracker, state)
        events += synced
        if opened_now or any(event["name"] in STORED_SLOTS for event in synced):
            key_event = entry.key_event_for(state.status)
            keep(lambda repo: record_case(repo, tracker.sender_id, state.case_type, entry.role,
                                          key_event, facts.key_date,
                                          order_number=state.value("order_number"),
                                          amount=state.value("amount")))
        return events

    def _ask(self, dispatcher: CollectingDispatcher, question: dialogue.Question
             ) -> list[EventType]:
        if question.slot == "key_date":
            dispatcher.utter_message(response="utter_ask_key_date",
                                     event=rulebook().event_label(question.rulebook_event))
        else:
            dispatcher.utter_message(response=ASK_RESPONSES[question.slot])
        return [SlotSet(ASKED_SLOT, question.slot),
                SlotSet(ASKED_EVENT_SLOT, question.lexicon_event)]

    def _guide(self, dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
               facts: guidance.CaseFacts, key: str, caveat_due: bool, spoke: bool,
               answered: bool = False, opened: bool = False) -> list[EventType]:
        """Dated limits when they changed, the rung once per case, else what was noted, else
        the reply to the turn's dialogue act (nothing more when a question was answered)."""
        result = guidance.build_guidance(rulebook(), facts)
        events: list[EventType] = []
        said = False
        digest = limits_digest(result)
        dated_now = any(item.due is not None for item in result.deadlines)
        first_time = tracker.get_slot(GUIDED_SLOT) != key
        changed = tracker.get_slot(LIMITS_SLOT) != digest
        if result.deadlines and changed and (dated_now or first_time):
            message = presenter.deadlines(words(), result, dated_first=True)
            if message is not None:
                response, values = message
                if not caveat_due:
                    values["caveat"] = ""
                dispatcher.utter_message(response=response, **values)
                events.append(SlotSet(LIMITS_SLOT, digest))
                caveat_due, said = False, True
        if first_time and answered and opened:
            # a first message whose question was answered, and whose intro named the step:
            # the rung in full waits for the next turn, so the reply fits a phone screen
            return events
        if first_time:
            response, values = presenter.rung(words(), result, result.current_rung_index)
            if not caveat_due:
                values["caveat"] = ""
            dispatcher.utter_message(response=response, **values)
            dispatcher.utter_message(response="utter_guidance_menu")
            events += [SlotSet(GUIDED_SLOT, key),
                       SlotSet("ladder_rung", float(result.current_rung_index))]
            said = True
        if not said:
            text = tracker.latest_message.get("text") or ""
            line = _facts_line(state, text)
            what_now = not spoke and asks_next_step(text, catalog().questions)
            if line:
                dispatcher.utter_message(response="utter_facts_noted", facts=line)
            if what_now:  # a "what now?" question: the step the case is on, after what was noted
                # (named in one line when it was shown in full before)
                response, values = presenter.rung_again(result, rung_of(tracker, result))
                dispatcher.utter_message(response=response, **values)
            elif not (line or spoke or answered) and not law_topics_if_asked(dispatcher, tracker):
                # a story without a fact the case keeps, an answer, a feeling, an aside…
                reply_to_act(dispatcher, tracker, result, rung_of(tracker, result))
        return events


def utter_advice(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
                 role: str, key: str) -> list[EventType]:
    """The one line of situational advice the case now calls for, once per case."""
    shown = list(tracker.get_slot(ADVICE_SLOT) or [])
    done = [item.split("|", 1)[1] for item in shown if item.startswith(f"{key}|")]
    advice = due_advice(catalog().advice, state, role, done)
    if advice is None:
        return []
    dispatcher.utter_message(response="utter_advice", text=advice.text,
                             source=words().source_tag(advice.citations))
    return [SlotSet(ADVICE_SLOT, [*shown, f"{key}|{advice.id}"])]


def rung_of(tracker: Tracker, result: guidance.Guidance) -> int:
    """The rung the conversation is on (the slot), else the case's current one."""
    value = tracker.get_slot("ladder_rung")
    return result.current_rung_index if value is None else int(value)


def known_slots(state: CaseState) -> dict[str, object]:
    """The slot values the case state knows (unknown ones left out)."""
    values = dialogue.slot_values(state, rulebook(), lexicon())
    return {name: value for name, value in values.items() if value is not None}


def sync_slots(tracker: Tracker, state: CaseState) -> list[EventType]:
    """SlotSet events for the slots the case state sets, where they changed."""
    return [SlotSet(name, value) for name, value in known_slots(state).items()
            if tracker.get_slot(name) != value]
