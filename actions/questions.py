"""Rule questions (can I do X now, how many points, is this fraud) answered in the case's
context, whichever action the turn reached. The answer comes from the rule book."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import lexicon, message_day, rulebook
from bot import guidance, presenter, text
from bot.statutes import (
    asks_about_law,
    follow_up_lines,
    load_statutes,
    statute_answer,
    statute_topic,
)
from bot.understanding import dialogue
from bot.understanding.questions import answer_lines, load_questions, question_kind
from bot.understanding.state import CaseState

# intents a follow-up question about the law may come with (None: no NLU result)
FOLLOW_UP_INTENTS = frozenset({None, "ask_deadline", "inform", "nlu_fallback", "out_of_scope",
                               "affirm", "deny"})


def _previous_user_text(tracker: Tracker) -> str:
    """The user message before the latest one ("" when there is none)."""
    users = [event for event in tracker.events if event.get("event") == "user"]
    return str(users[-2].get("text") or "") if len(users) > 1 else ""


def _follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, message: str) -> bool:
    """A question right after a question about the law, on the same topic (is there a time
    limit on the mediation?): the lines of that topic it is about; True when answered. A
    message the NLU reads as a case, a draft or another request is left to its action."""
    if (tracker.latest_message.get("intent") or {}).get("name") not in FOLLOW_UP_INTENTS:
        return False
    words = load_questions().question_words
    previous = statute_topic(_previous_user_text(tracker), load_statutes(), words)
    lines = () if previous is None else follow_up_lines(message, previous, words)
    if not lines:
        return False
    dispatcher.utter_message(response="utter_statute_followup",
                             **presenter.statute_follow_up(previous, lines))
    return True


def law_topics_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question about the law that no topic answers gets the topics that can be answered
    (instead of "not understood"); True when sent."""
    if not asks_about_law(tracker.latest_message.get("text") or "",
                          load_questions().question_words):
        return False
    titles = [topic.title for topic in load_statutes()]
    dispatcher.utter_message(response="utter_law_topics", topics=text.join_list(titles))
    return True


def answer_statute_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                            state: CaseState, caveat_due: bool) -> bool:
    """Answer the latest message's question about the law, if it asks one; True when
    answered. The open case (if any) stays as it is."""
    message = tracker.latest_message.get("text") or ""
    words = load_questions().question_words
    topic = statute_topic(message, load_statutes(), words)
    if topic is None:
        return _follow_up(dispatcher, tracker, message)
    answer = statute_answer(topic, rulebook(), state.rulebook_dates(lexicon()),
                            message_day(tracker))
    dispatcher.utter_message(response="utter_statute_answer",
                             **presenter.statute(answer, message_day(tracker), caveat_due))
    return True


def answer_rule_question(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
                         caveat_due: bool, facts: guidance.CaseFacts | None = None) -> bool:
    """Answer the latest message's rule question, if it asks one; True when answered.
    ``facts``: the case's guidance facts when the caller already has them."""
    kind = question_kind(tracker.latest_message.get("text") or "", load_questions())
    if kind is None:
        return False
    book, today = rulebook(), message_day(tracker)
    entry = dialogue.entry_for(state, book)
    facts = facts or dialogue.case_facts(state, today, book, lexicon())
    result = guidance.build_guidance(book, facts) if facts else None
    told = tuple(dict.fromkeys((*state.safety_seen, *state.safety)))
    answer = answer_lines(kind, book, entry, result, today, told)
    topic = text.load_locale()["questions"]["topic"][kind.id]
    if answer is None and kind.answer == "opens":
        return False  # no "possible from" limit: the action's own answer says what to do now
    if answer is None:
        dispatcher.utter_message(response="utter_rule_answer_none", topic=topic)
        return True
    lines = "\n".join(f"• {line}" for line in answer.lines)
    dispatcher.utter_message(
        response="utter_rule_answer", topic=topic, lines=lines,
        caveat=presenter.short_caveat() if caveat_due else "")
    return True
