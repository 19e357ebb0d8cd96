"""The case state as the agent console shows it: each fact, its turn, the limits it dated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot import guidance
from bot.rulebook import RuleBook
from bot.understanding import dialogue
from bot.understanding.lexicon import Lexicon
from bot.understanding.state import CaseState
from bot.wording import Wording


def state_view(words: Wording, state: CaseState, today: dt.date, book: RuleBook,
               lexicon: Lexicon) -> dict[str, Any]:
    """Case, role and one row per fact: label, value, turn and the limits it dated."""
    labels = words.entry("facts")
    facts = dialogue.case_facts(state, today, book, lexicon)
    items = guidance.build_guidance(book, facts).deadlines if facts else ()
    rows: list[dict[str, Any]] = []
    for event_id, fact in state.events.items():
        linked = set(lexicon.events[event_id].rulebook)
        rows.append({"fact": lexicon.event_label(event_id), "value": fact.value.isoformat()
                     + (f" {fact.time.strftime('%H:%M')}" if fact.time else ""),
                     "turn": fact.turn, "words": fact.words,
                     "dates": [item.outcome for item in items
                               if item.counts_from in linked and item.due is not None]})
    for name, fact in state.facts.items():
        rows.append({"fact": labels.get(name, name), "value": str(fact.value),
                     "turn": fact.turn, "words": fact.words, "dates": []})
    for name, kept in state.lists.items():
        for fact in kept:
            rows.append({"fact": labels.get(name, name), "value": str(fact.value),
                         "turn": fact.turn, "words": fact.words, "dates": []})
    if state.order_status is not None:
        rows.append({"fact": labels["order_status"],
                     "value": words.label("order_status", state.order_status.value),
                     "turn": state.order_status.turn, "words": state.order_status.words,
                     "dates": []})
    for note in state.notes:
        rows.append({"fact": labels["notes"], "value": note.value, "turn": note.turn,
                     "words": note.words, "dates": []})
    for held, label in ((state.attachments, "attachment"), (state.pending, "pending_upload")):
        for fact in held:
            rows.append({"fact": labels[label], "value": f"{fact.value} ({fact.name})",
                         "turn": fact.turn, "words": fact.words, "dates": []})
    rows.sort(key=lambda row: row["turn"])
    return {
        "case_type": state.case_type,
        "case": words.label("case_type", state.case_type) if state.case_type else None,
        "role": state.role,
        "opened_turn": state.opened_turn,
        "turns": state.turns,
        "facts": rows,
    }
