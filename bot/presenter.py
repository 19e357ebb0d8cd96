"""Guidance structures -> the template variables of the domain responses.

The actions call these and pass the result to ``dispatcher.utter_message(response=...)``.
Every word comes from the rule book or ``data/locale/zh.yml``; the response texts
themselves live in ``domain.yml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.citing import rests_on_practice
from bot.guidance import DeadlineItem, Guidance, RungView
from bot.rulebook import CaseEntry, RuleBook
from bot.statutes import StatuteAnswer
from bot.wording import Wording


def _piece(words: Wording, key: str, **values: Any) -> str:
    return words.piece("presenter", key, **values)


def _path_line(words: Wording, path: tuple[str, ...] | list[str]) -> str:
    return _piece(words, "path_line", path=words.format_menu_path(path)) if path else ""


def _bullets(words: Wording, items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(_piece(words, "bullet", item=item) for item in items)


def short_caveat(words: Wording) -> str:
    """One line: rules change, not legal advice."""
    return str(words.entry("presenter", "caveat_short"))


def case_intro(words: Wording, book: RuleBook, entry: CaseEntry,
               now: RungView | None = None) -> dict[str, Any]:
    """Variables of ``utter_case_intro``: what this case is, the first step (or ``now``, the
    rung the story already reached, when it is past the first), its sources."""
    sources = words.source_tag(book.cite(entry.sources))
    if now is not None and now.index > 0:
        return {"summary": entry.summary, "step_label": _piece(words, "step_now", name=now.name),
                "first_step": now.action, "path_line": _path_line(words, now.menu_path),
                "sources_line": words.source_tag(now.citations), "caveat": short_caveat(words)}
    return {
        "summary": entry.summary,
        "step_label": _piece(words, "step_first"),
        "first_step": entry.first_steps[0] if entry.first_steps else "",
        "path_line": _path_line(words, entry.menu_path),
        "sources_line": sources,
        "caveat": short_caveat(words),
    }


def statute(words: Wording, answer: StatuteAnswer, today: dt.date, caveat_due: bool
            ) -> dict[str, Any]:
    """Variables of ``utter_statute_answer``: each line with its article, the date the
    conversation's own dates give, the hedge, and the caveat (or the 2022 note) once."""
    lines = [_piece(words, "bullet", item=line.text + words.source_tag(line.citations))
             for line in answer.lines]
    dated = ""
    if answer.dated is not None:
        start = answer.dated.start
        assert start is not None  # an answer is dated only from a known start (statutes._dated)
        dated = _piece(words, "statute_dated", event=answer.dated.counts_from_label,
                       date=words.format_date(start, start.year != today.year),
                       line=words.format_deadline(answer.dated, today, with_note=False))
    if caveat_due:
        practice = rests_on_practice([c for line in answer.lines for c in line.citations])
        caveat = words.caveat() if practice else str(words.entry("caveat_law"))
    else:
        caveat = statute_hedge(words, answer)
    rule = answer.topic.price_rule
    if rule is not None and answer.price is not None:
        owed = rule.amount_for(answer.price)
        dated += _piece(words, "statute_price", price=words.format_number(answer.price),
                        times=rule.times, owed=words.format_number(owed),
                        floor=_piece(words, "statute_price_floor", at_least=rule.at_least)
                        if owed == rule.at_least else "",
                        source=words.source_tag(rule.citations))
    if not lines:
        dated = dated.lstrip("\n")
    return {"title": answer.topic.title, "lines": "\n".join(lines), "dated": dated,
            "hedge": answer.hedge, "caveat": caveat}


def statute_hedge(words: Wording, answer: StatuteAnswer) -> str:
    """What a statute answer says instead of the caveat once the caveat was given: the
    2022 note when a line rests on a 2022 article, else nothing."""
    practice = rests_on_practice([c for line in answer.lines for c in line.citations])
    return words.practice_hedge() if practice else ""


def deadlines(words: Wording, guidance: Guidance, dated_first: bool = False
              ) -> tuple[str, dict[str, Any]] | None:
    """The response name and variables for the case's time limits (None: it has none).

    Dated when the key date is known; every line carries its source; the caveat that
    rules change and this is not legal advice always goes with it. With ``dated_first``
    (a date just came in), the dated limits are listed and the others summed up in one line.
    """
    if not guidance.deadlines:
        return None
    today = None if guidance.key_date is None else guidance.key_date
    shown = list(guidance.deadlines)
    undated = [item for item in shown if item.due is None]
    if dated_first and guidance.key_date is not None and undated and len(undated) < len(shown):
        shown = [item for item in shown if item.due is not None]
    bullets = [_piece(words, "bullet", item=words.format_deadline(item, today))
               for item in shown]
    if len(shown) < len(guidance.deadlines):
        events = list(dict.fromkeys(item.counts_from_label for item in undated))
        bullets.append(_piece(words, "deadlines_more", count=len(undated),
                              events=words.join_list(events[:3])))
    return _dated_block(words, guidance, bullets)


def _dated_block(words: Wording, guidance: Guidance, bullets: list[str]
                 ) -> tuple[str, dict[str, Any]]:
    values = {"lines": "\n".join(bullets), "caveat": words.caveat()}
    if guidance.key_date is not None and guidance.key_event_label:
        values.update(event=guidance.key_event_label, date=words.format_date(guidance.key_date))
        return "utter_deadlines_dated", values
    if guidance.key_event_label:
        values.update(event=guidance.key_event_label)
        return "utter_deadlines_undated", values
    return "utter_deadlines_general", values


def knowledge_limits(words: Wording, items: Sequence[DeadlineItem], today: dt.date) -> str:
    """The lines under a knowledge answer about time limits: the limits as calendar dates
    where the conversation gave their start, else which dates would date them ("" when
    there are none)."""
    dated = [item for item in items if item.due is not None]
    if dated:
        return _piece(words, "knowledge_dated", lines="\n".join(
            _piece(words, "bullet", item=words.format_deadline(item, today, with_note=False))
            for item in dated))
    if items:
        events = list(dict.fromkeys(item.counts_from_label for item in items))
        return _piece(words, "knowledge_undated", events=words.join_list(events))
    return ""


def deadlines_again(words: Wording, guidance: Guidance) -> tuple[str, dict[str, Any]] | None:
    """The same time limits asked for again: their first line and how many there are,
    instead of the whole block a second time (None: the case has none)."""
    if not guidance.deadlines:
        return None
    first = words.format_deadline(guidance.deadlines[0], guidance.key_date)
    return "utter_deadlines_again", {"line": _bullets(words, [first]),
                                     "total": str(len(guidance.deadlines))}


def rung(words: Wording, guidance: Guidance, index: int) -> tuple[str, dict[str, Any]]:
    """The response name and variables for the ladder rung at ``index`` (clamped)."""
    index = max(0, min(index, len(guidance.ladder) - 1))
    view = guidance.ladder[index]
    details = view.action + _path_line(words, view.menu_path)
    if view.prerequisites:
        details += _piece(words, "prerequisite_line", items=words.join_list(view.prerequisites))
    if view.case_note:
        details += _piece(words, "note_line", note=view.case_note)
    details += words.source_tag(view.citations)
    values: dict[str, Any] = {
        "number": index + 1,
        "total": len(guidance.ladder),
        "name": view.name,
        "details": details,
        "caveat": short_caveat(words),
    }
    following = guidance.rung(index + 1)
    if following is None:
        return "utter_rung_last", values
    values["next_name"] = following.name
    return "utter_rung", values


def rung_again(guidance: Guidance, index: int) -> tuple[str, dict[str, Any]]:
    """The rung at ``index`` named again in one line (it was shown in full before)."""
    index = max(0, min(index, len(guidance.ladder) - 1))
    values: dict[str, Any] = {"number": index + 1, "total": len(guidance.ladder),
                              "name": guidance.ladder[index].name}
    following = guidance.rung(index + 1)
    if following is None:
        return "utter_rung_last_again", values
    values["next_name"] = following.name
    return "utter_rung_again", values


def _held(item: str, have: Sequence[str], synonyms: Sequence[Sequence[str]]) -> bool:
    """Whether a checklist item is evidence the user said they have (or a synonym of it)."""
    words = set(have)
    for group in synonyms:
        if words & set(group):
            words |= set(group)
    return any(word and word in item for word in words)


def evidence(words: Wording, guidance: Guidance, index: int, have: Sequence[str] = (),
             synonyms: Sequence[Sequence[str]] = ()) -> dict[str, Any]:
    """Variables of ``utter_evidence``: the case's checklist for the rung at ``index``,
    each item the user already has marked, and what they said they have."""
    index = max(0, min(index, len(guidance.ladder) - 1))
    view = guidance.ladder[index]
    have_line = _piece(words, "have_line", items=words.join_list(have)) if have else ""
    lines = [_piece(words, "have_bullet" if _held(item, have, synonyms) else "bullet", item=item)
             for item in view.evidence]
    return {"name": view.name, "items": "\n".join(lines), "have_line": have_line}


def progress(words: Wording, guidance: Guidance | None) -> dict[str, Any]:
    """Variables of ``utter_progress``: where to see the status (general without a case)."""
    paths = guidance.progress_paths if guidance is not None else ()
    if not paths:
        paths = (tuple(words.entry("presenter", "general_progress")),)
    return {"paths": _bullets(words, [words.format_menu_path(path) for path in paths])}
