"""Answers first: the knowledge base's answers to a turn's questions, the honest line when
no family covers a question, and the reply to a turn that is an answer, a feeling, an aside
or thanks (read by its dialogue act, in the context of what the assistant last said).

The models live in ``bot/`` (:mod:`bot.knowledge`, :mod:`bot.understanding.acts`); this
module reads the conversation and utters the responses of ``domain.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import catalog, message_day, readers, rulebook, words
from actions.draft_reply import KIND_SLOT
from actions.questions import answer_rule_question
from bot import guidance, presenter
from bot.drafting.request import asks_for_draft
from bot.knowledge.retrieval import SECOND_MARGIN as CONFIDENT
from bot.understanding import dialogue
from bot.understanding.questions import asks_next_step
from bot.understanding.state import CaseState

ACT_RESPONSES = {"yes": "utter_act_yes", "no": "utter_act_no", "feeling": "utter_act_feeling",
                 "aside": "utter_act_aside", "thanks": "utter_act_thanks",
                 "fact": "utter_noted_text", "request": "utter_act_request"}


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def previous_bot_text(tracker: Tracker) -> str:
    """What the assistant said before the latest user message (its last texts, joined)."""
    said: list[str] = []
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                break
            seen_user = True
        elif kind == "bot" and seen_user and event.get("text"):
            said.append(str(event["text"]))
    return "\n".join(reversed(said[:2]))


def turn_act(tracker: Tracker) -> str:
    """The latest message's dialogue act, read against the assistant's previous message."""
    return readers().act(latest_text(tracker), previous_bot_text(tracker))


def turn_reading(tracker: Tracker) -> dict[str, object]:
    """How the readers read the latest message, for the agents' console: its act and the
    knowledge base's three best families with their margins (and the acceptance margin)."""
    knowledge = readers().knowledge
    return {"act": turn_act(tracker), "threshold": knowledge.threshold,
            "knowledge": [[name, round(score, 2)]
                          for name, score in knowledge.ranking(latest_text(tracker))[:3]]}


def case_role(state: CaseState) -> str | None:
    entry = dialogue.entry_for(state, rulebook())
    return entry.role if entry else state.role


def answer_knowledge(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
                     caveat_due: bool, sure: bool = False,
                     result: guidance.Guidance | None = None) -> bool:
    """Answer the questions the latest message asks from the knowledge base; True when at
    least one was answered (the caveat goes with the first when due). ``sure``: only
    families past the model's boundary (where another answer would otherwise stand).
    ``result``: the case's guidance, whose time limits an answer about them dates."""
    matches = readers().answers(latest_text(tracker), previous_bot_text(tracker),
                                case_role(state), state.case_type)
    if sure:
        matches = [match for match in matches if match.score >= CONFIDENT]
    for number, match in enumerate(matches):
        caveat = presenter.short_caveat(words()) if caveat_due and number == 0 else ""
        dated = presenter.knowledge_limits(words(), result, match.family.limits,
                                           message_day(tracker))
        dispatcher.utter_message(
            response="utter_knowledge_answer", answer=match.family.answer,
            source=words().source_tag(match.family.citations), dated=dated, caveat=caveat)
    return bool(matches)


def not_covered_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question no rule we hold answers gets the honest line; True when sent."""
    if turn_act(tracker) != "question":
        return False
    dispatcher.utter_message(response="utter_not_covered")
    return True


def reply_to_act(dispatcher: CollectingDispatcher, tracker: Tracker,
                 result: guidance.Guidance | None, rung: int) -> None:
    """The reply to a turn that told nothing new and asked nothing the rules answer, by its
    act (never "not sure how this relates"); after a feeling, the step the case is on."""
    act = turn_act(tracker)
    if act == "question":
        dispatcher.utter_message(response="utter_not_covered")
        return
    dispatcher.utter_message(response=ACT_RESPONSES.get(act, "utter_noted_text"))
    if result is not None and act == "feeling":  # after the feeling, what can be done now
        response, values = presenter.rung_again(result, rung)
        dispatcher.utter_message(response=response, **values)


@dataclass(frozen=True)
class FirstAnswer:
    """What answered a case turn's question before anything else was said."""

    answered: bool  # an answer, or the honest "not covered" line
    by_rule: bool  # the rule book's answer (it already told where the case stands)
    with_caveat: bool  # the caveat went with it


def answer_first(dispatcher: CollectingDispatcher, tracker: Tracker, state: CaseState,
                 facts: guidance.CaseFacts | None, caveat_due: bool) -> FirstAnswer:
    """The turn's question answered first: a rule question the case's own dates (or a
    safety rule) answer, else the knowledge base, else the rule book's general passages;
    a question nothing answers gets the honest line ("what now?" and a draft request are
    answered by the step and the draft that follow)."""
    ruled = answer_rule_question(dispatcher, tracker, state, caveat_due, facts,
                                 specific_only=True)
    result = guidance.build_guidance(rulebook(), facts) if facts is not None else None
    answered = ruled or answer_knowledge(dispatcher, tracker, state, caveat_due, result=result)
    if not answered:
        ruled = answered = answer_rule_question(dispatcher, tracker, state, caveat_due, facts)
    if answered:
        return FirstAnswer(True, ruled, caveat_due)
    text = latest_text(tracker)
    redraft = tracker.get_slot(KIND_SLOT) is not None
    if asks_next_step(text, catalog().questions) or asks_for_draft(text, catalog().drafts,
                                                                   redraft=redraft):
        return FirstAnswer(False, False, False)
    return FirstAnswer(not_covered_if_asked(dispatcher, tracker), False, False)
