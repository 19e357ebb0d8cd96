"""The case file: the whole case as one document.

Parties, the order, a timeline of every dated event, the story in the user's words, what
the other side said, the evidence held and the rule book's checklist, the demand, the next
step and the dated limits, and the drafts written so far. The layout and every label are in
``data/drafts/case_file.j2``; the rows come in already worded (the turn builds them from the
guidance), so this module holds no Chinese text. The same text is the chat reply and the
PDF (:mod:`bot.drafting.case_pdf`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.drafting.draft_catalog import DraftCatalog
from bot.drafting.facts import DraftFacts
from bot.drafting.render import _clean, _FactView
from bot.drafting.text import tidy

CASE_FILE_MARK = "case_file"  # the custom mark of the chat message that is a case file


@dataclass(frozen=True)
class CaseFileParts:
    """What the rule book and the conversation add to the user's facts, already worded."""

    case_label: str
    today: str
    my_side: str
    other_side: str
    evidence_checklist: str
    next_step: str
    deadline_rows: tuple[str, ...]
    drafts_written: str
    footer: str


def render_case_file(catalog: DraftCatalog, role: str, facts: DraftFacts,
                     parts: CaseFileParts) -> str:
    """The case file as plain text, one line per row."""
    config = catalog.config
    values, lists, said = _clean(facts, config, role)
    view = _FactView(config=config, values=values, lists=lists, timeline=list(facts.timeline),
                     role=role, needs=frozenset(), suggested=[], said=said)
    rows = [config.timeline_item.format(date=view._date(entry.day),
                                        what=config.event_phrases[role].get(entry.event,
                                                                            entry.event))
            for entry in sorted(facts.timeline, key=lambda e: e.day)]
    template = catalog.env.get_template("case_file.j2")
    text = template.render(
        has=view.has, fact=view.fact, demand=view.demand, evidence_inline=view.evidence_inline,
        other_side_words=view.other_side, timeline_rows=rows,
        story_lines="\n".join(lists["story"]), **parts.__dict__)
    return tidy(text)
