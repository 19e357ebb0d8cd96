"""The steps every case-reading turn shares: close (outermost), safety, the law's answers.

The order of a turn is safety → answers → case news → one question → the caveat and the
close; :mod:`bot.turn.pipelines` puts these and the actions' own steps in that order.
"""

from __future__ import annotations

from bot.turn.context import CAVEAT_SLOT, LIMITS_SLOT, TurnContext
from bot.turn.middleware import Answer, Next
from bot.turn.rule_questions import answer_statute_question


class Close:
    """The outermost step: the turn runs, then what it settled is kept in the slots.

    - the caveat is owed no more to the case: when it was given, or when the turn answered
      an open case with anything but a draft (a draft carries no caveat);
    - the dated limits shown this turn (their digest), so they are not shown unchanged;
    - with ``sync``: the case slots the case state knows, when there is a case or the turn
      answered a question about the law.
    """

    def __init__(self, sync: bool = True) -> None:
        self.sync = sync

    def on_turn(self, turn: TurnContext, next: Next) -> None:
        next()
        reply, has_case = turn.reply, turn.state.case_type is not None
        if reply.caveat_given or (has_case and not turn.drafted):
            turn.set_slot(CAVEAT_SLOT, turn.case_key)
        if reply.limits_digest is not None:
            turn.set_slot(LIMITS_SLOT, reply.limits_digest)
        if self.sync and (has_case or turn.law_answered):
            for name, value in turn.changed_slots().items():
                turn.set_slot(name, value)


def say_safety(turn: TurnContext) -> bool:
    """The safety flags the latest turn raised (each once per case), in one message, each
    with its own text and source; True when said."""
    book, words, state = turn.rulebook, turn.words, turn.state
    new = [book.safety_flag(flag_id) for flag_id in state.safety
           if flag_id not in state.safety_seen]
    if new:
        line = words.entry("presenter", "safety_line")
        turn.reply.say("utter_safety_flag", lines="\n".join(
            line.format(message=flag.message, source=words.source_tag(book.cite(flag.source)))
            for flag in new))
    return bool(new)


class Safety:
    """Safety first: a new safety flag's message before anything else."""

    def on_turn(self, turn: TurnContext, next: Next) -> None:
        say_safety(turn)
        next()


# A question about the law itself gets its answer, and the turn ends there (the case, if
# any, stays as it is).
LAW_ANSWER: Answer[TurnContext] = Answer(answer_statute_question)
