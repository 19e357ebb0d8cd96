"""Reminders: set one for the case's next limits or a named day, list them, cancel them
(the steps are :data:`bot.turn.pipelines.SET_REMINDER`, ``LIST_REMINDERS``,
``CANCEL_REMINDERS``)."""

from __future__ import annotations

from actions.pipeline import PipelineAction
from bot.turn import pipelines
from bot.turn.context import TurnContext


class ActionSetReminder(PipelineAction):
    """Sets reminders and says when and through which route they will come."""

    def name(self) -> str:
        return "action_set_reminder"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.SET_REMINDER


class ActionListReminders(PipelineAction):
    """Lists the reminders still to come."""

    def name(self) -> str:
        return "action_list_reminders"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.LIST_REMINDERS


class ActionCancelReminders(PipelineAction):
    """Cancels the pending reminders (or the one numbered)."""

    def name(self) -> str:
        return "action_cancel_reminders"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.CANCEL_REMINDERS
