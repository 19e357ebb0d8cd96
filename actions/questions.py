"""Rule questions (can I do X now, how many points, is this fraud) answered in the case's
context, whichever action the turn reached. The answer comes from the rule book."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import catalog, latest_intent, lexicon, message_day, rulebook, words
from bot import guidance, presenter
from bot.statutes import LawTurn, asks_about_law, law_reply
from bot.understanding import dialogue
from bot.understanding.questions import answer_lines, question_kind
from bot.understanding.state import CaseState


def _earlier_user_texts(tracker: Tracker, most: int = 2) -> tuple[str, ...]:
    """Up to ``most`` user messages before the latest one, newest first."""
    users = [event for event in tracker.events if event.get("event") == "user"]
    return tuple(str(event.get("text") or "") for event in reversed(users[:-1]))[:most]


def _number(value: object) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def law_topics_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question about the law that no topic answers gets the topics that can be answered
    (instead of "not understood"); True when sent."""
    statutes = catalog().statutes
    if not asks_about_law(tracker.latest_message.get("text") or "", statutes):
        return False
    titles = [topic.title for topic in statutes.topics]
    dispatcher.utter_message(response="utter_law_topics", topics=words().join_list(titles))
    return True


def answer_statute_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                            state: CaseState, caveat_due: bool) -> bool:
    """Answer the latest message's question about the law, if it asks one; True when
    answered. The open case (if any) stays as it is."""
    turn = LawTurn(
        message=tracker.latest_message.get("text") or "", earlier=_earlier_user_texts(tracker),
        intent=latest_intent(tracker),
        event_dates=state.rulebook_dates(lexicon()),
        dated_now=state.rulebook_dates(lexicon(), turn=state.turns), today=message_day(tracker),
        price=_number(state.value("amount")),
        price_now=state.facts.get("amount") is not None
        and state.facts["amount"].turn == state.turns)
    answer = law_reply(turn, rulebook(), catalog().statutes)
    if answer is None:
        return False
    response = "utter_statute_followup" if answer.follow_up else "utter_statute_answer"
    dispatcher.utter_message(response=response,
                             **presenter.statute(words(), answer, turn.today, caveat_due))
    return True


def answer_rule_question(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
                         caveat_due: bool, facts: guidance.CaseFacts | None = None,
                         specific_only: bool = False) -> bool:
    """Answer the latest message's rule question, if it asks one; True when answered.
    ``facts``: the case's guidance facts when the caller already has them;
    ``specific_only``: only an answer from the case's own dates or a safety rule."""
    kind = question_kind(tracker.latest_message.get("text") or "", catalog().questions)
    if kind is None:
        return False
    book, today = rulebook(), message_day(tracker)
    entry = dialogue.entry_for(state, book)
    facts = facts or dialogue.case_facts(state, today, book, lexicon())
    result = guidance.build_guidance(book, facts) if facts else None
    told = tuple(dict.fromkeys((*state.safety_seen, *state.safety)))
    answer = answer_lines(words(), kind, book, entry, result, today, told,
                          tracker.latest_message.get("text") or "")
    topic = words().entry("questions", "topic", kind.id)
    if answer is None and kind.answer == "opens":
        return False  # no "possible from" limit: the action's own answer says what to do now
    if specific_only and (answer is None or not answer.specific):
        return False
    if answer is None:
        dispatcher.utter_message(response="utter_rule_answer_none", topic=topic)
        return True
    lines = "\n".join(f"• {line}" for line in answer.lines)
    dispatcher.utter_message(
        response="utter_rule_answer", topic=topic, lines=lines,
        caveat=presenter.short_caveat(words()) if caveat_due else "")
    return True
