"""The user's story as the turn's written texts tell it (:mod:`bot.understanding.story`)."""

from __future__ import annotations

from bot.turn.context import TurnContext
from bot.understanding.story import tell


def story_of(turn: TurnContext) -> list[str]:
    """The story of the case's matter as written prose, one sentence per item."""
    return [line.text for line in tell(turn.turns, turn.state, turn.lexicon,
                                       turn.catalog.story, turn.readers.is_fact)]
