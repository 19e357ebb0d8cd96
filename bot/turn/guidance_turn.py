"""Guidance in the context of the current case: deadlines, ladder, evidence, progress.

Each request's body runs after safety, the law's answers and :class:`FindCase` (the case's
guidance, or which case when there is none); :func:`answer_request` lets a draft request,
a rule question ("can I ask for intervention now?") or a question the knowledge base
answers answer instead of the block.
"""

from __future__ import annotations

from bot import guidance, presenter
from bot.store.sync import record_case
from bot.turn.answers import answer_knowledge
from bot.turn.case_turn import limits_digest, redraft_if_filled, rung_of
from bot.turn.context import GUIDED_SLOT, TurnContext
from bot.turn.drafts import draft_if_asked
from bot.turn.middleware import Next
from bot.turn.reminders import limits_mark
from bot.turn.rule_questions import answer_rule_question, law_topics_if_asked
from bot.turn.uploads import evidence_held


class FindCase:
    """The case's guidance (``turn.result``). Without a case, and when the request needs
    one (``ask_case``): the question's knowledge answer, the law's topics, or which case;
    the turn ends there."""

    def __init__(self, ask_case: bool = True) -> None:
        self.ask_case = ask_case

    def on_turn(self, turn: TurnContext, next: Next) -> None:
        facts = turn.facts
        turn.result = None if facts is None else guidance.build_guidance(turn.rulebook, facts)
        if turn.result is None and self.ask_case:
            if not answer_knowledge(turn) and not law_topics_if_asked(turn):
                turn.reply.say("utter_which_case")
            return
        next()


def answer_request(turn: TurnContext) -> bool:
    """A fact added to the draft just shown ("我还录了开箱视频，把这个加上", read as a
    question about evidence), a draft request, a rule question, or a question the
    knowledge base answers with confidence gets its own answer instead of the request's
    block (which answers the request's own kind of question: the limits, the evidence)."""
    return (redraft_if_filled(turn) or draft_if_asked(turn) or answer_rule_question(turn)
            or answer_knowledge(turn, sure=True))


def answer_before_a_step(turn: TurnContext) -> bool:
    """Before a rung up the ladder ("怎么办"): a draft request, a rule question, or any
    question the knowledge base answers, as a case turn would ("已经填了银行卡号 怎么办"):
    never a new step in place of the question asked."""
    return (redraft_if_filled(turn) or draft_if_asked(turn) or answer_rule_question(turn)
            or answer_knowledge(turn))


def remember(turn: TurnContext, result: guidance.Guidance, rung: int) -> None:
    """Keep the case, its key date and its rung in the case store."""
    turn.keep(lambda repo: record_case(
        repo, turn.sender_id, result.case_type, result.role, result.key_event,
        result.key_date, rung, turn.case_value("order_number"), turn.case_value("amount"),
    ))


def say_deadlines(turn: TurnContext, result: guidance.Guidance) -> None:
    """The case's time limits (the dated block unless unchanged since last shown), or that
    the rule book has none for it."""
    message = presenter.deadlines(turn.words, result)
    if message is None:
        turn.reply.say("utter_deadlines_none", caveat=turn.words.caveat())
    else:
        turn.reply.show_limits(limits_digest(result), message[0],
                               mark=limits_mark(turn, result), **message[1])


def say_rung(turn: TurnContext, result: guidance.Guidance, index: int) -> None:
    response, values = presenter.rung(turn.words, result, index)
    turn.reply.say(response, **values)


def _found(turn: TurnContext) -> guidance.Guidance:
    """The case's guidance, for a body that runs after ``FindCase(ask_case=True)`` (which
    ends a turn without a case)."""
    assert turn.result is not None
    return turn.result


def full_guidance(turn: TurnContext) -> None:
    """After a case is resumed: the dated deadlines, the current rung, what to ask next."""
    result = _found(turn)
    say_deadlines(turn, result)
    say_rung(turn, result, result.current_rung_index)
    turn.reply.say("utter_guidance_menu")
    remember(turn, result, result.current_rung_index)
    if turn.state.case_type:
        turn.set_slot(GUIDED_SLOT, turn.case_key)
    turn.set_slot("ladder_rung", float(result.current_rung_index))


def deadlines(turn: TurnContext) -> None:
    """The time limits, as dates when the key date is known; asked again unchanged, the
    question's own answer, else a pointer back."""
    result, reply = _found(turn), turn.reply
    again = presenter.deadlines_again(turn.words, result)
    if reply.limits_unchanged(limits_digest(result)) and again is not None:
        if not answer_knowledge(turn):
            reply.say(again[0], **again[1])
        return
    if not result.deadlines and answer_knowledge(turn):
        return  # the case has no limits: the question's own answer
    say_deadlines(turn, result)


def next_step(turn: TurnContext) -> None:
    """One rung up the escalation ladder ("it still did not work"), explained."""
    result = _found(turn)
    index = min(rung_of(turn, result) + 1, len(result.ladder) - 1)
    say_rung(turn, result, index)
    remember(turn, result, index)
    turn.set_slot("ladder_rung", float(index))


def evidence(turn: TurnContext) -> None:
    """The evidence checklist for the rung the user is on, and what they already have."""
    result = _found(turn)
    values = presenter.evidence(turn.words, result, rung_of(turn, result),
                                evidence_held(turn), turn.lexicon.evidence)
    turn.reply.say("utter_evidence", **values)


def progress(turn: TurnContext) -> None:
    """Where to see how the complaint or refund is going (the general places without a
    case)."""
    turn.reply.say("utter_progress", **presenter.progress(turn.words, turn.result))
