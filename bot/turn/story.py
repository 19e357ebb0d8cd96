"""The user's story as the turn's written texts tell it (:mod:`bot.understanding.story`)."""

from __future__ import annotations

from bot.drafting.request import asks_for_case_file, asks_for_draft
from bot.turn.context import TurnContext
from bot.understanding.story import tell


def story_of(turn: TurnContext) -> list[str]:
    """The story of the case's matter as written prose, one sentence per item (a clause
    that asks for a draft, another version or tone of it, or the case file is the
    request, not the story; "一条牛仔裤" is a fact, not a request for one message)."""
    drafts = turn.catalog.drafts

    def is_request(text: str) -> bool:
        return (asks_for_draft(text, drafts) or asks_for_case_file(text, drafts)
                or (turn.readers.style(text).asks and turn.readers.is_request(text)))

    return [line.text for line in tell(turn.turns, turn.state, turn.lexicon,
                                       turn.catalog.story, turn.readers.is_fact, is_request)]
