"""Write the draft a request asks for, from the whole case state; name what is missing once.

Used by the draft turn and by the case turn (a reply that fills a placeholder of the
draft just shown gets the draft again, with the fact in it). A request may ask for the
case file (:mod:`bot.turn.case_file`), a variant of the draft just shown (short, or the
other tone), or a lawyer's letter (explained: the 催告函 in the user's name comes instead);
a text that goes to an authority is written only after the user confirmed the facts it
states (a correction changes the fact everywhere, since the case state reads every turn).
The draft and its lines go into the turn's reply; the slots it sets, into the turn's slot
events.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib

from bot import guidance
from bot.deadlines import add_working_days
from bot.drafting import (
    Draft,
    DraftCatalog,
    DraftError,
    DraftFacts,
    placeholder,
    render_draft,
    render_short,
)
from bot.drafting.compose import context_for, facts_from_state, named_next_step
from bot.drafting.request import (
    CaseSide,
    DraftRequest,
    asks_for_case_file,
    asks_for_draft,
    read_request,
)
from bot.store.sync import record_draft
from bot.turn.case_file import WRITTEN_SLOT, send_case_file
from bot.turn.context import TurnContext
from bot.turn.story import story_of
from bot.turn.uploads import attachment_labels

KIND_SLOT, MISSING_SLOT, KEY_SLOT = "draft_kind", "draft_missing", "draft_key"
PENDING_SLOT = "draft_pending"  # "kind|tone": a text waiting for the user to confirm its facts
BARE_NO = 4  # "不对" / "不对吧": no more than this is a bare no (else it says what to change)


def _entity(turn: TurnContext, name: str) -> str | None:
    found = turn.entities(name)
    return str(found[-1].get("value")) if found else None


def _render(turn: TurnContext, result: guidance.Guidance, request: DraftRequest,
            drafts: DraftCatalog, facts: DraftFacts | None = None, wording: int = 0) -> Draft:
    case_facts = turn.facts
    assert case_facts is not None  # ``result`` was built from them (case_side)
    context = context_for(turn.words, request.kind, result, case_facts.today, drafts)
    context.wording = wording
    if request.within is not None:  # the user's own time limit for the other side
        days, working = request.within
        today = case_facts.today
        context.reply_by = (add_working_days(today, days, turn.rulebook.holidays)[0]
                            if working else today + dt.timedelta(days=days))
        context.reply_by_asked, context.deadline_text = True, None
    if request.next_named is not None:  # the next step the user named
        context.next_step = named_next_step(result, request.next_named, drafts)
        context.next_step_asked = True
    facts = facts or facts_from_state(turn.state, turn.lexicon, story_of(turn),
                                      attachment_labels(turn))
    if request.variant == "short":
        return render_short(drafts, request.kind, result.case_type, result.role, facts,
                            context)
    return render_draft(drafts, request.kind, result.case_type, result.role, request.tone,
                        facts, context)


def case_side(turn: TurnContext) -> tuple[guidance.Guidance, CaseSide] | None:
    """The case's guidance and the side a request is read in (None without a case)."""
    facts = turn.facts
    if facts is None:
        return None
    result = guidance.build_guidance(turn.rulebook, facts)
    side = CaseSide(result.case_type, result.role, frozenset(turn.state.events),
                    result.current_rung.id, frozenset(turn.state.told))
    return result, side


def _read(turn: TurnContext, request_text: str | None, side: CaseSide) -> DraftRequest:
    drafts, previous = turn.catalog.drafts, turn.slot(KIND_SLOT)
    if request_text is None:
        return read_request("", drafts, side, previous_kind=previous,
                            previous_tone=turn.slot("tone"))
    return read_request(request_text, drafts, side, addressee=_entity(turn, "addressee"),
                        tone=_entity(turn, "tone"), previous_kind=previous,
                        previous_tone=turn.slot("tone"),
                        style=turn.readers.style(request_text))


def send_draft(turn: TurnContext, request_text: str | None, confirmed: bool = False,
               updated: bool = False) -> None:
    """Write the requested draft (``request_text`` None: the draft just shown, again);
    ``confirmed``: the user confirmed the facts of a text that needs it; ``updated``: it is
    written again because the user added or corrected a fact (said so in its header)."""
    reply = turn.reply
    found = case_side(turn)
    if found is None:
        reply.say("utter_which_case")
        return
    result, side = found
    drafts = turn.catalog.drafts
    if request_text and asks_for_case_file(request_text, drafts):
        send_case_file(turn, result)
        return
    request = _read(turn, request_text, side)
    confirmed = confirmed or turn.slot(KIND_SLOT) == request.kind  # confirmed when written
    if request.kind in drafts.confirm_kinds and request.variant is None and not confirmed:
        _ask_to_confirm(turn, result, request)
        return
    if turn.slot(PENDING_SLOT):
        turn.set_slot(PENDING_SLOT, None)
    restyled = request_text is not None and turn.readers.style(request_text).asks
    _write(turn, result, request, restyled, updated)


def _key(draft: Draft) -> str:
    return _key_of(draft.kind, draft.tone, draft.text)


def _key_of(kind: str, tone: str, text: str) -> str:
    return hashlib.sha1(f"{kind}|{tone}|{text}".encode()).hexdigest()


def shown_just_before(turn: TurnContext) -> bool:
    """Whether the draft last written is among the texts the assistant said just before
    the latest message."""
    key, kind_id = turn.slot(KEY_SLOT), turn.slot(KIND_SLOT)
    if not key or not kind_id:
        return False
    try:
        tones = turn.catalog.drafts.kind(str(kind_id)).tones
    except DraftError:  # a kind renamed since the slot was set
        return False
    return any(_key_of(str(kind_id), tone, text) == key
               for text in turn.previous_bot_texts for tone in tones)


NEAR_COPY = 0.85  # a rewrite this close to the text before it reads as the same text


def _near_copy(text: str, last: str | None) -> bool:
    return last is not None and difflib.SequenceMatcher(None, last, text).ratio() >= NEAR_COPY


def _last_text(turn: TurnContext) -> str | None:
    """The text last shown, written again in either wording (the one whose key is the
    last key), or None when the case changed since."""
    for wording in (0, 1):
        draft = _redrawn(turn, wording)
        if draft is not None and _key(draft) == turn.slot(KEY_SLOT):
            return draft.text
    return None


def _write(turn: TurnContext, result: guidance.Guidance, request: DraftRequest,
           restyled: bool = False, updated: bool = False) -> None:
    """Write the draft; ``restyled``: the words asked for another tone or wording, so a
    text that would come out the same as the last one comes in its other wording."""
    reply, words, drafts = turn.reply, turn.words, turn.catalog.drafts
    draft = _render(turn, result, request, drafts)
    key = _key(draft)
    if restyled and request.variant != "short":
        last = _last_text(turn)
        if key == turn.slot(KEY_SLOT) or _near_copy(draft.text, last):
            for wording in (1, 0):  # the last text may already be the other wording
                other = _render(turn, result, request, drafts, wording=wording)
                if _key(other) != turn.slot(KEY_SLOT) and not _near_copy(other.text, last):
                    draft, key = other, _key(other)
                    break
    if key == turn.slot(KEY_SLOT):  # asked again: the same text, said so, never withheld
        reply.say("utter_draft_unchanged")
        reply.say_text(draft.text)
        return
    kind = drafts.kind(draft.kind)
    if request.lawyer:
        reply.say("utter_draft_lawyer_letter", kind=kind.label)
    elif request.instead_of:
        reply.say("utter_draft_blocked", wanted=drafts.kind(request.instead_of).label,
                  kind=kind.label)
    elif request.unavailable:
        reply.say("utter_draft_kind_unavailable",
                  wanted=drafts.kind(request.unavailable).label, kind=kind.label)
    elif request.chosen_by in ("rung", "case"):
        reply.say("utter_draft_chosen", rung=result.current_rung.name, kind=kind.label)
    if request.variant == "short":
        reply.say("utter_draft_short_header", kind=kind.label,
                  addressee=words.label("addressee", kind.addressee), tone=words.label(
                      "tone", turn.slot("tone") or draft.tone))
    else:
        again = turn.slot(KIND_SLOT) == draft.kind and turn.slot("tone") == draft.tone
        header = ("utter_draft_header_updated" if updated and again
                  else "utter_draft_header_again" if again else "utter_draft_header")
        reply.say(header,
                  kind=kind.label, addressee=words.label("addressee", kind.addressee),
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
    written = list(turn.slot(WRITTEN_SLOT) or [])
    for name, value in ((KEY_SLOT, key), (KIND_SLOT, draft.kind),
                        ("addressee", draft.addressee), (MISSING_SLOT, draft.missing or None),
                        (WRITTEN_SLOT, list(dict.fromkeys([*written, draft.kind])))):
        turn.set_slot(name, value)
    if request.variant != "short":
        turn.set_slot("tone", draft.tone)


def _ask_to_confirm(turn: TurnContext, result: guidance.Guidance,
                    request: DraftRequest) -> None:
    """The facts a text for an authority will state, for the user to confirm or correct."""
    drafts, words = turn.catalog.drafts, turn.words
    facts = facts_from_state(turn.state, turn.lexicon, story_of(turn), attachment_labels(turn))
    draft = _render(turn, result, request, drafts, facts)
    rows = [words.entry("drafts", "confirm_row").format(label=label, value=value)
            for label, value in confirm_rows(turn, facts)]
    missing = [placeholder(name, drafts) for name in draft.missing]
    turn.reply.say("utter_draft_confirm", kind=drafts.kind(request.kind).label,
                   rows="\n".join(rows),
                   missing=words.entry("drafts", "confirm_missing").format(
                       missing=words.join_list(missing)) if missing else "")
    turn.set_slot(PENDING_SLOT, f"{request.kind}|{request.tone}")


def confirm_rows(turn: TurnContext, facts: DraftFacts) -> list[tuple[str, str]]:
    """(label, value) of every fact a formal text states: the order, each dated event,
    the story, the other side's words, the sum demanded, the evidence and the demand."""
    drafts, words = turn.catalog.drafts, turn.words
    labels, rows = drafts.config.fact_labels, []
    for name in ("order_number", "item", "amount", "shop_name", "seller_location",
                 "tracking_number"):
        value = getattr(facts, name)
        if value:
            shown = (drafts.config.amount_format.format(amount=value)
                     if name == "amount" and value.replace(".", "").isdigit() else value)
            rows.append((labels[name], shown))
    phrases = drafts.config.event_phrases[turn.state.role or "buyer"]
    told = "".join(facts.story)
    for entry in sorted(facts.timeline, key=lambda e: e.day):
        if drafts.config.date_format.format(year=entry.day.year, month=entry.day.month,
                                            day=entry.day.day) not in told:
            rows.append((words.format_date(entry.day), phrases.get(entry.event, entry.event)))
    rows += [(labels["story"], sentence) for sentence in facts.story]
    config = drafts.config
    rows += [(labels["other_side"], config.said_format.format(cue=said.cue, words=said.words)
              if said.cue else config.quote_format.format(text=said.words))
             for said in facts.other_side]
    if facts.demand_amount:
        rows.append((labels["demand_amount"],
                     config.amount_format.format(amount=facts.demand_amount)))
    if facts.evidence:
        rows.append((labels["evidence"], words.join_list(facts.evidence)))
    if facts.wants:
        wants = [drafts.config.want_phrases.get(w, w) for w in facts.wants]
        rows.append((labels["demand"], words.join_list(wants)))
    return rows


def confirmed_draft(turn: TurnContext) -> bool:
    """The text waiting for confirmation, written when the user confirms or corrects a fact
    ("对", "金额不对，是168"); a bare "no" asks what to correct. True when it answered."""
    pending = turn.slot(PENDING_SLOT)
    if not pending or turn.state.case_type is None:
        return False
    act = turn.readers.act(turn.text, turn.previous_bot_text)
    latest = turn.state.latest
    corrected = (latest is not None and not latest.empty) or len(turn.text.strip()) > BARE_NO
    if act == "no" and not corrected:
        turn.reply.say("utter_draft_confirm_what")
        return True
    if act not in ("yes", "no", "fact") and not corrected:
        turn.set_slot(PENDING_SLOT, None)
        return False
    kind, _, tone = str(pending).partition("|")
    found = case_side(turn)
    if found is None:
        return False
    result, side = found
    request = read_request("", turn.catalog.drafts, side, previous_kind=kind,
                           previous_tone=tone)
    turn.drafted = True
    turn.set_slot(PENDING_SLOT, None)
    _write(turn, result, request)
    return True


def _redrawn(turn: TurnContext, wording: int = 0) -> Draft | None:
    """The draft last shown (its kind and tone), written again from the case as it stands
    now, in ``wording``."""
    kind_id = turn.slot(KIND_SLOT)
    found = case_side(turn) if kind_id else None
    if found is None:
        return None
    result, side = found
    drafts = turn.catalog.drafts
    try:
        request = read_request("", drafts, side, previous_kind=kind_id,
                               previous_tone=turn.slot("tone"))
        return _render(turn, result, request, drafts, wording=wording)
    except ValueError:
        return None


def fills_a_placeholder(turn: TurnContext) -> bool:
    """Whether the latest turn gave a fact the draft just shown left as a placeholder."""
    missing = turn.slot(MISSING_SLOT) or []
    draft = _redrawn(turn) if missing else None
    return draft is not None and set(draft.missing) < set(missing)


def changes_the_draft_just_shown(turn: TurnContext) -> bool:
    """Whether the latest message, answering the draft shown just before it, told a fact
    (added or corrected: "对了我还有开箱视频", "金额写错了，是168") that changes the draft;
    a question ("超过48小时不发货是不是有赔付？") is answered instead, its facts kept for
    the next draft."""
    latest = turn.state.latest
    if latest is None or latest.empty or not shown_just_before(turn):
        return False
    if turn.readers.act(turn.text, turn.previous_bot_text) == "question":
        return False
    draft = _redrawn(turn)
    missing = turn.slot(MISSING_SLOT) or []
    return (draft is not None and _key(draft) != turn.slot(KEY_SLOT)
            and set(draft.missing) <= set(missing))


def draft_if_asked(turn: TurnContext) -> bool:
    """The draft or the case file, when a case message also asks for one; True when it did."""
    if turn.state.case_type is None or not asks_for_a_text(turn, by_act=True):
        return False
    send_draft(turn, turn.text)
    return True


def asks_for_a_text(turn: TurnContext, by_act: bool = False) -> bool:
    """Whether the message asks for a text (a rewrite of the one shown included: "来个短的",
    "换个语气") or the case file; ``by_act``: a request the dialogue-act reader reads that
    names a text counts too."""
    said, drafts = turn.text, turn.catalog.drafts
    request_act = by_act and turn.readers.act(said, turn.previous_bot_text) == "request"
    return (asks_for_draft(said, drafts, redraft=turn.slot(KIND_SLOT) is not None,
                           style=turn.readers.style(said), request_act=request_act)
            or asks_for_case_file(said, drafts))
