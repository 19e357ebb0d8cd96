"""The case state: one plain function of the conversation's user turns.

:func:`derive_case_state` reads every user turn (text, NLU ranking, time, what the
assistant had just asked) and returns the case type, the role and every fact the user
gave, each with the turn it came from. It is :func:`step_case_state` folded over the
turns: a state kept after turn n (:mod:`bot.understanding.snapshot`) and stepped once
gives the same state as the whole derivation. The actions, the console and the tests all
call them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from bot.chinese_forms import normalize
from bot.dates import SHANGHAI
from bot.guidance import safety_flags_in
from bot.rulebook import RuleBook
from bot.statutes import Answers, asks_statute
from bot.understanding.extract import MessageFacts, read_message
from bot.understanding.intents import intent_registry
from bot.understanding.lexicon import Lexicon
from bot.understanding.sum_context import ReadSum
from bot.understanding.two_in_one import BESIDE_CONFIDENCE, request_intents
from bot.understanding.uploads import hold_upload, settle_uploads

# A case-type message that is not a facet switches the case only when this sure of it.
SWITCH_CONFIDENCE = 0.6
STORY_EVENTS = 2  # dated events in one message that make it a story told
SINGLE_FACTS = ("order_number", "product_id", "tracking_number", "amount", "demand_amount",
                "shop_name", "seller_location")
LIST_FACTS = ("problems", "other_side", "evidence", "wants")


@dataclass(frozen=True)
class Turn:
    """One user message as the case state reads it."""

    text: str
    time: dt.datetime
    intent: str | None = None
    ranking: tuple[tuple[str, float], ...] = ()
    asked: str | None = None  # the slot the assistant had just asked for
    asked_event: str | None = None  # the lexicon event whose date it had asked for
    upload: tuple[str, str] | None = None  # an uploaded screenshot: (kind, file name)


@dataclass(frozen=True)
class Fact:
    """A fact of the case, the turn it came from (1-based) and the user's words."""

    name: str
    value: Any
    turn: int
    words: str
    time: dt.time | None = None


@dataclass
class CaseState:
    """What the conversation has established so far."""

    case_type: str | None = None
    role: str | None = None
    role_said: bool = False  # the user said the role (not only implied by the case type)
    opened_turn: int | None = None
    matter_turn: int = 1  # the turn the facts start from (a new matter starts them anew)
    facts: dict[str, Fact] = field(default_factory=dict)
    lists: dict[str, list[Fact]] = field(default_factory=dict)
    events: dict[str, Fact] = field(default_factory=dict)
    told: dict[str, Fact] = field(default_factory=dict)  # events told, dated or not
    undated_words: list[Fact] = field(default_factory=list)
    order_status: Fact | None = None
    notes: list[Fact] = field(default_factory=list)
    safety: tuple[str, ...] = ()  # safety flags the latest turn raised
    safety_seen: tuple[str, ...] = ()  # flags raised earlier in the same case
    switched_from: str | None = None  # the case type the latest turn switched away from
    new_matter: bool = False  # the latest turn opened a new matter (facts started anew)
    latest: MessageFacts | None = None
    turns: int = 0
    # Screenshots read but not yet confirmed (name: kind, value: file name, words: the text
    # read), and those the case holds (words: ""); see bot.understanding.uploads.
    pending: list[Fact] = field(default_factory=list)
    attachments: list[Fact] = field(default_factory=list)
    uploads_added: tuple[str, ...] = ()  # file names the latest turn added to the case

    def value(self, name: str) -> Any:
        """A single fact's value (None when not given)."""
        fact = self.facts.get(name)
        return None if fact is None else fact.value

    def values(self, name: str) -> list[Any]:
        """A list fact's values, in the order given."""
        return [fact.value for fact in self.lists.get(name, [])]

    def event_date(self, event: str) -> dt.date | None:
        """The date of a lexicon event, when given."""
        fact = self.events.get(event)
        return None if fact is None else fact.value

    @property
    def status(self) -> str | None:
        """The order status the user said or that the events imply."""
        return None if self.order_status is None else self.order_status.value

    def rulebook_dates(self, lexicon: Lexicon, turn: int | None = None) -> dict[str, dt.date]:
        """Rule-book event id -> date, from every dated event of the case (of one turn
        only, when ``turn`` is given)."""
        dates: dict[str, dt.date] = {}
        for event_id, fact in self.events.items():
            if turn is not None and fact.turn != turn:
                continue
            for linked in lexicon.events[event_id].rulebook:
                dates.setdefault(linked, fact.value)
        return dates

    def rulebook_told(self, lexicon: Lexicon) -> frozenset[str]:
        """Rule-book event ids of every event the case told, dated or not."""
        return frozenset(linked for event_id in {*self.events, *self.told}
                         for linked in lexicon.events[event_id].rulebook)


def lexicon_event_for(rulebook_event: str, lexicon: Lexicon) -> str | None:
    """The lexicon event whose date dates ``rulebook_event`` (None when none does)."""
    for event in lexicon.events.values():
        if rulebook_event in event.rulebook:
            return event.id
    return None


def _allowed(book: RuleBook, case_type: str, role: str | None) -> bool:
    return role is None or role in book.roles_for(case_type)


def case_candidate(turn: Turn, role: str | None, book: RuleBook) -> tuple[str, float] | None:
    """The case type a turn points to, re-ranked so that it fits the role. A request
    ("帮我写个投诉", "多久") that also tells a case carries it beside the intent: the best
    case type of the ranking, when it is sure enough (two things in one message)."""
    ranking = list(turn.ranking) or ([(turn.intent, 1.0)] if turn.intent else [])
    case_types = book.case_types()
    if ranking and ranking[0][0] in request_intents():
        beside = [(name, confidence) for name, confidence in ranking[1:]
                  if name in case_types and confidence >= BESIDE_CONFIDENCE
                  and _allowed(book, name, role)]
        return beside[0] if beside else None
    if not ranking or ranking[0][0] not in case_types:
        return None
    for name, confidence in ranking:
        if name in case_types and _allowed(book, name, role):
            return name, confidence
    return None


def _set(state: CaseState, name: str, value: Any, turn: int, words: str) -> None:
    state.facts[name] = Fact(name, value, turn, words)


def _add(state: CaseState, name: str, values: Iterable[Any], turn: int, words: str) -> None:
    kept = state.lists.setdefault(name, [])
    for value in values:
        if value not in [fact.value for fact in kept]:
            kept.append(Fact(name, value, turn, words))


def _start_new_matter(state: CaseState) -> None:
    state.facts, state.lists, state.events, state.told = {}, {}, {}, {}
    state.undated_words, state.notes, state.order_status = [], [], None
    state.safety_seen = ()


def _merge(state: CaseState, said: MessageFacts, number: int, text: str,
           default_event: str | None = None, lexicon_heads: tuple[str, ...] = ()) -> None:
    last_event = max(state.events.values(), key=lambda f: f.turn, default=None)
    # A correction's unnamed date replaces the event told last, unless another date of the
    # message already named its event ("是11月13号申请的，12号是在跟卖家聊").
    named = any(found.event is not None for found in said.dates)
    for found in said.dates:
        event = found.event
        if event is None and found.correction and last_event is not None and not named:
            event = last_event.name
        if event is not None and found.correction and event not in state.events:
            # "签收日期我记错了，是12号" in a case that has only the return's 签收 told
            kin = [name for name in state.events if name.endswith(f"_{event}")]
            event = kin[0] if len(kin) == 1 else event
        if event is None and found.bare and default_event and default_event not in state.events:
            event = default_event  # a bare date is the one date the case still needs
        if event is None:
            state.undated_words.append(Fact("date", found.day, number, found.words, found.time))
            continue
        state.events[event] = Fact(event, found.day, number, found.words, found.time)
    for event in said.told:
        state.told.setdefault(event, Fact(event, True, number, text))
    said = _to_the_corrected_sum(state, said, text)
    for name in SINGLE_FACTS:
        value = getattr(said, name)
        if value:
            _set(state, name, value, number, text)
    if said.item and _better_item(state.facts.get("item"), said.item, lexicon_heads):
        _set(state, "item", said.item, number, text)
    for name in LIST_FACTS:
        _add(state, name, getattr(said, name), number, text)
    if said.order_status:
        state.order_status = Fact("order_status", said.order_status, number, text)


SUMS = ("amount", "demand_amount")


def _says_number(text: str, value: Any) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(str(value))}(?![\d])", text) is not None


def _to_the_corrected_sum(state: CaseState, said: MessageFacts, text: str) -> MessageFacts:
    """A sum that replaces a kept one ("他要的是800，不是500") belongs to the fact that held
    the sum it names, not the one the clause's words suggest: the order amount and the
    demanded sum are told apart by the old value the message repeats."""
    for name, other in (SUMS, SUMS[::-1]):
        new, kept = getattr(said, name), state.facts.get(other)
        if (new and not getattr(said, other) and kept is not None
                and str(kept.value) != str(new) and _says_number(text, kept.value)
                and not (name in state.facts and _says_number(text, state.facts[name].value))):
            return replace(said, **{name: None, other: new})
    return said


def _better_item(kept: Fact | None, named: str, heads: tuple[str, ...]) -> bool:
    """Whether a newly named item replaces the kept one: the case keeps its first item,
    unless that one names no product word and the new one does ("二手" → "iPad"), or the
    new one names the same thing more fully ("耳机" → "索尼降噪耳机")."""
    if kept is None:
        return True
    before = str(kept.value)
    if len(named) > len(before) and named.endswith(before):
        return True
    return (not any(head in before for head in heads)
            and any(head in named for head in heads))


def _needed_event(state: CaseState, book: RuleBook, lexicon: Lexicon) -> str | None:
    """The lexicon event of the open case's key date (what a bare date most likely is)."""
    if state.case_type is None:
        return None
    roles = book.roles_for(state.case_type)
    entry = book.entry(state.case_type, state.role if state.role in roles else None)
    key = entry.key_event_for(state.status)
    return None if key is None else lexicon_event_for(key, lexicon)


def _implied_status(state: CaseState, lexicon: Lexicon) -> None:
    """An order status the dated events imply, when the user said none (lexicon order)."""
    if state.order_status is not None:
        return
    for event, status in lexicon.implied_statuses.items():
        fact = state.events.get(event)
        if fact is not None:
            state.order_status = Fact("order_status", status, fact.turn, fact.words)
            return


def _choose_case(state: CaseState, turn: Turn, said: MessageFacts, number: int,
                 book: RuleBook, law_question: bool = False) -> None:
    """Open or switch the case the turn points to. A question about the law switches no
    case; it opens one only when it also tells one: facts of its own ("有个买家说不给他50块
    就给差评，这算不算敲诈") and a case type the NLU is sure of, or less sure of when the
    message tells a whole story (an order number, or several dated events)."""
    candidate = case_candidate(turn, state.role, book)
    if candidate is None and state.case_type is None and _a_whole_story(said):
        candidate = _told_beside(turn, state.role, book)  # "inform" with a whole story
    if candidate is None:
        return
    new, confidence = candidate
    current = state.case_type
    if law_question and (current is not None or said.empty
                         or (confidence < SWITCH_CONFIDENCE and not _a_whole_story(said))):
        return
    if current is None:
        state.case_type, state.opened_turn = new, number
        return
    if new == current or (new in book.facets_of(current) and not said.switch_marker):
        return
    if said.switch_marker:
        _start_new_matter(state)
        state.new_matter, state.matter_turn = True, number
    elif confidence < SWITCH_CONFIDENCE:
        return
    state.switched_from, state.case_type, state.opened_turn = current, new, number


def _told_beside(turn: Turn, role: str | None, book: RuleBook) -> tuple[str, float] | None:
    """The best case type of the ranking that is sure enough to stand beside another
    intent (a story read as plain information still tells its case)."""
    case_types = book.case_types()
    return next(((name, confidence) for name, confidence in turn.ranking
                 if name in case_types and confidence >= BESIDE_CONFIDENCE
                 and _allowed(book, name, role)), None)


def _a_whole_story(said: MessageFacts) -> bool:
    """An order number, or dates of STORY_EVENTS events or more: a case told, not asked."""
    return said.order_number is not None or len({d.event for d in said.dates
                                                   if d.event}) >= STORY_EVENTS


@lru_cache(maxsize=4096)
def _flags_in(text: str, book: RuleBook) -> tuple[str, ...]:
    return tuple(safety_flags_in(normalize(text), book))


def _safety(state: CaseState, text: str, book: RuleBook,
            read_safety: Callable[[str], tuple[str, ...]] | None = None) -> None:
    state.safety_seen = tuple(dict.fromkeys((*state.safety_seen, *state.safety)))
    raised = set(_flags_in(text, book)) | set(read_safety(text) if read_safety else ())
    state.safety = tuple(flag for flag in book.safety_flag_ids() if flag in raised)


def derive_case_state(turns: Sequence[Turn], book: RuleBook, lexicon: Lexicon,
                      statutes: Answers, read_role: Callable[[str], str | None] | None = None,
                      read_safety: Callable[[str], tuple[str, ...]] | None = None,
                      read_sum: ReadSum | None = None) -> CaseState:
    """The case state after ``turns`` (oldest first): :func:`step_case_state` folded over
    them from an empty state. ``statutes`` tell a question about the law, which opens or
    switches no case on its own. ``read_role`` (the trained role reader) gives the role a
    turn's words imply when no cue said it and the case type does not settle it;
    ``read_safety`` (the trained safety reader) the safety flags a turn's words raise
    beside the rule book's keyword triggers; ``read_sum`` (the trained sum reader) which
    sum is the order's price and which a sum demanded."""
    state = CaseState()
    for turn in turns:
        state = step_case_state(state, turn, book, lexicon, statutes, read_role, read_safety,
                                read_sum)
    return state


def read_turn(turn: Turn, lexicon: Lexicon, read_sum: ReadSum | None = None) -> MessageFacts:
    """Everything one turn says that the case keeps (read at the turn's own time)."""
    now = turn.time if turn.time.tzinfo else turn.time.replace(tzinfo=SHANGHAI)
    return read_message(turn.text, now, lexicon, turn.asked, turn.asked_event, read_sum)


def copy_state(state: CaseState) -> CaseState:
    """A copy whose containers are its own (the facts themselves are immutable)."""
    return replace(state, facts=dict(state.facts),
                   lists={name: list(kept) for name, kept in state.lists.items()},
                   events=dict(state.events), told=dict(state.told),
                   undated_words=list(state.undated_words), notes=list(state.notes),
                   pending=list(state.pending), attachments=list(state.attachments))


def step_case_state(previous: CaseState, turn: Turn, book: RuleBook, lexicon: Lexicon,
                    statutes: Answers, read_role: Callable[[str], str | None] | None = None,
                    read_safety: Callable[[str], tuple[str, ...]] | None = None,
                    read_sum: ReadSum | None = None) -> CaseState:
    """The case state after one more user turn (``previous`` is left as it was): what a
    turn costs does not grow with the conversation."""
    state = copy_state(previous)
    number = previous.turns + 1
    state.uploads_added = ()
    if turn.upload is not None:
        return hold_upload(state, turn, number)
    said = read_turn(turn, lexicon, read_sum)
    state.switched_from, state.new_matter, state.latest, state.turns = None, False, said, number
    if state.pending:
        settle_uploads(state, turn.intent, said, number, lexicon,
                       lambda text: read_turn(replace(turn, text=text), lexicon, read_sum),
                       lambda facts, at, words: _merge(state, facts, at, words))
    if said.role and (said.role != state.role or not state.role_said):
        state.role, state.role_said = said.role, True
    before = state.case_type
    _choose_case(state, turn, said, number, book, law_question=asks_statute(turn.text, statutes))
    if state.case_type and state.role is None and len(book.roles_for(state.case_type)) == 1:
        state.role = book.roles_for(state.case_type)[0]
    if state.role is None and read_role is not None:
        implied = read_role(turn.text)
        if implied and (state.case_type is None or implied in book.roles_for(state.case_type)):
            state.role = implied
    if state.case_type != before and before is not None:
        state.safety_seen = ()
    _safety(state, turn.text, book, read_safety)
    _merge(state, said, number, turn.text, _needed_event(state, book, lexicon),
           lexicon.item_heads)
    answered = turn.asked and (turn.intent is None
                               or turn.intent in intent_registry().members("answer"))
    detail = state.case_type is not None and turn.intent == "inform"
    if said.empty and (answered or detail):
        state.notes.append(Fact(turn.asked or "detail", turn.text.strip()[:200], number,
                                turn.text))
    _implied_status(state, lexicon)
    return state
