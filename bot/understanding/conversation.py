"""Rasa's event list (plain dicts) -> the user turns the case state reads.

Works on the serialized events of both rasa-sdk's and Rasa's trackers, so the actions and
the console derive the same state. Imports nothing from Rasa.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from bot.understanding.state import Turn
from bot.understanding.two_in_one import request_beside, request_first
from bot.understanding.uploads import UPLOAD_INTENT, upload_of

ASKED_SLOT = "asked"
ASKED_EVENT_SLOT = "asked_event"


def _ranking(parse: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    ranking = parse.get("intent_ranking") or []
    pairs = tuple((str(item.get("name")), float(item.get("confidence") or 0.0))
                  for item in ranking if item.get("name"))
    if pairs:
        return pairs
    intent = parse.get("intent") or {}
    if intent.get("name"):
        return ((str(intent["name"]), float(intent.get("confidence") or 1.0)),)
    return ()


def turns_from_events(events: Iterable[Mapping[str, Any]], case_types: Collection[str],
                      clock: dt.datetime | None = None) -> list[Turn]:
    """User turns of a conversation, each with what the assistant had asked just before.

    ``case_types``: the case intents (the rule book's); ``clock``: a fixed time for every
    turn (tests and demos), otherwise each turn's own timestamp. A session restart does not
    reset the case: slots carry over.
    """
    turns: list[Turn] = []
    cases = frozenset(case_types)
    asked: str | None = None
    asked_event: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "slot":
            if event.get("name") == ASKED_SLOT:
                asked = event.get("value") or None
            elif event.get("name") == ASKED_EVENT_SLOT:
                asked_event = event.get("value") or None
        elif kind == "user":
            parse = event.get("parse_data") or {}
            # A case carried beside a request is read as the classifier ranked it: the
            # request first, the case beside it (two_in_one).
            ranking = _ranking(parse)
            intent = (request_beside(ranking, cases)
                      or (parse.get("intent") or {}).get("name"))
            ranking = tuple(request_first(ranking, cases))
            stamp = event.get("timestamp")
            when = clock or (dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC) if stamp
                             else dt.datetime.now(tz=dt.UTC))
            text, upload = str(event.get("text") or ""), None
            if intent == UPLOAD_INTENT:
                read = upload_of(parse.get("entities") or [])
                if read is not None:
                    text, upload = read
            turns.append(Turn(text=text, time=when, intent=intent, ranking=ranking,
                              asked=asked, asked_event=asked_event, upload=upload))
            asked, asked_event = None, None
    return turns
