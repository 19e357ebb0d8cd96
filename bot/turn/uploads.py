"""Evidence uploads in a turn: what a screenshot says, and what the case took from it.

The upload turn says what was read (order number, amount, dated events, tracking number,
the other side's words) and asks before anything is added; the next turn's words settle it
(:mod:`bot.understanding.uploads`), and the case turn then says what was added.
"""

from __future__ import annotations

from dataclasses import replace

from bot.drafting.request import asks_for_case_file, asks_for_draft
from bot.turn.context import TurnContext
from bot.understanding.extract import MessageFacts
from bot.understanding.state import Fact, read_turn
from bot.uploads.reading import ReadingRules


def kind_label(rules: ReadingRules, kind: str) -> str:
    """How the assistant names a kind of image."""
    found = rules.kinds.get(kind) or rules.kinds["goods"]
    return found.label


def summary(turn: TurnContext, said: MessageFacts) -> list[str]:
    """The pieces of what a screenshot says, in the order a reader checks them."""
    words, lexicon = turn.words, turn.lexicon
    pieces = []
    for name in ("order_number", "amount", "tracking_number"):
        value = getattr(said, name)
        if value:
            pieces.append(words.piece("uploads", name, value=value))
    seen = set()
    for found in said.dates:
        if found.event is None or found.event in seen:
            continue
        seen.add(found.event)
        pieces.append(words.piece("uploads", "event", date=words.format_date(found.day),
                                  event=lexicon.events[found.event].label))
    for quote in _quotes(turn, said):
        pieces.append(words.piece("uploads", "quote", value=quote))
    return pieces


def _quotes(turn: TurnContext, said: MessageFacts) -> list[str]:
    """The other side's words a chat screenshot shows (between the quote marks)."""
    if not said.other_side:
        return []
    text = turn.state.pending[-1].words if turn.state.pending else ""
    return [part.split("”", 1)[0] for part in text.split("“")[1:]][:4]


def attachments(turn: TurnContext, held: list[Fact]) -> str:
    """The attachments as the case lists them: name and kind."""
    return turn.words.join_list(_labels(turn, held))


def _labels(turn: TurnContext, held: list[Fact]) -> list[str]:
    rules = turn.catalog.uploads
    return [turn.words.piece("uploads", "attachment", name=fact.value,
                             kind=kind_label(rules, fact.name)) for fact in held]


def attachment_labels(turn: TurnContext) -> list[str]:
    """The case's uploaded images as drafts and the case file list them."""
    return _labels(turn, turn.state.attachments)


def evidence_held(turn: TurnContext) -> list[str]:
    """The evidence the user has: what they said, and what each uploaded image is (its
    kind's words tick the rule book's checklist item off)."""
    kinds = turn.catalog.uploads.kinds
    held = list(turn.state.values("evidence"))
    for fact in turn.state.attachments:
        kind = kinds.get(fact.name)
        held += [word for word in (kind.evidence if kind else ()) if word not in held]
    return held


def answer_how_to_send(turn: TurnContext) -> bool:
    """"我有截图，怎么发给你": how to send images; True (nothing else this turn) unless the
    message also asks for a text or the case file, which the rest of the turn writes."""
    if not turn.catalog.uploads.asks_how_to_send(turn.text):
        return False
    turn.reply.say("utter_upload_how")
    drafts = turn.catalog.drafts
    return not (asks_for_draft(turn.text, drafts) or asks_for_case_file(turn.text, drafts))


def read_upload(turn: TurnContext) -> None:
    """The upload turn: what was read, and the question whether to add it."""
    if not turn.state.pending:
        turn.reply.say("utter_upload_how")
        return
    held = turn.state.pending[-1]
    said = read_turn(replace(turn.turns[-1], text=held.words), turn.lexicon)
    pieces = summary(turn, said)
    kind = kind_label(turn.catalog.uploads, held.name)
    if pieces:
        turn.reply.say("utter_upload_read", kind=kind, name=held.value,
                       facts=turn.words.piece("uploads", "separator").join(pieces))
    else:
        turn.reply.say("utter_upload_read_nothing", kind=kind, name=held.value)


def say_added(turn: TurnContext) -> None:
    """A turn that settled uploads says what the case took."""
    added = [fact for fact in turn.state.attachments if fact.value in turn.state.uploads_added
             and fact.turn < turn.state.turns]
    if not added:
        return
    listed = attachments(turn, added)
    if any(fact.words for fact in added):
        turn.reply.say("utter_upload_added", attachments=listed)
    else:
        turn.reply.say("utter_upload_kept_unread", attachments=listed)
