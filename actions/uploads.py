"""An uploaded image: what was read from it, asked to confirm (the steps are
:data:`bot.turn.pipelines.UPLOAD`)."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionReadUpload(PipelineAction):
    """Says what the screenshot shows and asks before adding it to the case."""

    def name(self) -> str:
        return "action_read_upload"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.UPLOAD
