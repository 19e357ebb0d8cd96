"""Drafts: the kind, addressee and tone the request asks for, filled with the case's facts
(the steps are :data:`bot.turn.pipelines.DRAFT`); and the case file, the whole case as one
document (:data:`bot.turn.pipelines.CASE_FILE`)."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionDraftComplaint(PipelineAction):
    """Writes the draft the user asked for, from every fact of the case."""

    def name(self) -> str:
        return "action_draft_complaint"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.DRAFT


class ActionCaseFile(PipelineAction):
    """Writes the case file: the whole case as one document, with its PDF download."""

    def name(self) -> str:
        return "action_case_file"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.CASE_FILE
