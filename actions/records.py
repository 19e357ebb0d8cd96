"""The user's own records: resume an earlier case, list open cases, delete everything."""

from __future__ import annotations

from actions import common
from actions.common import logger
from actions.pipeline import PipelineAction
from bot.case_view import RESUMED_MARK
from bot.store import Case
from bot.turn import pipelines
from bot.turn.context import LIMITS_SLOT, TurnContext
from bot.turn.middleware import Do, MiddlewareSet

ERASED_SLOT = "data_erased"


def _mentioned_case_types(turn: TurnContext) -> list[str]:
    """Case types the NLU also ranked for the message (e.g. a refund named in passing)."""
    return [name for name, _confidence in turn.ranking if name in turn.rulebook.case_types()]


def case_record(turn: TurnContext, case: Case) -> dict[str, object]:
    """The stored case as the record its resume reply carries into the conversation."""
    entry = turn.rulebook.entry(case.case_type, case.role)
    key_event = entry.key_event
    key_date = (case.key_dates or {}).get(key_event) if key_event else None
    if key_date is None and case.key_dates:
        key_date = next(iter(case.key_dates.values()))
    return {"case_type": case.case_type, "role": case.role or entry.role, "key_date": key_date,
            "order_number": case.order_number, "amount": case.amount}


def _set_slots_for(turn: TurnContext, case: Case, record: dict[str, object]) -> None:
    """The slots set from the record (for the rules and the console; never read back)."""
    for name, value in (
        *record.items(),
        ("ladder_rung", None if case.ladder_rung is None else float(case.ladder_rung)),
        (LIMITS_SLOT, None),  # the resumed case's limits are shown again
    ):
        turn.set_slot(name, value)


def resume(turn: TurnContext) -> None:
    """The user's open case back (the one they name, else the latest)."""
    cases = common.open_cases(turn.sender_id)
    if not cases:
        turn.reply.say("utter_no_open_case")
        return
    by_type = {case.case_type: case for case in cases}  # latest of each type wins
    wanted = next((t for t in _mentioned_case_types(turn) if t in by_type), None)
    case = by_type[wanted] if wanted else max(cases, key=lambda c: c.updated_at)
    record = case_record(turn, case)
    turn.reply.say("utter_case_resumed", case=turn.words.label("case_type", case.case_type),
                   opened=turn.words.format_date(case.created_at.date(), with_year=True),
                   mark={RESUMED_MARK: record})
    _set_slots_for(turn, case, record)


def list_cases(turn: TurnContext) -> None:
    """The user's open cases, a line each."""
    cases = common.open_cases(turn.sender_id)
    if not cases:
        turn.reply.say("utter_no_open_case")
        return
    words = turn.words
    lines = [words.piece("presenter", "case_line", case=words.label("case_type", case.case_type),
                         updated=words.format_date(case.updated_at.date(), with_year=True))
             for case in cases]
    turn.reply.say("utter_case_list", cases="\n".join(lines))


def delete_my_data(turn: TurnContext) -> None:
    """The cases and drafts deleted; the tracker store then erases the conversation."""
    try:
        common.case_repository().delete_conversation(turn.sender_id)
        common.upload_store().delete_conversation(turn.sender_id)
    except Exception as error:  # noqa: BLE001
        logger.error("could not delete the cases of a conversation: %s", error)
        turn.reply.say("utter_delete_failed")
        return
    turn.reply.say("utter_data_deleted")
    # the explicit success event: only with it does the tracker store erase the
    # conversation (bot/adapters/tracker_store.py)
    turn.slots_reset = True
    turn.set_slot(ERASED_SLOT, True)


class ActionResumeCase(PipelineAction):
    """Brings back the user's open case (the one they name, else the latest)."""

    def name(self) -> str:
        return "action_resume_case"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.for_resume_request(turn, resume)


class ActionListCases(PipelineAction):
    """Lists the user's open cases."""

    def name(self) -> str:
        return "action_list_cases"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return MiddlewareSet(Do(list_cases))


class ActionRequestDelete(PipelineAction):
    """A request to delete the user's records asks for confirmation; a message about
    deleting a *review* (the lexicon's review_wants) is a case message instead, and no
    deletion is pending after it."""

    def name(self) -> str:
        return "action_request_delete"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return pipelines.for_delete_request(turn)


class ActionDeleteMyData(PipelineAction):
    """After the user confirmed: deletes their cases and drafts; the tracker store then
    erases the conversation itself (bot/adapters/tracker_store.py)."""

    def name(self) -> str:
        return "action_delete_my_data"

    def pipeline(self, turn: TurnContext) -> pipelines.Pipeline:
        return MiddlewareSet(Do(delete_my_data))
