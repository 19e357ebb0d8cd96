"""The case turn's own steps: read the whole conversation, say what is new, ask one thing.

The case state comes from :func:`bot.understanding.state.derive_case_state`; these steps
only turn its verdicts into responses and slots. In :data:`bot.turn.pipelines.CASE_TURN`
they run after safety and the law's answers: the answers a turn without a case gets, the
redraft when a placeholder was filled, the answer first, the case news (the case switched or
opened, situational advice, a draft asked beside the case), then one question or the guide.
"""

from __future__ import annotations

import hashlib

from bot import guidance, presenter
from bot.advice import due_advice
from bot.chinese_forms import normalize
from bot.store.sync import record_case
from bot.turn.answers import (
    answer_first,
    answer_knowledge,
    not_covered_if_asked,
    reply_to_act,
    turn_reading,
)
from bot.turn.context import (
    ADVICE_SLOT,
    GUIDED_SLOT,
    READING_SLOT,
    STORED_SLOTS,
    TurnContext,
)
from bot.turn.drafts import (
    changes_the_draft_just_shown,
    draft_if_asked,
    fills_a_placeholder,
    send_draft,
)
from bot.turn.middleware import Next
from bot.turn.reminders import limits_mark
from bot.turn.rule_questions import answer_rule_question, law_topics_if_asked
from bot.understanding import dialogue
from bot.understanding.conversation import ASKED_EVENT_SLOT, ASKED_SLOT
from bot.understanding.intents import intent_registry
from bot.understanding.questions import asks_next_step

# what a turn that settled screenshots says (bot/turn/uploads.say_added): it needs no act reply
SETTLED = ("utter_upload_added", "utter_upload_kept_unread")
ASK_RESPONSES = {"role": "utter_ask_role", "order_status": "utter_ask_order_status"}


def limits_digest(result: guidance.Guidance) -> str:
    """Identifies the dated limits as shown, so an unchanged block is not shown again."""
    dated = [f"{item.limit_id}:{item.due}:{item.due_max}" for item in result.deadlines]
    return hashlib.sha1("|".join(dated).encode()).hexdigest()[:16]


def rung_of(turn: TurnContext, result: guidance.Guidance) -> int:
    """The rung the conversation is on (the slot), else the case's current one."""
    value = turn.slot("ladder_rung")
    return result.current_rung_index if value is None else int(value)


def keep_reading(turn: TurnContext) -> None:
    """What the assistant asked is cleared (the question step may ask again); how the
    readers read the turn is kept for the agents' console."""
    turn.set_slot(ASKED_SLOT, None)
    turn.set_slot(ASKED_EVENT_SLOT, None)
    turn.set_slot(READING_SLOT, turn_reading(turn))


def answer_without_case(turn: TurnContext) -> bool:
    """Without a case: a rule question, the law's topics, the knowledge base, the honest
    line, else the reply to the intent (which case, when nothing else fits); True when
    there is no case (the turn ends here)."""
    if turn.state.case_type is not None:
        return False
    if (answer_rule_question(turn) or law_topics_if_asked(turn) or answer_knowledge(turn)
            or (turn.intent != "out_of_scope" and not_covered_if_asked(turn))):
        return True
    if not turn.reply.said("utter_safety_flag") or turn.intent in {"affirm", "deny"}:
        turn.reply.say(intent_registry().no_case_replies.get(turn.intent or "",
                                                             "utter_which_case"))
    return True


def redraft_if_filled(turn: TurnContext) -> bool:
    """A reply that fills a placeholder of the draft, or that adds or corrects a fact of the
    draft shown just before it, gets the draft again, with the fact in it; True when it did
    (the turn is a draft turn); a question the message asks as well is answered first."""
    if not (fills_a_placeholder(turn) or changes_the_draft_just_shown(turn)):
        return False
    answer_question_first(turn)
    turn.drafted = True
    send_draft(turn, None, confirmed=True, updated=True)  # its other facts were confirmed
    return True


def answer_question_first(turn: TurnContext) -> None:
    """The turn's question answered before the case news (:func:`answer_first`)."""
    first = answer_first(turn, turn.case_facts)
    turn.answered, turn.by_rule = first.answered, first.by_rule


def opened_now(turn: TurnContext) -> bool:
    return turn.state.opened_turn == turn.state.turns


class CaseNews:
    """What changed in the case: switched or opened (the intro), the advice now due, a
    draft asked beside the case (which ends the turn); after the rest of the turn, the case
    store is written when the case opened or a kept slot changed."""

    def on_turn(self, turn: TurnContext, next: Next) -> None:
        state, book, words, reply = turn.state, turn.rulebook, turn.words, turn.reply
        entry = dialogue.entry_for(state, book)
        facts = turn.case_facts
        case_type = state.case_type
        # a turn without a case ended before this step (answer_without_case); with one, the
        # entry and the facts are both read from it
        assert entry is not None and facts is not None and case_type is not None
        if opened_now(turn):
            if state.switched_from:
                reply.say("utter_case_new_matter" if state.new_matter else "utter_case_switched",
                          case=words.label("case_type", case_type))
            now = guidance.build_guidance(book, facts).current_rung
            reply.say("utter_case_intro", **presenter.case_intro(words, book, entry, now))
        say_advice(turn, entry.role)
        if draft_if_asked(turn):  # a case message that also asks for a draft
            return
        next()
        if opened_now(turn) or STORED_SLOTS & set(turn.changed_slots()):
            key_event = entry.key_event_for(state.status)
            turn.keep(lambda repo: record_case(
                repo, turn.sender_id, case_type, entry.role, key_event, facts.key_date,
                order_number=state.value("order_number"), amount=state.value("amount")))


def say_advice(turn: TurnContext, role: str) -> None:
    """The one line of situational advice the case now calls for, once per case."""
    key = turn.case_key
    shown = list(turn.slot(ADVICE_SLOT) or [])
    done = [item.split("|", 1)[1] for item in shown if item.startswith(f"{key}|")]
    advice = due_advice(turn.catalog.advice, turn.state, role, done)
    if advice is None:
        return
    if turn.reply.say("utter_advice", text=advice.text,
                      source=turn.words.source_tag(advice.citations)):
        turn.set_slot(ADVICE_SLOT, [*shown, f"{key}|{advice.id}"])


class OneQuestion:
    """At most one question (only what the case still needs); without one, the guide."""

    def on_turn(self, turn: TurnContext, next: Next) -> None:
        question = dialogue.next_question(turn.state, turn.turns, turn.rulebook, turn.lexicon)
        if turn.by_rule:
            pass  # the rule answer already told where the case stands
        elif question is not None:
            ask(turn, question)
        else:
            guide(turn, spoke=opened_now(turn) or turn.reply.said("utter_safety_flag"))
        next()


def ask(turn: TurnContext, question: dialogue.Question) -> None:
    """Ask the case's question; what was asked is kept for reading the answer."""
    if question.slot == "key_date":
        assert question.rulebook_event is not None  # a date question names its event
        asked = turn.reply.ask("utter_ask_key_date",
                               event=turn.rulebook.event_label(question.rulebook_event))
    else:
        asked = turn.reply.ask(ASK_RESPONSES[question.slot])
    if asked:
        turn.set_slot(ASKED_SLOT, question.slot)
        turn.set_slot(ASKED_EVENT_SLOT, question.lexicon_event)


def guide(turn: TurnContext, spoke: bool) -> None:
    """Dated limits when they changed, the rung once per case, else what was noted, else
    the reply to the turn's dialogue act (nothing more when a question was answered)."""
    reply, words, key = turn.reply, turn.words, turn.case_key
    facts = turn.case_facts
    assert facts is not None  # guide runs only in a case turn (answer_without_case)
    result = guidance.build_guidance(turn.rulebook, facts)
    said = False
    digest = limits_digest(result)
    dated_now = any(item.due is not None for item in result.deadlines)
    first_time = turn.slot(GUIDED_SLOT) != key
    if result.deadlines and (dated_now or first_time) and not reply.limits_unchanged(digest):
        message = presenter.deadlines(words, result, dated_first=True)
        if message is not None:
            said = reply.show_limits(digest, message[0], mark=limits_mark(turn, result),
                                     **message[1])
    if first_time and turn.answered and opened_now(turn):
        # a first message whose question was answered, and whose intro named the step:
        # the rung in full waits for the next turn, so the reply fits a phone screen
        return
    if first_time:
        response, values = presenter.rung(words, result, result.current_rung_index)
        if reply.say(response, optional=True, **values):
            reply.say("utter_guidance_menu", optional=True)
            turn.set_slot(GUIDED_SLOT, key)
            turn.set_slot("ladder_rung", float(result.current_rung_index))
            said = True
    if not said:
        line = facts_line(turn)
        what_now = not spoke and asks_next_step(turn.text, turn.catalog.questions)
        if line:
            reply.say("utter_facts_noted", facts=line)
        if what_now:  # a "what now?" question: the step the case is on, after what was noted
            # (named in one line when it was shown in full before)
            response, values = presenter.rung_again(result, rung_of(turn, result))
            reply.say(response, **values)
        elif (not (line or spoke or turn.answered) and not reply.said(*SETTLED)
              and not law_topics_if_asked(turn)):
            # a story without a fact the case keeps, an answer, a feeling, an aside…
            # (not the "yes" that settled a screenshot: that turn said what was added)
            reply_to_act(turn, result, rung_of(turn, result))


def facts_line(turn: TurnContext) -> str | None:
    """The facts the latest turn told, as one line (problems left out of a question)."""
    words = turn.words
    labels = words.entry("facts")
    asks = any(word in normalize(turn.text) for word in turn.catalog.questions.question_words)
    pairs = dialogue.latest_facts(turn.state, turn.lexicon, labels, with_problems=not asks)
    if not pairs:
        return None
    shown = []
    for label, value in pairs:
        if label == labels["order_status"]:
            value = words.label("order_status", value)
        shown.append(str(labels["fact_pair"]).format(label=label, value=value))
    return str(labels["fact_separator"]).join(shown)
