"""Rendering a draft: the user's facts, cleaned and sentence-ended, through the kind's
template for the case, role and tone. User text is passed as values, never compiled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.drafting.draft_catalog import DraftCatalog, _Config
from bot.drafting.facts import (
    _BARE_AMOUNT,
    LIST_FACTS,
    TEXT_FACTS,
    Draft,
    DraftConfigError,
    DraftContext,
    DraftError,
    DraftFacts,
    Said,
    TimelineEntry,
)
from bot.drafting.text import as_clause, as_sentence, clean_text, tidy


@dataclass
class _FactView:
    """Per-render access to the cleaned facts; records which needed facts were missing."""

    config: _Config
    values: dict[str, str]
    lists: dict[str, list[str]]
    timeline: list[TimelineEntry]
    role: str
    needs: frozenset[str]
    suggested: list[str]
    said: list[Said]
    missing: list[str] = field(default_factory=list)

    def _placeholder(self, name: str) -> str:
        if name not in self.missing:
            self.missing.append(name)
        return self.config.placeholder_format.format(label=self.config.fact_labels[name])

    def has(self, name: str) -> bool:
        """Whether the user gave this fact."""
        if name == "timeline":
            return bool(self.timeline)
        if name == "demand":  # what the user wants (a sum demanded of them is no demand)
            return bool(self.lists["wants"])
        if name == "other_side":
            return bool(self.said)
        if name in self.lists:
            return bool(self.lists[name])
        return name in self.values

    def has_event(self, event: str) -> bool:
        return any(entry.event == event for entry in self.timeline)

    def event_date(self, event: str) -> str:
        """The date of a dated event (the template checks ``has_event`` first)."""
        for entry in self.timeline:
            if entry.event == event:
                return self._date(entry.day)
        raise DraftConfigError(f"template printed the date of {event!r} without has_event")

    def fact(self, name: str) -> str:
        """A fact's text, or its placeholder when the kind needs it."""
        if name not in TEXT_FACTS:
            raise DraftConfigError(f"template asked for unknown fact {name!r}")
        if name in self.values:
            return self.values[name]
        if name not in self.needs:
            raise DraftConfigError(f"template printed {name!r} unguarded; the kind does not "
                                   "need it, so guard it with has()")
        return self._placeholder(name)

    def _date(self, day: date) -> str:
        return self.config.date_format.format(year=day.year, month=day.month, day=day.day)

    def _timeline_items(self) -> list[str]:
        phrases = self.config.event_phrases[self.role]
        told = "".join(self.lists["story"])  # a date the story tells is not told twice
        return [self.config.timeline_item.format(date=self._date(entry.day),
                                                 what=phrases.get(entry.event, entry.event))
                for entry in sorted(self.timeline, key=lambda e: e.day)
                if self._date(entry.day) not in told]

    def timeline_inline(self) -> str:
        return self.config.timeline_separator.join(self._timeline_items())

    def timeline_lines(self) -> str:
        return "\n".join(as_sentence(item, self.config.marks) for item in self._timeline_items())

    def story(self) -> str:
        """What went wrong, in the user's words, one sentence each (or its placeholder)."""
        if not self.lists["story"]:
            return self._placeholder("story")
        return "".join(as_sentence(part, self.config.marks) for part in self.lists["story"])

    def story_numbered(self) -> str:
        """The story, one numbered fact per line (or its placeholder)."""
        if not self.lists["story"]:
            return self._placeholder("story")
        return "\n".join(self.config.evidence_item_format.format(
            index=i, item=as_sentence(part, self.config.marks))
            for i, part in enumerate(self.lists["story"], start=1))

    def other_side(self) -> str:
        """What the other side said, quoted, one sentence each."""
        marks, parts = self.config.marks, []
        for said in self.said:
            words = as_clause(said.words, marks)
            if said.cue:
                parts.append(self.config.said_format.format(cue=said.cue, words=words))
            else:
                parts.append(self.config.quote_format.format(text=words))
        return "".join(as_sentence(part, marks) for part in parts)

    def demand(self) -> str:
        """What the user asks for, as a request (or its placeholder)."""
        wants = [self.config.want_phrases.get(want, want) for want in self.lists["wants"]]
        text = self.config.list_separator.join(wants)
        amount = self.values.get("demand_amount")
        if amount and self.config.compensation_want in self.lists["wants"]:
            text += self.config.demand_amount_format.format(amount=amount)
        return text or self._placeholder("demand")

    def evidence_inline(self) -> str:
        if not self.lists["evidence"]:
            return self._placeholder("evidence")
        return self.config.list_separator.join(self.lists["evidence"])

    def evidence_lines(self) -> str:
        if not self.lists["evidence"]:
            return self._placeholder("evidence")
        return "\n".join(self.config.evidence_item_format.format(index=i, item=item)
                         for i, item in enumerate(self.lists["evidence"], start=1))

    def suggested_evidence(self) -> str:
        """What to attach, from the rule book, when the user listed no evidence."""
        if not self.suggested:
            return self._placeholder("evidence")
        return self.config.suggested_evidence_format.format(
            items=self.config.list_separator.join(self.suggested))


def _clean(facts: DraftFacts, config: _Config, role: str | None = None
           ) -> tuple[dict[str, str], dict[str, list[str]], list[Said]]:
    """Cleaned, non-empty fact strings and lists; the wants the role may ask for
    (``own_wants``)."""
    values: dict[str, str] = {}
    for name in TEXT_FACTS:
        raw = getattr(facts, name)
        text = clean_text(str(raw)) if raw is not None else ""
        if not text:
            continue
        if name in ("amount", "demand_amount") and _BARE_AMOUNT.fullmatch(text):
            text = config.amount_format.format(amount=text)
        values[name] = text
    lists: dict[str, list[str]] = {}
    for name in LIST_FACTS:
        items = [clean_text(str(item)) for item in getattr(facts, name)]
        lists[name] = list(dict.fromkeys(item for item in items if item))
    said = [Said(cue=clean_text(item.cue), words=clean_text(item.words))
            for item in facts.other_side if clean_text(item.words)]
    if role in config.own_wants:
        lists["wants"] = [want for want in lists["wants"] if want in config.own_wants[role]]
    # a clause that tells what the other side said is told once, as their words
    lists["story"] = [s for s in lists["story"]
                      if not any(item.words in s or s in item.cue + item.words for item in said)]
    return values, lists, said


def render_draft(catalog: DraftCatalog, kind_id: str, case_type: str, role: str, tone: str,
                 facts: DraftFacts, context: DraftContext | None = None) -> Draft:
    """Render one kind of draft for a case from the user's facts.

    Raises DraftError for an unknown kind, case, role or tone, or a kind not written for
    the case.
    """
    config = catalog.config
    kind = catalog.kind(kind_id)
    case = catalog.case(case_type, role)
    events = {entry.event for entry in facts.timeline}
    if not kind.written_for(case_type, role, events):
        offered = ", ".join(k.id for k in catalog.kinds_for(case_type, role, events))
        raise DraftError(f"kind {kind_id!r} is not written for {case_type}.{role}; "
                         f"offered: {offered}")
    if tone not in kind.tones:
        raise DraftError(f"kind {kind_id!r} has no tone {tone!r}; tones: {', '.join(kind.tones)}")
    context = context or DraftContext()
    values, lists, said = _clean(facts, config, role)
    view = _FactView(config=config, values=values, lists=lists, timeline=list(facts.timeline),
                     role=role, needs=frozenset(kind.needs),
                     suggested=[clean_text(item) for item in context.suggested_evidence],
                     said=said)
    police_reason = next((config.police_reasons[flag] for flag in facts.safety
                          if flag in config.police_reasons), case.reason)
    helpers: dict[str, Callable[..., Any]] = {
        "has": view.has, "fact": view.fact, "has_event": view.has_event,
        "event_date": view.event_date, "timeline": view.timeline_inline,
        "timeline_lines": view.timeline_lines, "story": view.story,
        "story_numbered": view.story_numbered,
        "other_side": view.other_side, "demand": view.demand,
        "evidence_inline": view.evidence_inline, "evidence_lines": view.evidence_lines,
        "suggested_evidence": view.suggested_evidence,
    }
    ctx = {
        "rule_reference": clean_text(context.rule_reference or "") or None,
        "reply_by": None if context.reply_by is None else view._date(context.reply_by),
        "deadline_text": clean_text(context.deadline_text or "") or None,
        "next_step": clean_text(context.next_step or "") or None,
        "next_step_asked": context.next_step_asked,
    }
    if (not kind.reply_by or tone != "firm") and not context.reply_by_asked:
        ctx["reply_by"] = ctx["deadline_text"] = None  # the rule's date: firm texts only
    if not ctx["rule_reference"]:
        ctx["rule_reference"] = case.title
    template = catalog.env.get_template(f"kinds/{kind_id}.j2")
    raw = template.render(case=case, role=role, tone=tone, me=config.first_person[role],
                          other=config.other_party[role], police_reason=police_reason,
                          ctx=ctx, wording=context.wording, **helpers)
    return Draft(text=tidy(raw), missing=view.missing, kind=kind_id, addressee=kind.addressee,
                 case_type=case_type, role=role, tone=tone)


def render_short(catalog: DraftCatalog, kind_id: str, case_type: str, role: str,
                 facts: DraftFacts, context: DraftContext | None = None) -> Draft:
    """The short version of a draft: one chat bubble (``short_limit`` characters) with the
    order number, the problem, the one demand and the reply-by date. What does not fit
    goes, least needed first: the item, then the problem (cut at a comma first)."""
    config = catalog.config
    kind = catalog.kind(kind_id)
    catalog.case(case_type, role)  # a DraftError for an unknown case
    context = context or DraftContext()
    values, lists, said = _clean(facts, config, role)
    view = _FactView(config=config, values=values, lists=lists, timeline=list(facts.timeline),
                     role=role, needs=frozenset(), suggested=[], said=said)
    order = config.short_order.format(order_number=values["order_number"]) \
        if "order_number" in values else ""
    item = config.short_item.format(item=values["item"]) if "item" in values and order else ""
    demand = (config.short_request_to.get(kind.addressee)
              or (config.short_demand.format(demand=view.demand()) if view.has("demand")
                  else config.short_no_demand))
    deadline = ("" if context.reply_by is None
                or not (kind.reply_by or context.reply_by_asked)
                else config.short_deadline.format(date=view._date(context.reply_by)))
    problem = clean_text(facts.problem or next(iter(lists["story"]), ""))
    problem = as_clause(problem, config.marks)

    def text(item: str, problem: str) -> str:
        said = config.short_problem.format(problem=problem) if problem else \
            (config.short_end if order else "")
        if not order:
            said = said.lstrip(config.soft_trailing)
        return config.short_opening + order + item + said + demand + deadline + config.short_end

    limit = config.short_limit
    written = text(item, problem)
    if len(written) > limit:
        written = text("", problem)
    while len(written) > limit and problem:
        cut = max(problem.rfind(mark) for mark in config.short_cut_at)
        problem = problem[:cut] if cut > 0 else ""
        written = text("", problem)
    return Draft(text=written[:limit], missing=[], kind=kind_id, addressee=kind.addressee,
                 case_type=case_type, role=role, tone=kind.tones[0])
