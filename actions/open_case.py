"""A message that names a case type: it opens or continues the case, and a request told
beside the case (two in one: "the seller refuses; write me a complaint") is answered in
the same turn, by the pipeline that request's own action runs."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionOpenCase(PipelineAction):
    """The case turn; with a request beside the case, that request's own pipeline (which
    opens the case from the same conversation state)."""

    def name(self) -> str:
        return "action_open_case"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.for_case_message(turn)
