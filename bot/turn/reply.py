"""One turn's reply: the messages in the order they are said, and the rules every turn keeps.

The steps of a turn (:mod:`bot.turn.middleware`) add messages here as a response name and
its template values, the way ``dispatcher.utter_message(response=..., **values)`` takes
them; the Rasa adapter (``actions/pipeline.py``) hands them to the dispatcher at the end.
Four rules live here and nowhere else:

- **the caveat at most once per case**: a message offered with a ``caveat`` value keeps it
  only while the caveat is owed (owed when the turn began, which the turn's context tells
  from the case it was last shown for, and not yet given this turn); otherwise the value
  becomes ``without_caveat`` (empty by default);
- **no block twice**: a long message equal (response and values) to one already said this
  turn is not said again, and the dated-limits block is not said while it is unchanged
  since it was last shown (its digest);
- **at most one question**: :meth:`Reply.ask` says the turn's question; a second is refused;
- **fits a phone screen**: an optional message that would take the turn past
  :data:`PHONE_LINES` lines is left for a later turn (measured on the rendered template
  when the domain's responses are known; drafts are not counted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PHONE_LINES = 16  # about a phone screen (the conversation suite's fits_screen check)
LONG_BLOCK = 40  # characters: a short acknowledgement may well come twice in a turn
CAVEAT = "caveat"  # the template value that carries the caveat

Renderer = Callable[[str, Mapping[str, Any]], "str | None"]
_FIELD = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


def template_renderer(responses: Mapping[str, Any]) -> Renderer:
    """A renderer over a domain's ``responses``: the first variant's text filled with the
    values (None for a response without text); ``{name}`` without a value is left as is."""

    def render(response: str, values: Mapping[str, Any]) -> str | None:
        variants = responses.get(response) or []
        text = variants[0].get("text") if variants and isinstance(variants[0], Mapping) else None
        if text is None:
            return None
        return _FIELD.sub(lambda m: str(values[m.group(1)]) if values.get(m.group(1)) is not None
                          else m.group(0), str(text))

    return render


def screen_lines(text: str) -> int:
    """The lines a text takes on a phone: the channels send each paragraph (split at a
    blank line) as its own message, so blank lines take none."""
    parts = [part for part in text.strip().split("\n\n") if part.strip()]
    return sum(part.count("\n") + 1 for part in parts)


@dataclass
class Reply:
    """The messages of one turn and what was already said in it.

    ``caveat_due``: the caveat is owed when the turn begins; ``limits_shown``: the digest of
    the dated-limits block last shown; ``render``: the domain's templates, to measure
    messages (None: the values' own lines are counted)."""

    caveat_due: bool = True
    limits_shown: str | None = None
    render: Renderer | None = None
    max_lines: int = PHONE_LINES
    messages: list[dict[str, Any]] = field(default_factory=list)
    caveat_given: bool = False
    asked: str | None = None  # the response of the turn's question
    limits_digest: str | None = None  # the dated limits shown this turn
    lines: int = 0
    _blocks: set[tuple[Any, ...]] = field(default_factory=set)

    @property
    def caveat_owed(self) -> bool:
        """Whether the next message that can carry the caveat carries it."""
        return self.caveat_due and not self.caveat_given

    def said(self, *responses: str) -> bool:
        """Whether one of ``responses`` was said this turn (any message when none named)."""
        if not responses:
            return bool(self.messages)
        return any(message.get("response") in responses for message in self.messages)

    def holds(self, text: str) -> bool:
        """Whether a message of this turn already carries ``text`` (a line said twice in
        one reply, e.g. the safety flag's line again as a rule answer's)."""
        return any(text in str(value) for message in self.messages
                   for key, value in message.items() if key != "response")

    def say(self, response: str, *, without_caveat: str = "", optional: bool = False,
            mark: dict[str, Any] | None = None, **values: Any) -> bool:
        """Say ``response`` with its template ``values``; True when said.

        A ``caveat`` value is kept only while the caveat is owed (``without_caveat``
        replaces it otherwise). An ``optional`` message that does not fit the screen, or a
        long message said already this turn, is not said."""
        carries = bool(values.get(CAVEAT)) and self.caveat_owed
        if values.get(CAVEAT) and not carries:
            values[CAVEAT] = without_caveat
        message = {"response": response, **values}
        if mark:
            message["json_message"] = dict(mark)
        said = self._add(message, optional)
        self.caveat_given = self.caveat_given or (said and carries)
        return said

    def say_text(self, text: str, mark: dict[str, Any] | None = None) -> bool:
        """Say a text of its own (a draft): one message, not counted against the screen;
        ``mark``: a custom payload the channels read beside it (the case file's download)."""
        message: dict[str, Any] = {"text": text}
        if mark:
            message["json_message"] = dict(mark)
        return self._add(message, optional=False, counted=False)

    def ask(self, response: str, **values: Any) -> bool:
        """Ask the turn's one question; False (and nothing said) when one was asked."""
        if self.asked is not None:
            return False
        if self.say(response, **values):
            self.asked = response
            return True
        return False

    def limits_unchanged(self, digest: str) -> bool:
        """Whether the dated limits ``digest`` are the ones last shown."""
        return digest == (self.limits_digest or self.limits_shown)

    def show_limits(self, digest: str, response: str, mark: dict[str, Any] | None = None,
                    **values: Any) -> bool:
        """Say the dated-limits block unless the same limits were shown last; True when
        said (its digest is then the one to keep)."""
        if self.limits_unchanged(digest):
            return False
        if self.say(response, mark=mark, **values):
            self.limits_digest = digest
            return True
        return False

    def _add(self, message: dict[str, Any], optional: bool, counted: bool = True) -> bool:
        text = self._text(message)
        key = tuple(sorted((name, repr(value)) for name, value in message.items()
                           if name != CAVEAT))  # the same block, with or without the caveat
        if len(text) >= LONG_BLOCK and key in self._blocks:
            return False
        lines = screen_lines(text) if counted else 0
        if optional and self.lines + lines > self.max_lines:
            return False
        self._blocks.add(key)
        self.lines += lines
        self.messages.append(message)
        return True

    def _text(self, message: Mapping[str, Any]) -> str:
        """The message as the user reads it (the values joined when there is no template)."""
        response = message.get("response")
        if response is None:
            return str(message.get("text") or "")
        rendered = self.render(response, message) if self.render is not None else None
        if rendered is not None:
            return rendered
        return "\n".join(str(value) for name, value in message.items()
                         if name not in ("response", "json_message")
                         and value not in (None, ""))
