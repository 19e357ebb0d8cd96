"""Guidance in the context of the current case: deadlines, ladder, evidence, progress
(the bodies are in :mod:`bot.turn.guidance_turn`, the pipelines in
:mod:`bot.turn.pipelines`)."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionCaseGuidance(PipelineAction):
    """After a case is resumed: dated deadlines, the current rung, and what to ask next."""

    def name(self) -> str:
        return "action_case_guidance"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.CASE_GUIDANCE


class ActionExplainDeadlines(PipelineAction):
    """Time limits of the current case, as dates when the key date is known."""

    def name(self) -> str:
        return "action_explain_deadlines"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.DEADLINES


class ActionNextStep(PipelineAction):
    """Moves one rung up the escalation ladder ("it still did not work") and explains it."""

    def name(self) -> str:
        return "action_next_step"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.NEXT_STEP


class ActionEvidence(PipelineAction):
    """The evidence checklist for the rung the user is on, and what they already have."""

    def name(self) -> str:
        return "action_evidence"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.EVIDENCE


class ActionCheckProgress(PipelineAction):
    """Where to see how the complaint or refund is going (the general places without a case)."""

    def name(self) -> str:
        return "action_check_progress"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.PROGRESS
