"""The case turn: a case message, a detail or a free-text reply, read against the whole
conversation (the steps are :data:`bot.turn.pipelines.CASE_TURN`)."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionCaseTurn(PipelineAction):
    """Answers a case message, a detail or a free-text reply from the whole case state."""

    def name(self) -> str:
        return "action_case_turn"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.CASE_TURN
