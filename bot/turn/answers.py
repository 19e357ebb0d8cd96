"""Answers first: the knowledge base's answers to a turn's questions, the honest line when
no family covers a question, and the reply to a turn that is an answer, a feeling, an aside
or thanks (read by its dialogue act, in the context of what the assistant last said).

The models live in :mod:`bot.knowledge` and :mod:`bot.understanding.acts`; this module
reads the turn (:class:`~bot.turn.context.TurnContext`) and adds the responses of
``domain.yml`` to its reply (which puts the caveat on the first that can carry it).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import guidance, presenter
from bot.drafting.request import asks_for_draft
from bot.knowledge import Family
from bot.knowledge.retrieval import SECOND_MARGIN as CONFIDENT
from bot.turn.context import TurnContext
from bot.turn.drafts import KIND_SLOT
from bot.turn.rule_questions import answer_rule_question
from bot.understanding import dialogue
from bot.understanding.questions import asks_next_step
from bot.understanding.state import CaseState

ACT_RESPONSES = {"yes": "utter_act_yes", "no": "utter_act_no", "feeling": "utter_act_feeling",
                 "aside": "utter_act_aside", "thanks": "utter_act_thanks",
                 "fact": "utter_noted_text", "request": "utter_act_request"}


def turn_act(turn: TurnContext) -> str:
    """The latest message's dialogue act, read against the assistant's previous message."""
    return turn.readers.act(turn.text, turn.previous_bot_text)


def turn_reading(turn: TurnContext) -> dict[str, object]:
    """How the readers read the latest message, for the agents' console: its act and the
    knowledge base's three best families with their margins (and the acceptance margin)."""
    knowledge = turn.readers.knowledge
    return {"act": turn_act(turn), "threshold": knowledge.threshold,
            "knowledge": [[name, round(score, 2)]
                          for name, score in knowledge.ranking(turn.text)[:3]]}


def case_role(turn: TurnContext, state: CaseState) -> str | None:
    entry = dialogue.entry_for(state, turn.rulebook)
    return entry.role if entry else state.role


def answer_knowledge(turn: TurnContext, sure: bool = False) -> bool:
    """Answer the questions the latest message asks from the knowledge base; True when at
    least one was answered (the caveat goes with the first when due). ``sure``: only
    families past the model's boundary (where another answer would otherwise stand). An
    answer about a time limit ends with it dated from the case's own dates."""
    state = turn.state
    matches = turn.readers.answers(turn.text, turn.previous_bot_text,
                                   case_role(turn, state), state.case_type)
    if sure:
        matches = [match for match in matches if match.score >= CONFIDENT]
    for match in matches:
        turn.reply.say(
            "utter_knowledge_answer", answer=match.family.answer,
            source=turn.words.source_tag(match.family.citations),
            dated=presenter.knowledge_limits(turn.words, family_limits(turn, match.family),
                                             turn.day),
            caveat=presenter.short_caveat(turn.words))
    return bool(matches)


def family_limits(turn: TurnContext, family: Family) -> list[guidance.DeadlineItem]:
    """The time limits a family is about, as the case dates them; a shared limit the case
    does not have (or has not dated) is dated from the conversation's own dates."""
    if not family.limits:
        return []
    result = turn.result
    if result is None and turn.facts is not None:
        result = guidance.build_guidance(turn.rulebook, turn.facts)
    in_case = {item.limit_id: item for item in (result.deadlines if result else ())}
    shared = turn.rulebook.shared_limits()
    dates = turn.state.rulebook_dates(turn.lexicon)
    items = []
    for limit_id in family.limits:
        item = in_case.get(limit_id)
        limit = shared.get(limit_id)
        if limit is not None and (item is None or item.due is None) \
                and (item is None or limit.counts_from in dates):
            item = guidance.limit_item(limit, dates.get(limit.counts_from), turn.day,
                                       turn.rulebook)
        if item is not None:
            items.append(item)
    return items


def not_covered_if_asked(turn: TurnContext) -> bool:
    """A question no rule we hold answers gets the honest line; True when sent."""
    if turn_act(turn) != "question":
        return False
    turn.reply.say("utter_not_covered")
    return True


def reply_to_act(turn: TurnContext, result: guidance.Guidance | None, rung: int) -> None:
    """The reply to a turn that told nothing new and asked nothing the rules answer, by its
    act (never "not sure how this relates"); after a feeling, the step the case is on."""
    act = turn_act(turn)
    if act == "question":
        turn.reply.say("utter_not_covered")
        return
    turn.reply.say(ACT_RESPONSES.get(act, "utter_noted_text"))
    if result is not None and act == "feeling":  # after the feeling, what can be done now
        response, values = presenter.rung_again(result, rung)
        turn.reply.say(response, **values)


@dataclass(frozen=True)
class FirstAnswer:
    """What answered a case turn's question before anything else was said."""

    answered: bool  # an answer, or the honest "not covered" line
    by_rule: bool  # the rule book's answer (it already told where the case stands)


def answer_first(turn: TurnContext, facts: guidance.CaseFacts | None) -> FirstAnswer:
    """The turn's question answered first: a rule question the case's own dates (or a
    safety rule) answer, else the knowledge base, else the rule book's general passages;
    a question nothing answers gets the honest line ("what now?" and a draft request are
    answered by the step and the draft that follow)."""
    ruled = answer_rule_question(turn, facts, specific_only=True)
    answered = ruled or answer_knowledge(turn)
    if not answered:
        ruled = answered = answer_rule_question(turn, facts)
    if answered:
        return FirstAnswer(True, ruled)
    text = turn.text
    redraft = turn.slot(KIND_SLOT) is not None
    if asks_next_step(text, turn.catalog.questions) or asks_for_draft(
            text, turn.catalog.drafts, redraft=redraft, style=turn.readers.style(text),
            request_act=turn_act(turn) == "request"):
        return FirstAnswer(False, False)
    return FirstAnswer(not_covered_if_asked(turn), False)
