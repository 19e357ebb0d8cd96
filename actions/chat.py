"""Greetings, thanks, goodbye, "are you a bot", a request for a person: the intent's one
response (``reply`` in ``data/understanding/intents.yml``), through the turn pipeline, so a
threat told in the same message gets its safety line first
(:data:`bot.turn.pipelines.CHAT_REPLY`)."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionChatReply(PipelineAction):
    """Says the intent's own response, after any new safety line."""

    def name(self) -> str:
        return "action_chat_reply"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.CHAT_REPLY
