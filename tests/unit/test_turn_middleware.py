"""The turn's middleware runs its steps in order; a step that answers ends the turn; an
outer step finishes after the inner ones, as botbuilder's MiddlewareSet does."""

from __future__ import annotations

from bot.turn.middleware import Answer, Do, MiddlewareSet, Then


def test_steps_run_in_order_and_the_handler_last():
    said: list[str] = []
    steps = MiddlewareSet(Do(lambda t: t.append("safety"))).use(Do(lambda t: t.append("answer")))
    steps.run(said, lambda t: t.append("handler"))
    assert said == ["safety", "answer", "handler"]


def test_an_answer_ends_the_turn_and_an_outer_step_still_closes_it():
    said: list[str] = []
    steps = MiddlewareSet(Then(lambda t: t.append("close")), Do(lambda t: t.append("safety")),
                          Answer(lambda t: t.append("answer") is None),
                          Do(lambda t: t.append("question")))
    steps.run(said)
    assert said == ["safety", "answer", "close"]


def test_sets_nest():
    said: list[str] = []
    inner = MiddlewareSet(Do(lambda t: t.append("inner")))
    MiddlewareSet(Do(lambda t: t.append("outer")), inner, Do(lambda t: t.append("after"))).run(
        said)
    assert said == ["outer", "inner", "after"]
