"""The draft's facts and rule context from the case state and the rule book.

:func:`facts_from_state` takes every fact the user gave (case state, with its lexicon
events); :func:`context_for` adds what the rule book says for the kind: the reply-by date
of a firm letter to the seller (the next limit that opens an escalation), the next step
that fits the addressee, and what to attach when the user listed no evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bot.drafting.draft_catalog import DraftCatalog, DraftKind
from bot.drafting.facts import TEXT_FACTS, DraftContext, DraftFacts, Said, TimelineEntry
from bot.guidance import DeadlineItem, Guidance
from bot.understanding.clauses import find_words
from bot.understanding.lexicon import Lexicon
from bot.understanding.state import CaseState
from bot.understanding.story import from_quote_marks, unquoted, without_quotes
from bot.wording import Wording

SAID_KEY = 6  # words said that open with these many characters of the story's are told there
SAID_GLUE = "\uff1a: \uff0c,\u4e86"  # colons, commas and a particle after a cue
CLAUSE_MARKS = r"[\uff0c\u3002,]"  # the story's commas and full stops


def _said(clause: str, lexicon: Lexicon) -> Said:
    """Split a clause of what the other side said into its cue and the words said (a cue
    repeated inside, as in "he said that he said", is dropped too)."""
    cues = sorted(lexicon.other_side, key=len, reverse=True)
    found, words = "", clause
    while True:
        cue = next((c for c in cues if words.startswith(c)), None)
        if cue is None:
            return Said(cue=found, words=unquoted(words))
        found = found or cue
        words = from_quote_marks(words[len(cue):].lstrip(SAID_GLUE))


def _unique_said(items: list[Said]) -> list[Said]:
    """The first of each thing said (the same words under two cues are told once)."""
    kept: dict[str, Said] = {}
    for said in items:
        kept.setdefault(said.words, said)
    return list(kept.values())


def facts_from_state(state: CaseState, lexicon: Lexicon, story: list[str] | None = None,
                     attachments: Sequence[str] = ()) -> DraftFacts:
    """Every fact of the case state a draft can use; nothing is filled in by guess.
    ``story``: the user's story as prose (:func:`bot.understanding.story.tell`); without
    it, the problems and notes the state kept. What the other side said is quoted in the
    story; only words it does not hold are listed apart."""
    values = {name: None if state.value(name) is None else str(state.value(name))
              for name in TEXT_FACTS}
    told = without_quotes("".join(story or []))
    said = _unique_said([_said(str(clause), lexicon) for clause in state.values("other_side")])
    return DraftFacts(
        **values,
        timeline=[TimelineEntry(day=fact.value, event=event_id)
                  for event_id, fact in state.events.items()],
        story=story or [*state.values("problems"), *(note.value for note in state.notes)],
        problem=_problem(story, lexicon) or next(iter(state.values("problems")), None),
        other_side=[item for item in said if without_quotes(item.words)[:SAID_KEY] not in told],
        evidence=[*state.values("evidence"), *attachments],  # uploaded images by name
        wants=state.values("wants"),
        safety=list(dict.fromkeys((*state.safety_seen, *state.safety))),
    )


def _problem(story: list[str] | None, lexicon: Lexicon) -> str | None:
    """The first clause of the story that names a problem (the short version's)."""
    for sentence in story or []:
        for clause in re.split(CLAUSE_MARKS, sentence):
            if find_words(clause, lexicon.problems):
                return clause
    return None


def _reply_by(result: Guidance, today: dt.date) -> DeadlineItem | None:
    """The next rule-book limit that opens an escalation and has not come yet."""
    ahead = [(item.due, item) for item in result.deadlines
             if item.kind == "opens" and item.due is not None and item.due > today]
    return min(ahead, key=lambda pair: pair[0])[1] if ahead else None


def _next_step(result: Guidance, kind: DraftKind) -> str | None:
    """The first rung after the current one that this kind may name as the next step."""
    for view in result.ladder[result.current_rung_index + 1:]:
        if view.id in kind.next_rungs:
            return view.name
    return None


def named_next_step(result: Guidance, kind_id: str, catalog: DraftCatalog) -> str:
    """The step a request names by its kind ("or else I go to 12315"): the ladder's rung
    that kind belongs to, else the kind's own label."""
    for view in result.ladder:
        if catalog.rung_kinds.get(view.id) == kind_id:
            return view.name
    return catalog.kind(kind_id).label


def _suggested(result: Guidance, kind: DraftKind, catalog: DraftCatalog) -> list[str]:
    """The rule book's evidence for the rung this kind belongs to (first one in the ladder)."""
    for view in result.ladder:
        if catalog.rung_kinds.get(view.id) == kind.id:
            return list(view.evidence)
    return []


def context_for(words: Wording, kind_id: str, result: Guidance, today: dt.date,
                catalog: DraftCatalog) -> DraftContext:
    """The rule context of one kind of draft for a case."""
    kind = catalog.kind(kind_id)
    context = DraftContext(
        rule_reference=str(words.entry("presenter", "draft_rule_reference")),
        next_step=_next_step(result, kind),
        suggested_evidence=_suggested(result, kind, catalog),
    )
    item = _reply_by(result, today) if kind.reply_by else None
    if item is not None and item.due is not None:
        context.reply_by = item.due
        context.deadline_text = catalog.config.reply_by_reason.format(
            counts_from=item.counts_from_label, amount=words.format_amount(item),
            outcome=item.outcome, date=words.format_date_weekday(item.due, False))
    return context
