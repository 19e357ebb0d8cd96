"""Middleware for one turn, after botbuilder-python's ``MiddlewareSet``.

A step is anything with ``on_turn(turn, next)``: it does its part of the turn, then calls
``next()`` to let the following steps run (and may do more once they returned), or does not
call it when it answered the turn itself. A :class:`MiddlewareSet` runs its steps in the
order they were added and is itself a step, so sets nest. Synchronous: nothing in a turn
waits on I/O except the case store, which never blocks a reply for long.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)
Next = Callable[[], None]


class Step(Protocol[T_contra]):
    """One step of the turn: do a part, then ``next()`` (or not, to end the turn here)."""

    def on_turn(self, turn: T_contra, next: Next) -> None: ...


class MiddlewareSet(Generic[T]):
    """Steps run in order, each deciding whether the rest run (botbuilder's MiddlewareSet)."""

    def __init__(self, *steps: Step[T]) -> None:
        self._steps: list[Step[T]] = list(steps)

    def use(self, *steps: Step[T]) -> MiddlewareSet[T]:
        """Add steps at the end; returns the set, so calls chain."""
        self._steps.extend(steps)
        return self

    @property
    def steps(self) -> tuple[Step[T], ...]:
        return tuple(self._steps)

    def run(self, turn: T, handler: Callable[[T], None] | None = None) -> None:
        """Run the steps on ``turn``; ``handler`` runs after the last one calls ``next``."""
        self._run_from(0, turn, handler)

    def on_turn(self, turn: T, next: Next) -> None:
        """As a step inside another set: run these steps, then the outer set's next."""
        self._run_from(0, turn, lambda _turn: next())

    def _run_from(self, index: int, turn: T, handler: Callable[[T], None] | None) -> None:
        if index == len(self._steps):
            if handler is not None:
                handler(turn)
            return
        self._steps[index].on_turn(turn, lambda: self._run_from(index + 1, turn, handler))


class Do(Generic[T]):
    """A step from a function that always lets the turn go on (``do(turn)``, then next)."""

    def __init__(self, do: Callable[[T], None]) -> None:
        self._do = do

    def on_turn(self, turn: T, next: Next) -> None:
        self._do(turn)
        next()


class Then(Generic[T]):
    """A step from a function run once the following steps are done (``then(turn)`` after
    next, whether or not they ended the turn early)."""

    def __init__(self, then: Callable[[T], None]) -> None:
        self._then = then

    def on_turn(self, turn: T, next: Next) -> None:
        next()
        self._then(turn)


class Answer(Generic[T]):
    """A step from a function that may answer the turn: when ``answer(turn)`` is true, the
    turn ends there; otherwise the following steps run."""

    def __init__(self, answer: Callable[[T], bool]) -> None:
        self._answer = answer

    def on_turn(self, turn: T, next: Next) -> None:
        if not self._answer(turn):
            next()
