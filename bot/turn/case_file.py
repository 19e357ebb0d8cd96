"""The case file turn: the whole case as one document, in the chat and as a PDF link.

The parts the rule book adds (the evidence checklist of the current rung, the next step,
the dated limits) are worded with the same presenter the guidance uses; the layout is
``data/drafts/case_file.j2``. Nothing is stored: the text is made on request from the case
state, and so is the PDF the web page and the console offer beside it (the message's
custom mark, :mod:`bot.channels.case_files`).
"""

from __future__ import annotations

from bot import guidance, presenter
from bot.drafting.case_file import CASE_FILE_MARK, CaseFileParts, render_case_file
from bot.drafting.compose import facts_from_state
from bot.turn.context import TurnContext
from bot.turn.story import story_of
from bot.turn.uploads import attachment_labels, evidence_held

WRITTEN_SLOT = "drafts_written"


def case_file_text(turn: TurnContext, result: guidance.Guidance) -> str:
    """The case file of the turn's case, as plain text."""
    words, drafts, state = turn.words, turn.catalog.drafts, turn.state
    role = result.role
    facts = facts_from_state(state, turn.lexicon, story_of(turn), attachment_labels(turn))
    evidence = presenter.evidence(words, result, result.current_rung_index,
                                  evidence_held(turn), turn.lexicon.evidence)
    step = presenter.rung(words, result, result.current_rung_index)[1]
    labels = words.entry("case_file")
    written = [drafts.kind(kind).label for kind in turn.slot(WRITTEN_SLOT) or []
               if kind in drafts.kinds]
    parts = CaseFileParts(
        case_label=words.label("case_type", result.case_type),
        today=words.format_date(turn.day, True),
        my_side=labels["me"][role],
        other_side=labels["other"][role],
        evidence_checklist=labels["checklist"].format(rung=evidence["name"],
                                                      items=evidence["items"]),
        next_step=labels["next_step"].format(rung=result.current_rung.name,
                                             details=step["details"]),
        deadline_rows=tuple(words.entry("presenter", "bullet").format(
            item=words.format_deadline(item, result.key_date))
            for item in result.deadlines),
        drafts_written=words.join_list(written),
        footer=labels["footer"],
    )
    return render_case_file(drafts, role, facts, parts)


def send_case_file(turn: TurnContext, result: guidance.Guidance) -> None:
    """The case file in the chat, with the link to its PDF where the channel has one."""
    turn.drafted = True
    turn.reply.say("utter_case_file_header",
                   case=turn.words.label("case_type", result.case_type))
    turn.reply.say_text(case_file_text(turn, result), mark={CASE_FILE_MARK: "pdf"})
