"""Every turn's steps, in the one order: safety → answers → case news → one question → the
caveat and the close (the :class:`~bot.turn.steps.Close` step is outermost: it writes what
the turn settled once the others ran).

An action picks its pipeline here; ``actions/pipeline.py`` runs it on the tracker and hands
the reply to Rasa.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.drafting.request import asks_for_case_file, asks_for_draft, names_a_document
from bot.turn import case_turn, guidance_turn, uploads
from bot.turn.answers import turn_act
from bot.turn.case_file import send_case_file
from bot.turn.context import TurnContext
from bot.turn.drafts import asks_for_a_text, case_side, confirmed_draft, send_draft
from bot.turn.middleware import Answer, Do, MiddlewareSet, Step, Then
from bot.turn.reminders import cancel_reminders, list_reminders, set_reminder
from bot.turn.steps import LAW_ANSWER, Close, Safety
from bot.understanding.intents import intent_registry

Pipeline = MiddlewareSet[TurnContext]
Body = Callable[[TurnContext], None]

# A case message, a detail or a free-text reply, read against the whole case state.
CASE_TURN: Pipeline = MiddlewareSet(
    Close(), Safety(), Do(case_turn.keep_reading), Do(uploads.say_added),
    Answer(uploads.answer_how_to_send), LAW_ANSWER, Answer(case_turn.answer_without_case),
    Answer(confirmed_draft), Answer(case_turn.redraft_if_filled),
    Do(case_turn.answer_question_first), case_turn.CaseNews(), case_turn.OneQuestion())


def guidance(body: Body, ask_case: bool = True, own_answer: bool = True,
             instead: Callable[[TurnContext], bool] = guidance_turn.answer_request
             ) -> Pipeline:
    """A request about the case (deadlines, next step, evidence, progress, the whole
    guidance): ``body`` answers it from the case's guidance; ``own_answer``: a question told
    in the same message that ``instead`` answers (a draft request, a rule question, a
    knowledge question) is answered instead."""
    steps: list[Step[TurnContext]] = [Close(), Safety(), Answer(uploads.answer_how_to_send),
                                      LAW_ANSWER, guidance_turn.FindCase(ask_case)]
    if own_answer:
        steps.append(Answer(instead))
    return MiddlewareSet(*steps, Do(body))


def _draft(turn: TurnContext) -> None:
    turn.drafted = True
    send_draft(turn, turn.text)


def _case_file(turn: TurnContext) -> None:
    """The case file; a request that names one kind's document ("报案材料") is a draft."""
    if names_a_document(turn.text, turn.catalog.drafts):
        _draft(turn)
        return
    found = case_side(turn)
    if found is None:
        turn.reply.say("utter_which_case")
        return
    send_case_file(turn, found[0])


# An uploaded image: what was read from it, and whether to add it to the case.
UPLOAD: Pipeline = MiddlewareSet(Do(uploads.read_upload))


def say(response: str) -> Pipeline:
    """A turn answered by one response (no case reading)."""
    return MiddlewareSet(Do(lambda turn: turn.reply.say(response)))


def _own_reply(turn: TurnContext) -> None:
    response = intent_registry().replies.get(turn.intent or "")
    if response:
        turn.reply.say(response)


# A greeting, thanks, goodbye, "are you a bot", a request for a person: the intent's one
# response, after the safety line a threat told in the same message raises.
CHAT_REPLY: Pipeline = MiddlewareSet(Safety(), Do(_own_reply))


CASE_GUIDANCE = guidance(guidance_turn.full_guidance, own_answer=False)
DEADLINES = guidance(guidance_turn.deadlines)
NEXT_STEP = guidance(guidance_turn.next_step, instead=guidance_turn.answer_before_a_step)
EVIDENCE = guidance(guidance_turn.evidence)
PROGRESS = guidance(guidance_turn.progress, ask_case=False, own_answer=False)
# The draft the request asks for, from every fact of the case (it carries no caveat).
DRAFT = MiddlewareSet(Close(sync=False), Safety(), Do(_draft))
# The whole case as one document (no caveat of its own: the document says where it comes from).
CASE_FILE = MiddlewareSet(Close(sync=False), Safety(), Do(_case_file))
# Reminders: set for the case's next limits or the day named, listed, cancelled.
SET_REMINDER = MiddlewareSet(Close(sync=False), Safety(), Do(set_reminder))
LIST_REMINDERS = MiddlewareSet(Do(list_reminders))
CANCEL_REMINDERS = MiddlewareSet(Do(cancel_reminders))

# The pipeline each request runs when it was told beside a case (two in one), as its own
# action would; a request without a pipeline here is a plain case turn.
BESIDE_A_CASE: dict[str, Pipeline] = {
    "request_draft": DRAFT, "request_case_file": CASE_FILE, "ask_deadline": DEADLINES,
    "ask_next_step": NEXT_STEP, "ask_evidence": EVIDENCE, "check_progress": PROGRESS,
    "human_handoff": CHAT_REPLY, "set_reminder": SET_REMINDER,
}


def for_case_message(turn: TurnContext) -> Pipeline:
    """A message that names a case type: the request told beside it, else the case turn."""
    return BESIDE_A_CASE.get(turn.request_beside or "", CASE_TURN)


def for_resume_request(turn: TurnContext, resume: Body) -> Pipeline:
    """A request to bring back an earlier case: with a case open in this conversation, a
    message that asks for a text or tells the case something is a case turn (the case is
    here already); else ``resume``."""
    latest = turn.state.latest
    tells = latest is not None and not latest.empty
    if turn.state.case_type is not None and (asks_for_a_text(turn) or tells):
        return CASE_TURN
    return MiddlewareSet(Do(resume))


DELETE_PENDING = "delete_pending"  # set only when the user was asked to confirm a deletion


def _no_deletion_pending(turn: TurnContext) -> None:
    turn.set_slot(DELETE_PENDING, False)


def _confirm_deletion(turn: TurnContext) -> None:
    turn.reply.say("utter_confirm_delete")
    turn.set_slot(DELETE_PENDING, True)


def for_delete_request(turn: TurnContext) -> Pipeline:
    """A request to delete: about deleting a review (the lexicon's ``review_wants``), a
    message that tells the case something and is no request ("我有聊天记录和照片": the
    records are evidence), or one that asks for a text or the case file, is a case turn and
    no deletion is pending; else the user is asked to confirm deleting their records."""
    latest = turn.state.latest
    said = latest.wants if latest is not None else ()
    tells = latest is not None and not latest.empty and turn_act(turn) != "request"
    drafts = turn.catalog.drafts
    # "聊天截图和转账记录我都有，帮我写个报警的材料": a request for a text, never an erasure
    asks_text = asks_for_draft(turn.text, drafts) or asks_for_case_file(turn.text, drafts)
    if tells or asks_text or any(want in said for want in turn.lexicon.review_wants):
        return MiddlewareSet(Then(_no_deletion_pending), CASE_TURN)
    return MiddlewareSet(Do(_confirm_deletion))
