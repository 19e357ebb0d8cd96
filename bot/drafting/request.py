"""Which draft a request asks for: kind, tone, and whether the words or the case chose it.

A request is read as a person reads it: a statement "for the platform staff to read" is the platform
statement, "complain to the market regulator" the regulator complaint, "appeal once more"
an appeal. Its length and tone ("short", "be harsher") are the style model's reading
(:mod:`bot.drafting.style`), passed in. A request that names no kind gets the previous
draft's kind (a redraft), or else the kind of the case's current rung. Cue words live in
``data/drafts/kinds.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chinese_forms import normalize
from bot.dates import number_value
from bot.drafting.draft_catalog import DraftCatalog, DraftKind
from bot.drafting.style import DraftStyle

# Chinese numerals one to ten (a day count written in words: "two days", "ten days")
NUMERALS = "\u4e00\u4e8c\u4e24\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341"
MAX_WITHIN_DAYS = 60  # a longer "time limit" is not one the draft states
CLAUSE_END = re.compile(r"[,.!?;\uff0c\u3002\uff01\uff1f\uff1b]")


@dataclass(frozen=True)
class DraftRequest:
    """The kind and tone to write, and what chose the kind."""

    kind: str
    tone: str
    chosen_by: str  # words | addressee | previous | rung | case | lawyer | mention | blocked
    unavailable: str | None = None  # a kind the words asked for that this case has not
    variant: str | None = None  # short | rewrite (bot.drafting.style)
    lawyer: bool = False  # a lawyer's letter was asked for
    instead_of: str | None = None  # the kind asked for, replaced because the seller blocked
    within: tuple[int, bool] | None = None  # days the user gives the other side; working days
    next_named: str | None = None  # the kind the request names as the next step ("否则12315")


@dataclass(frozen=True)
class CaseSide:
    """The case a request is read in."""

    case_type: str
    role: str
    events: frozenset[str] = frozenset()  # lexicon events the user dated
    rung: str | None = None  # the id of the case's current rung
    told: frozenset[str] = frozenset()  # lexicon events the user told, dated or not


def _cue_matches(text: str, catalog: DraftCatalog) -> list[tuple[int, int, DraftKind]]:
    """(cue length, file position, kind) of every kind whose cue is in the text."""
    found = []
    for position, kind in enumerate(catalog.kinds.values()):
        longest = max((len(cue) for cue in kind.cues if cue.lower() in text), default=0)
        if longest:
            found.append((longest, position, kind))
    return sorted(found, key=lambda item: (-item[0], item[1]))


def _object_clause(text: str, catalog: DraftCatalog) -> str | None:
    """The words after the first writing word, up to the end of its clause: the object of
    "write", whose last cue is the kind ("write a last warning to the seller")."""
    found = [(text.find(verb), verb) for verb in catalog.request_verbs if verb in text]
    if not found:
        return None
    start, verb = min(found)
    rest = text[start + len(verb):]
    end = CLAUSE_END.search(rest)
    return rest[:end.start()] if end else rest


def _last_cue(clause: str, catalog: DraftCatalog, side: CaseSide) -> DraftKind | None:
    """The kind whose cue ends last in the clause, kinds written for the case first (the
    longest cue on a tie)."""
    best: tuple[bool, int, int, DraftKind] | None = None
    for kind in catalog.kinds.values():
        fits = kind.written_for(side.case_type, side.role, side.events)
        for cue in kind.cues:
            at = clause.rfind(cue.lower())
            if at >= 0 and (best is None or (fits, at + len(cue), len(cue)) > best[:3]):
                best = (fits, at + len(cue), len(cue), kind)
    return None if best is None else best[3]


def kind_from_words(text: str, catalog: DraftCatalog, side: CaseSide
                    ) -> tuple[str | None, str | None]:
    """(kind written for the case, kind asked for but not written) from the request words."""
    clause = _object_clause(text, catalog)
    headed = _last_cue(clause, catalog, side) if clause else None
    if headed is not None:
        if headed.written_for(side.case_type, side.role, side.events):
            return headed.id, None
        return None, headed.id
    matches = _cue_matches(text, catalog)
    for _, _, kind in matches:
        if kind.written_for(side.case_type, side.role, side.events):
            return kind.id, None
    return None, matches[0][2].id if matches else None


def kind_for_rung(catalog: DraftCatalog, side: CaseSide) -> str:
    """The kind that fits the case's current rung, else the case's default kind."""
    case = catalog.case(side.case_type, side.role)
    if side.rung:
        kind_id = case.rung_kinds.get(side.rung) or catalog.rung_kinds.get(side.rung)
        if kind_id and catalog.kind(kind_id).written_for(side.case_type, side.role, side.events):
            return kind_id
    return case.default_kind


def kind_for_addressee(addressee: str, catalog: DraftCatalog, side: CaseSide) -> str | None:
    """The kind a button's addressee picks: the rung's kind when it has that addressee."""
    fitting = kind_for_rung(catalog, side)
    if catalog.kind(fitting).addressee == addressee:
        return fitting
    for kind in catalog.kinds_for(side.case_type, side.role, side.events):
        if kind.addressee == addressee:
            return kind.id
    return None


def kind_for_named_party(norm: str, catalog: DraftCatalog, side: CaseSide) -> str | None:
    """A request that names no kind but writes to the other party (a party marker right
    before its name, after the request verb) asks for the first kind written to them (a
    message, not a form's field)."""
    role = side.role or "buyer"
    party = catalog.config.other_party.get(role)
    verb_at = max((norm.rfind(verb) for verb in catalog.request_verbs), default=-1)
    if not party or verb_at < 0 or not any(
            norm.find(marker + party, verb_at) >= 0 for marker in catalog.party_markers):
        return None
    other = next((r for r in catalog.config.other_party if r != role), None)
    return next((kind.id for kind in catalog.kinds_for(side.case_type, side.role, side.events)
                 if kind.addressee in (other, "other_side")), None)


def within_from_words(norm: str, catalog: DraftCatalog) -> tuple[int, bool] | None:
    """The time limit the request gives the other side: (days, working days or not)."""
    words = catalog.reply_within
    units = [(unit, True) for unit in words.get("working_units", ())] + \
        [(unit, False) for unit in words.get("units", ())]
    endings = "|".join(map(re.escape, words.get("endings", ())))
    if not endings:
        return None
    for unit, working in units:
        pattern = rf"(\d{{1,2}}|[{NUMERALS}]{{1,3}}){re.escape(unit)}(?:{endings})"
        found = re.search(pattern, norm)
        if found:
            try:
                days = number_value(found.group(1))
            except (ValueError, KeyError):
                continue
            if 0 < days <= MAX_WITHIN_DAYS:
                return days, working
    return None


DOCUMENT_REACH = 3  # a draft noun this close after a kind's cue names that kind's document


def names_a_document(text: str, catalog: DraftCatalog) -> bool:
    """Whether the words name one kind's document: a kind's cue with a draft noun right
    after it (the police report's material, the complaint to 12315), not a cue that only
    names where the text goes (sort it out so I can hand it to 12315)."""
    norm = normalize(text or "").lower()
    for kind in catalog.kinds.values():
        for cue in kind.cues:
            at = norm.find(cue.lower())
            while at >= 0:
                after = norm[at + len(cue):at + len(cue) + DOCUMENT_REACH]
                if any(noun in after for noun in catalog.draft_nouns):
                    return True
                at = norm.find(cue.lower(), at + 1)
    return False


def asks_for_case_file(text: str, catalog: DraftCatalog) -> bool:
    """Whether the words ask for the whole case as one document (and name no single
    kind's document: sorting out the police report's material is the police report)."""
    norm = normalize(text or "").lower()
    return (any(cue in norm for cue in catalog.case_file_cues)
            and not names_a_document(norm, catalog))


def _without_mentions(norm: str, catalog: DraftCatalog) -> tuple[str, str | None]:
    """The request with every clause's mention of another step cut off ("and say in it
    that I will go to 12315"), and the kind the last cut mention names (None: none cut)."""
    kept, mentioned = [], None
    for clause in re.split(f"({CLAUSE_END.pattern})", norm):
        at = min((clause.find(cue) for cue in catalog.mention_cues if cue in clause),
                 default=-1)
        named = _cue_matches(clause[at:], catalog) if at >= 0 else []
        if named:
            clause, mentioned = clause[:at], named[0][2].id
        kept.append(clause)
    return "".join(kept), mentioned


def _other_tone(kind: DraftKind, tone: str | None) -> str:
    others = [t for t in kind.tones if t != tone]
    return others[0] if others else kind.tones[0]


def read_request(text: str, catalog: DraftCatalog, side: CaseSide, *,
                 addressee: str | None = None, tone: str | None = None,
                 previous_kind: str | None = None, previous_tone: str | None = None,
                 style: DraftStyle | None = None) -> DraftRequest:
    """The draft a request asks for. ``addressee`` and ``tone`` are the NLU's entities
    (buttons send them); ``previous_*`` describe the draft shown before, if any;
    ``style`` is the length and tone the words ask for (the style model's reading)."""
    norm, mentioned = _without_mentions(normalize(text or "").lower(), catalog)
    lawyer = any(cue in norm for cue in catalog.lawyer_cues)
    kind_id, unavailable = kind_from_words(norm, catalog, side)
    chosen_by = "words"
    if lawyer and catalog.kind(catalog.lawyer_kind).written_for(
            side.case_type, side.role, side.events):
        kind_id, unavailable, chosen_by = catalog.lawyer_kind, None, "lawyer"
    if kind_id is None and mentioned and catalog.kind(catalog.mention_kind).written_for(
            side.case_type, side.role, side.events):
        kind_id, chosen_by = catalog.mention_kind, "mention"
    if kind_id is None and addressee:
        kind_id, chosen_by = kind_for_addressee(addressee, catalog, side), "addressee"
    if kind_id is None and addressee is None:
        kind_id = kind_for_named_party(norm, catalog, side)
        chosen_by = "addressee" if kind_id else chosen_by
    if kind_id is None and previous_kind in catalog.kinds and catalog.kind(
            previous_kind).written_for(side.case_type, side.role, side.events):
        kind_id, chosen_by = previous_kind, "previous"
    if kind_id is None:
        kind_id = kind_for_rung(catalog, side)
        chosen_by = "rung" if kind_id != catalog.case(side.case_type, side.role).default_kind \
            or side.rung else "case"
    instead_of = None
    if kind_id in catalog.blocked_kinds and "blocked" in side.events | side.told and catalog.kind(
            catalog.blocked_kind).written_for(side.case_type, side.role, side.events):
        instead_of, kind_id, chosen_by = kind_id, catalog.blocked_kind, "blocked"
    kind = catalog.kind(kind_id)
    style = style or DraftStyle()
    variant = style.variant
    wanted = style.wanted_tone or tone
    if wanted and wanted not in kind.tones and chosen_by == "previous":
        # a tone this kind has not ("客气一点" after an ultimatum): the same reader's kind
        # that has it
        kind = next((other for other in catalog.kinds_for(side.case_type, side.role,
                                                          side.events)
                     if other.addressee == kind.addressee and wanted in other.tones), kind)
        kind_id = kind.id
    if wanted is None and variant == "rewrite":
        wanted = _other_tone(kind, previous_tone if kind_id == previous_kind else None)
    if wanted is None and kind_id == previous_kind:
        wanted = previous_tone
    chosen_tone = wanted if wanted in kind.tones else kind.tones[0]
    return DraftRequest(kind=kind_id, tone=chosen_tone, chosen_by=chosen_by,
                        unavailable=unavailable, variant=variant, lawyer=lawyer,
                        instead_of=instead_of, within=within_from_words(norm, catalog),
                        next_named=mentioned)


def asks_for_draft(text: str, catalog: DraftCatalog, redraft: bool = False,
                   style: DraftStyle | None = None, request_act: bool = False) -> bool:
    """Whether a message asks for a draft, whatever intent the NLU gave it: a writing word
    (or, ``request_act``, words the dialogue-act reader reads as a request) with a kind's
    cue or a draft noun, or (``redraft``: a draft was just shown) a writing word alone
    ("add it in", "write it again") or a length or tone (``style``)."""
    norm = normalize(text or "").lower()
    if redraft and style is not None and style.asks:
        return True
    if any(cue in norm for cue in catalog.lawyer_cues):
        return True
    names_text = (any(noun in norm for noun in catalog.draft_nouns)
                  or bool(_cue_matches(norm, catalog)))
    if not any(verb in norm for verb in catalog.request_verbs):
        return request_act and names_text  # "报警的材料也写一下", "给卖家的消息也来一条"
    return redraft or names_text
