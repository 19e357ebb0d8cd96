"""Write the draft a request asks for, from the whole case state; name what is missing once.

Used by the draft turn and by the case turn (a reply that fills a placeholder of the
draft just shown gets the draft again, with the fact in it). The draft and its lines go
into the turn's reply; the slots it sets, into the turn's slot events.
"""

from __future__ import annotations

import hashlib

from bot import guidance
from bot.drafting import Draft, DraftCatalog, placeholder, render_draft
from bot.drafting.compose import context_for, facts_from_state
from bot.drafting.request import CaseSide, DraftRequest, asks_for_draft, read_request
from bot.store.sync import record_draft
from bot.turn.context import TurnContext

KIND_SLOT, MISSING_SLOT, KEY_SLOT = "draft_kind", "draft_missing", "draft_key"


def _entity(turn: TurnContext, name: str) -> str | None:
    found = turn.entities(name)
    return str(found[-1].get("value")) if found else None


def _render(turn: TurnContext, result: guidance.Guidance, request: DraftRequest,
            drafts: DraftCatalog) -> Draft:
    context = context_for(turn.words, request.kind, result, turn.facts.today, drafts)
    return render_draft(drafts, request.kind, result.case_type, result.role, request.tone,
                        facts_from_state(turn.state, turn.lexicon), context)


def _case(turn: TurnContext) -> tuple[guidance.Guidance, CaseSide] | None:
    facts = turn.facts
    if facts is None:
        return None
    result = guidance.build_guidance(turn.rulebook, facts)
    side = CaseSide(result.case_type, result.role, frozenset(turn.state.events),
                    result.current_rung.id)
    return result, side


def send_draft(turn: TurnContext, request_text: str | None) -> None:
    """Write the requested draft (``request_text`` None: the draft just shown, again)."""
    reply, words = turn.reply, turn.words
    found = _case(turn)
    if found is None:
        reply.say("utter_which_case")
        return
    result, side = found
    drafts = turn.catalog.drafts
    previous = turn.slot(KIND_SLOT)
    if request_text is None:
        request = read_request("", drafts, side, previous_kind=previous,
                               previous_tone=turn.slot("tone"))
    else:
        request = read_request(request_text, drafts, side, addressee=_entity(turn, "addressee"),
                               tone=_entity(turn, "tone"), previous_kind=previous,
                               previous_tone=turn.slot("tone"))
    draft = _render(turn, result, request, drafts)
    key = hashlib.sha1(f"{draft.kind}|{draft.tone}|{draft.text}".encode()).hexdigest()
    if key == turn.slot(KEY_SLOT):
        reply.say("utter_draft_unchanged")
        return
    kind = drafts.kind(draft.kind)
    if request.unavailable:
        reply.say("utter_draft_kind_unavailable",
                  wanted=drafts.kind(request.unavailable).label, kind=kind.label)
    elif request.chosen_by in ("rung", "case"):
        reply.say("utter_draft_chosen", rung=result.current_rung.name, kind=kind.label)
    reply.say("utter_draft_header", kind=kind.label,
              addressee=words.label("addressee", kind.addressee),
              tone=words.label("tone", draft.tone))
    reply.say_text(draft.text)
    turn.keep(lambda repo: record_draft(repo, turn.sender_id, draft.case_type, draft.role,
                                        draft.tone, draft.addressee, draft.text))
    if draft.missing:
        labels = [placeholder(name, drafts) for name in draft.missing]
        named = list(turn.slot(MISSING_SLOT) or []) == list(draft.missing)
        reply.say(  # the same gaps named again, in one short line
            "utter_draft_missing_again" if named else "utter_draft_missing",
            count=len(labels), missing=words.join_list(labels))
    else:
        reply.say("utter_draft_switch")
    for name, value in ((KEY_SLOT, key), (KIND_SLOT, draft.kind), ("tone", draft.tone),
                        ("addressee", draft.addressee), (MISSING_SLOT, draft.missing or None)):
        turn.set_slot(name, value)


def fills_a_placeholder(turn: TurnContext) -> bool:
    """Whether the latest turn gave a fact the draft just shown left as a placeholder."""
    missing = turn.slot(MISSING_SLOT) or []
    kind_id = turn.slot(KIND_SLOT)
    found = _case(turn) if missing and kind_id else None
    if found is None:
        return False
    result, side = found
    drafts = turn.catalog.drafts
    try:
        request = read_request("", drafts, side, previous_kind=kind_id,
                               previous_tone=turn.slot("tone"))
        draft = _render(turn, result, request, drafts)
    except ValueError:
        return False
    return set(draft.missing) < set(missing)


def draft_if_asked(turn: TurnContext) -> bool:
    """The draft, when a case message also asks for one; True when it did."""
    said = turn.text
    shown = turn.slot(KIND_SLOT) is not None
    if turn.state.case_type is None or not asks_for_draft(said, turn.catalog.drafts,
                                                          redraft=shown):
        return False
    send_draft(turn, said)
    return True
