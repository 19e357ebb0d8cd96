"""Rule questions (can I do X now, how many points, is this fraud) answered in the case's
context, whichever action the turn reached, and questions about the law itself. The answers
come from the rule book and the law; they are added to the turn's reply."""

from __future__ import annotations

from typing import Any

from bot import guidance, presenter
from bot.knowledge.retrieval import SECOND_MARGIN as CONFIDENT
from bot.statutes import LawTurn, asks_about_law, law_reply
from bot.turn.context import TurnContext
from bot.understanding import dialogue
from bot.understanding.questions import answer_lines, question_kind


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def law_topics_if_asked(turn: TurnContext) -> bool:
    """A question about the law that no topic answers gets the topics that can be answered
    (instead of "not understood"); True when sent."""
    statutes = turn.catalog.statutes
    if not asks_about_law(turn.text, statutes):
        return False
    titles = [topic.title for topic in statutes.topics]
    turn.reply.say("utter_law_topics", topics=turn.words.join_list(titles))
    return True


def answer_statute_question(turn: TurnContext) -> bool:
    """Answer the latest message's question about the law, if it asks one; True when
    answered. The open case (if any) stays as it is."""
    state, lexicon = turn.state, turn.lexicon
    law = LawTurn(
        message=turn.text, earlier=turn.earlier_texts(),
        intent=turn.intent,
        event_dates=state.rulebook_dates(lexicon),
        dated_now=state.rulebook_dates(lexicon, turn=state.turns), today=turn.day,
        price=_number(state.value("amount")),
        price_now=state.facts.get("amount") is not None
        and state.facts["amount"].turn == state.turns)
    answer = law_reply(law, turn.rulebook, turn.catalog.statutes)
    if answer is None or (not answer.follow_up and knowledge_knows_better(turn)):
        return False
    response = "utter_statute_followup" if answer.follow_up else "utter_statute_answer"
    values = presenter.statute(turn.words, answer, law.today, caveat_due=True)
    hedge = presenter.statute_hedge(turn.words, answer)
    turn.reply.say(response, without_caveat=hedge, **values)
    turn.law_answered = True
    return True


def knowledge_knows_better(turn: TurnContext) -> bool:
    """A message that does not name the law but asks what a knowledge family answers with
    confidence: that family's answer (it cites the law too) is more to the point than the
    statute's passage its words happened to touch."""
    if asks_about_law(turn.text, turn.catalog.statutes):
        return False
    matches = turn.readers.answers(turn.text, turn.previous_bot_text)
    return any(match.score >= CONFIDENT for match in matches)


def answer_rule_question(turn: TurnContext, facts: guidance.CaseFacts | None = None,
                         specific_only: bool = False) -> bool:
    """Answer the latest message's rule question, if it asks one; True when answered.
    ``facts``: the case's guidance facts when the caller already has them;
    ``specific_only``: only an answer from the case's own dates or a safety rule."""
    kind = question_kind(turn.text, turn.catalog.questions)
    if kind is None:
        return False
    state, book, today, words = turn.state, turn.rulebook, turn.day, turn.words
    entry = dialogue.entry_for(state, book)
    facts = facts or dialogue.case_facts(state, today, book, turn.lexicon)
    result = guidance.build_guidance(book, facts) if facts else None
    told = tuple(dict.fromkeys((*state.safety_seen, *state.safety)))
    answer = answer_lines(words, kind, book, entry, result, today, told, turn.text)
    topic = words.entry("questions", "topic", kind.id)
    if answer is None and kind.answer == "opens":
        return False  # no "possible from" limit: the action's own answer says what to do now
    if specific_only and (answer is None or not answer.specific):
        return False
    if answer is None:
        turn.reply.say("utter_rule_answer_none", topic=topic)
        return True
    new = [line for line in answer.lines if not turn.reply.holds(line)]
    if new:  # a line the turn already said (the safety flag's) is not said again
        turn.reply.say("utter_rule_answer", topic=topic, lines="\n".join(
            f"• {line}" for line in new), caveat=presenter.short_caveat(words))
    return True
