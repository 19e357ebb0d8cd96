"""Drafts the user can send as they are, rendered from the facts of their case.

A draft is one *kind* of text (``data/drafts/kinds.yml``: a message or an ultimatum to the
seller, an after-sale reason, a statement or an appeal to the platform, a complaint to 12315 or the
consumer association, a police report, a demand letter …) for one case
(``data/drafts/cases.yml``) in one tone. Every label and format is in
``data/drafts/config.yml``; this module holds no Chinese text.

Only facts the user gave are used (:class:`DraftFacts`). A fact the kind needs and the user
never gave renders as a visible placeholder and is listed in ``Draft.missing``; every other
fact appears only when given. User text is passed to the templates as values, never
compiled as template source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field, validator

from bot.datafiles import data_path
from bot.draft_text import Punctuation, as_clause, as_sentence, clean_text, tidy

ROLES = ("buyer", "seller")
TONES = ("polite", "firm")
TEXT_FACTS = ("order_number", "product_id", "tracking_number", "item", "amount",
              "demand_amount", "shop_name", "seller_location")
LIST_FACTS = ("story", "evidence", "wants")
NEEDABLE = frozenset({*TEXT_FACTS, "story", "demand", "evidence"})
_BARE_AMOUNT = re.compile(r"\d{1,12}(?:\.\d{1,2})?")


class DraftError(ValueError):
    """An unknown kind, case, role or tone, or a kind not written for the case."""


class DraftConfigError(RuntimeError):
    """The files under data/drafts/ are inconsistent; the message names file and entry."""


class TimelineEntry(BaseModel):
    """One dated event of the case (a lexicon event id, data/understanding/lexicon.yml)."""

    day: date
    event: str


class Said(BaseModel):
    """What the other side said: the user's cue (e.g. "the seller said") and the words."""

    cue: str = ""
    words: str


class DraftFacts(BaseModel):
    """What the user told, each field optional; lists keep the user's order."""

    order_number: str | None = None
    product_id: str | None = None
    tracking_number: str | None = None
    item: str | None = None
    amount: str | None = None
    demand_amount: str | None = None
    shop_name: str | None = None
    seller_location: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    story: list[str] = Field(default_factory=list)  # what went wrong, in the user's words
    other_side: list[Said] = Field(default_factory=list)  # what the other side said
    evidence: list[str] = Field(default_factory=list)
    wants: list[str] = Field(default_factory=list)  # lexicon wants (refund, delete the review …)
    safety: list[str] = Field(default_factory=list)  # safety flags the case raised

    @validator("story", "evidence", "wants", "safety", pre=True)
    def _as_list(cls, value: Any) -> Any:
        """Accept None or a single string for a list."""
        if value is None:
            return []
        return [value] if isinstance(value, str) else value


class DraftContext(BaseModel):
    """What the rule book adds: the rule's name, a reply-by date with the limit it comes
    from, the next step, and the evidence to attach when the user listed none."""

    rule_reference: str | None = None
    reply_by: date | None = None
    deadline_text: str | None = None
    next_step: str | None = None
    suggested_evidence: list[str] = Field(default_factory=list)


class Draft(BaseModel):
    """A rendered draft and the facts it still shows as placeholders."""

    text: str
    missing: list[str]
    kind: str
    addressee: str
    case_type: str
    role: str
    tone: str


class _Config(BaseModel):
    """data/drafts/config.yml."""

    date_format: str
    amount_format: str
    placeholder_format: str
    fact_labels: dict[str, str]
    first_person: dict[str, str]
    other_party: dict[str, str]
    event_phrases: dict[str, dict[str, str]]
    timeline_item: str
    timeline_separator: str
    want_phrases: dict[str, str]
    demand_amount_format: str
    compensation_want: str
    list_separator: str
    evidence_item_format: str
    quote_format: str
    said_format: str
    suggested_evidence_format: str
    police_reasons: dict[str, str]
    reply_by_reason: str
    sentence_end: str
    sentence_closers: str
    full_stop: str
    soft_trailing: str

    @property
    def marks(self) -> Punctuation:
        return Punctuation(self.sentence_end, self.sentence_closers, self.full_stop,
                           self.soft_trailing)


class DraftKind(BaseModel):
    """One kind of draft (data/drafts/kinds.yml)."""

    id: str = ""
    label: str
    addressee: str
    roles: list[str]
    cases: list[str] | None = None
    except_cases: list[str] = Field(default_factory=list)
    or_event: str | None = None
    tones: list[str]
    cues: list[str]
    needs: list[str]
    reply_by: bool
    next_rungs: list[str]

    def written_for(self, case_type: str, role: str, events: set[str] | frozenset[str] = frozenset()
                    ) -> bool:
        """Whether this kind is written for a case (and the events the user dated)."""
        if role not in self.roles or case_type in self.except_cases:
            return False
        if self.cases is None:
            return True
        return case_type in self.cases or (self.or_event is not None and self.or_event in events)


class _KindsFile(BaseModel):
    kinds: dict[str, DraftKind]
    rung_kinds: dict[str, str]
    tone_cues: list[dict[str, Any]]
    request_verbs: list[str]
    draft_nouns: list[str]


class CaseText(BaseModel):
    """What a draft says about one case (data/drafts/cases.yml)."""

    title: str
    reason: str
    issue: str
    obligation: str
    default_kind: str
    rung_kinds: dict[str, str] = Field(default_factory=dict)


class _CasesFile(BaseModel):
    cases: dict[str, CaseText]


@dataclass(frozen=True)
class DraftCatalog:
    """Everything loaded from one drafts directory, validated."""

    config: _Config
    kinds: dict[str, DraftKind]
    rung_kinds: dict[str, str]
    tone_cues: tuple[tuple[str, tuple[str, ...]], ...]
    request_verbs: tuple[str, ...]
    draft_nouns: tuple[str, ...]
    cases: dict[str, CaseText]
    env: Environment

    def case(self, case_type: str, role: str) -> CaseText:
        """The case text, or a DraftError naming what is known."""
        key = f"{case_type}.{role}"
        if key not in self.cases:
            raise DraftError(f"no drafts for {key}; known: {', '.join(self.cases)}")
        return self.cases[key]

    def kind(self, kind_id: str) -> DraftKind:
        """A kind by id, or a DraftError naming the known ones."""
        if kind_id not in self.kinds:
            raise DraftError(f"unknown draft kind {kind_id!r}; known: {', '.join(self.kinds)}")
        return self.kinds[kind_id]

    def kinds_for(self, case_type: str, role: str, events: set[str] | frozenset[str] = frozenset()
                  ) -> list[DraftKind]:
        """The kinds written for a case, in file order."""
        return [kind for kind in self.kinds.values() if kind.written_for(case_type, role, events)]


def default_drafts_dir() -> Path:
    """<repo>/data/drafts."""
    return data_path("drafts")


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise DraftConfigError(f"{path.name}: cannot be read: {error}") from None


def _parse(model: type[BaseModel], path: Path) -> Any:
    try:
        return model.parse_obj(_read_yaml(path))
    except ValueError as error:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                           for e in getattr(error, "errors", lambda: [])()) or str(error)
        raise DraftConfigError(f"{path.name}: {detail}") from None


@lru_cache(maxsize=4)
def _load(drafts_dir: str) -> DraftCatalog:
    root = Path(drafts_dir)
    config = _parse(_Config, root / "config.yml")
    kinds_file = _parse(_KindsFile, root / "kinds.yml")
    cases_file = _parse(_CasesFile, root / "cases.yml")
    kinds = {kind_id: kind.copy(update={"id": kind_id})
             for kind_id, kind in kinds_file.kinds.items()}
    tone_cues = tuple((str(group.get("tone")), tuple(str(w) for w in group.get("words") or ()))
                      for group in kinds_file.tone_cues)
    catalog = DraftCatalog(config=config, kinds=kinds, rung_kinds=kinds_file.rung_kinds,
                           tone_cues=tone_cues,
                           request_verbs=tuple(kinds_file.request_verbs),
                           draft_nouns=tuple(kinds_file.draft_nouns),
                           cases=cases_file.cases, env=_make_env(root, config))
    _validate(root, catalog)
    return catalog


def _validate(root: Path, catalog: DraftCatalog) -> None:
    problems: list[str] = []
    for kind in catalog.kinds.values():
        where = f"kinds.yml kinds.{kind.id}"
        if not (root / "kinds" / f"{kind.id}.j2").is_file():
            problems.append(f"{where}: missing template kinds/{kind.id}.j2")
        problems += [f"{where}: unknown role {r!r}" for r in kind.roles if r not in ROLES]
        problems += [f"{where}: unknown tone {t!r}" for t in kind.tones if t not in TONES]
        problems += [f"{where}: unknown need {n!r}" for n in kind.needs if n not in NEEDABLE]
        if not kind.tones or not kind.cues:
            problems.append(f"{where}: needs at least one tone and one cue")
    for rung, kind_id in catalog.rung_kinds.items():
        if kind_id not in catalog.kinds:
            problems.append(f"kinds.yml rung_kinds.{rung}: unknown kind {kind_id!r}")
    for tone, words in catalog.tone_cues:
        if tone not in TONES or not words:
            problems.append(f"kinds.yml tone_cues: {tone!r} needs a known tone and words")
    for key, case in catalog.cases.items():
        case_type, _, role = key.partition(".")
        where = f"cases.yml cases.{key}"
        if role not in ROLES:
            problems.append(f"{where}: key must be <case_type>.<buyer|seller>")
            continue
        for kind_id in [case.default_kind, *case.rung_kinds.values()]:
            kind = catalog.kinds.get(kind_id)
            if kind is None:
                problems.append(f"{where}: unknown kind {kind_id!r}")
            elif not kind.written_for(case_type, role, {kind.or_event} - {None}):
                problems.append(f"{where}: kind {kind_id!r} is not written for this case")
    config = catalog.config
    for name in NEEDABLE:
        if name not in config.fact_labels:
            problems.append(f"config.yml fact_labels: no label for {name!r}")
    for role in ROLES:
        for table in ("first_person", "other_party", "event_phrases"):
            if role not in getattr(config, table):
                problems.append(f"config.yml {table}: no entry for {role!r}")
    if problems:
        raise DraftConfigError("; ".join(problems))


def _make_env(root: Path, config: _Config) -> Environment:
    """A plain-text Jinja2 environment: StrictUndefined, no autoescape, no None output."""
    env = Environment(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        finalize=_refuse_none,
    )
    env.filters["sentence"] = lambda text: as_sentence(str(text), config.marks)
    env.filters["clause"] = lambda text: as_clause(str(text), config.marks)
    return env


def _refuse_none(value: Any) -> Any:
    """Template guard: a None must be handled by an ``if``, never printed."""
    if value is None:
        raise DraftConfigError("a template printed None; guard the value with an if")
    return value


def load_drafts(drafts_dir: Path | None = None) -> DraftCatalog:
    """The validated drafts catalog (default <repo>/data/drafts; cached per directory)."""
    return _load(str((drafts_dir or default_drafts_dir()).resolve()))


def check_lexicon_events(catalog: DraftCatalog, event_ids: set[str]) -> list[str]:
    """Lexicon events without a timeline phrase for a role (each named)."""
    return [f"config.yml event_phrases.{role}: no phrase for {event!r}"
            for role in ROLES for event in sorted(event_ids)
            if event not in catalog.config.event_phrases.get(role, {})]


def format_date(value: date, catalog: DraftCatalog | None = None) -> str:
    """A date in the draft format (year, month and day)."""
    config = (catalog or load_drafts()).config
    return config.date_format.format(year=value.year, month=value.month, day=value.day)


def placeholder(name: str, catalog: DraftCatalog | None = None) -> str:
    """The visible placeholder of a fact the kind needs."""
    config = (catalog or load_drafts()).config
    return config.placeholder_format.format(label=config.fact_labels[name])


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
        if name == "demand":
            return bool(self.lists["wants"]) or "demand_amount" in self.values
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
        return [self.config.timeline_item.format(date=self._date(entry.day),
                                                 what=phrases.get(entry.event, entry.event))
                for entry in sorted(self.timeline, key=lambda e: e.day)]

    def timeline_inline(self) -> str:
        return self.config.timeline_separator.join(self._timeline_items())

    def timeline_lines(self) -> str:
        return "\n".join(as_sentence(item, self.config.marks) for item in self._timeline_items())

    def story(self) -> str:
        """What went wrong, in the user's words, one sentence each (or its placeholder)."""
        if not self.lists["story"]:
            return self._placeholder("story")
        return "".join(as_sentence(part, self.config.marks) for part in self.lists["story"])

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


def _clean(facts: DraftFacts, config: _Config
           ) -> tuple[dict[str, str], dict[str, list[str]], list[Said]]:
    """Cleaned, non-empty fact strings and lists."""
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
    # a clause that tells what the other side said is told once, as their words
    lists["story"] = [s for s in lists["story"]
                      if not any(item.words in s or s in item.cue + item.words for item in said)]
    return values, lists, said


def render_draft(kind_id: str, case_type: str, role: str, tone: str, facts: DraftFacts,
                 context: DraftContext | None = None, *,
                 catalog: DraftCatalog | None = None) -> Draft:
    """Render one kind of draft for a case from the user's facts.

    Raises DraftError for an unknown kind, case, role or tone, or a kind not written for
    the case.
    """
    catalog = catalog or load_drafts()
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
    values, lists, said = _clean(facts, config)
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
        "other_side": view.other_side, "demand": view.demand,
        "evidence_inline": view.evidence_inline, "evidence_lines": view.evidence_lines,
        "suggested_evidence": view.suggested_evidence,
    }
    ctx = {
        "rule_reference": clean_text(context.rule_reference or "") or None,
        "reply_by": None if context.reply_by is None else view._date(context.reply_by),
        "deadline_text": clean_text(context.deadline_text or "") or None,
        "next_step": clean_text(context.next_step or "") or None,
    }
    if not kind.reply_by or tone != "firm":
        ctx["reply_by"] = ctx["deadline_text"] = None
    if not ctx["rule_reference"]:
        ctx["rule_reference"] = case.title
    template = catalog.env.get_template(f"kinds/{kind_id}.j2")
    raw = template.render(case=case, role=role, tone=tone, me=config.first_person[role],
                          other=config.other_party[role], police_reason=police_reason,
                          ctx=ctx, **helpers)
    return Draft(text=tidy(raw), missing=view.missing, kind=kind_id, addressee=kind.addressee,
                 case_type=case_type, role=role, tone=tone)
