"""Screenshots in the case state: read, held until the user confirms, then the case's.

An upload turn (intent ``upload_evidence``, :data:`UPLOAD_INTENT`) carries the text read
from the image (``bot.uploads.reading``) and the image's kind and file name. Its facts are
not the case's yet: the turn is held as *pending*. The next turn settles it: a
confirmation ("对"), a detail or a correction ("金额是286元") adds the read facts under the
upload's turn and then the turn's own (a correction wins, as when typed); a bare "不对"
keeps the image as evidence but none of what was read. Any other turn (a question) leaves
it pending. Plain functions of the turns, so the fold and the whole derivation agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.understanding.extract import MessageFacts
    from bot.understanding.lexicon import Lexicon
    from bot.understanding.state import CaseState, Turn

UPLOAD_INTENT = "upload_evidence"
# Entities of the upload turn's payload (the channel writes them, bot.uploads.message).
TEXT_ENTITY, KIND_ENTITY, NAME_ENTITY, ID_ENTITY = ("upload_text", "upload_kind",
                                                    "upload_name", "upload_id")
CONFIRMING_INTENTS = frozenset({"affirm", "inform"})
DENYING_INTENT = "deny"


def hold_upload(state: CaseState, turn: Turn, number: int) -> CaseState:
    """The state after an upload turn: the image and its text wait for the user's word."""
    from bot.understanding.state import Fact

    kind, name = turn.upload or ("", "")
    state.pending.append(Fact(kind, name, number, turn.text))
    state.switched_from, state.new_matter, state.latest, state.turns = None, False, None, number
    return state


def settle_uploads(state: CaseState, intent: str | None, said: MessageFacts, number: int,
                   lexicon: Lexicon, reread: Callable[[str], MessageFacts],
                   merge: Callable[[MessageFacts, int, str], Any]) -> None:
    """Add or drop the pending uploads as the turn's words say (see the module doc)."""
    from bot.understanding.state import Fact

    corrects = tells_values(said)
    confirms = corrects or (intent in CONFIRMING_INTENTS)
    denies = intent == DENYING_INTENT and not corrects
    if not (confirms or denies):
        return
    for held in state.pending:
        if confirms and held.words:
            merge(reread(held.words), held.turn, held.words)
        # words: the text read, kept only when the user confirmed it
        state.attachments.append(Fact(held.name, held.value, held.turn,
                                      held.words if confirms else ""))
    state.uploads_added = tuple(str(held.value) for held in state.pending)
    state.pending = []


def tells_values(said: MessageFacts) -> bool:
    """Whether a message gives a value a screenshot shows (a correction of one)."""
    return bool(said.dates or said.order_number or said.amount or said.tracking_number
                or said.product_id or said.order_status)


def confirmed_upload_turns(state: CaseState) -> frozenset[int]:
    """The upload turns whose text the user confirmed (the story tells only those)."""
    return frozenset(fact.turn for fact in state.attachments if fact.words)


def upload_of(entities: list[dict[str, Any]]) -> tuple[str, tuple[str, str]] | None:
    """(text read, (kind, file name)) of an upload turn's payload entities (None when the
    payload is not one)."""
    values = {str(e.get("entity")): e.get("value") for e in entities if isinstance(e, dict)}
    kind, name = values.get(KIND_ENTITY), values.get(NAME_ENTITY)
    if not isinstance(kind, str) or not isinstance(name, str):
        return None
    text = values.get(TEXT_ENTITY)
    return (text if isinstance(text, str) else ""), (kind, name)
