"""Complaint and appeal drafts rendered from the Jinja2 templates in ``data/drafts/``.

A draft is text the user can paste: a Wangwang chat message to the seller, a complaint or
appeal to platform customer service, or an outside complaint to 12315 or the consumer
association. Which drafts exist for a (case_type, role) is the data-driven table
``data/drafts/cases.yml``; every label, placeholder and format is in
``data/drafts/config.yml``. This module holds no Chinese text.

Only facts the user confirmed are used (``DraftFacts``). A missing fact renders as a visible
placeholder and is listed in ``Draft.missing`` so the assistant can ask for it and redraft.
User text is always passed to the templates as values, never compiled as template source.
A draft longer than one WeChat message is split at sentence boundaries into labeled parts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field, validator

FACT_NAMES = ("order_number", "item", "amount", "event_dates", "what_happened", "demand",
              "shop_name", "evidence", "tracking_number", "contact")
_MULTILINE_FACTS = frozenset({"what_happened", "demand"})
_DATES_PREFIX = "event_dates."
_KEEP_FORMAT_CHARS = frozenset({"\u200d"})  # zero-width joiner: part of emoji sequences
_LINE_SEPARATORS = frozenset({"\u2028", "\u2029"})
_BARE_AMOUNT = re.compile(r"\d+(?:\.\d+)?")


class DraftError(ValueError):
    """An unknown or unsupported case type, role, addressee, tone or event key."""


class DraftConfigError(RuntimeError):
    """The files under data/drafts/ are inconsistent."""


class DraftFacts(BaseModel):
    """Facts the user confirmed; every field is optional.

    ``event_dates`` maps event ids (``payment``, ``refund_requested`` …, see
    ``event_labels`` in config.yml) to dates. ``tracking_number`` and ``contact`` (the
    user's name and contact details, needed by 12315 and courier texts) extend the
    core facts.
    """

    order_number: str | None = None
    item: str | None = None
    amount: str | None = None
    event_dates: dict[str, date] = Field(default_factory=dict)
    what_happened: str | None = None
    demand: str | None = None
    shop_name: str | None = None
    evidence: list[str] = Field(default_factory=list)
    tracking_number: str | None = None
    contact: str | None = None

    @validator("event_dates", pre=True)
    def _none_dates(cls, value: Any) -> Any:
        """Accept None for "no dates"."""
        return {} if value is None else value

    @validator("evidence", pre=True)
    def _none_evidence(cls, value: Any) -> Any:
        """Accept None or a single string for the evidence list."""
        if value is None:
            return []
        return [value] if isinstance(value, str) else value


class DraftContext(BaseModel):
    """Rule context from the rule book, used by the firm tone when present.

    ``rule_reference`` is a noun phrase naming the rule, ``deadline_text`` a full sentence
    about the time limit, ``next_step`` a verb phrase (what the user does if unanswered),
    ``reply_by`` the date the addressee should answer by.
    """

    rule_reference: str | None = None
    deadline_text: str | None = None
    next_step: str | None = None
    reply_by: date | None = None


class Draft(BaseModel):
    """A rendered draft: the full text, the parts to send, and the facts still missing."""

    text: str
    parts: list[str]
    missing: list[str]
    case_type: str
    role: str
    addressee: str
    tone: str


class _Config(BaseModel):
    """data/drafts/config.yml."""

    tones: list[str]
    addressees: list[str]
    max_chars: int
    part_label: str
    part_separator: str
    date_format: str
    amount_format: str
    placeholder_format: str
    fact_labels: dict[str, str]
    event_labels: dict[str, str]
    labeled_date_format: str
    labeled_date_separator: str
    list_separator: str
    evidence_item_format: str
    sentence_end: str
    sentence_closers: str
    soft_breaks: str
    full_stop: str
    soft_trailing: str


class _CaseEntry(BaseModel):
    """One (case_type, role) row of data/drafts/cases.yml."""

    default: str
    addressees: dict[str, str]
    dates: list[str] = Field(default_factory=list)
    facts: list[str] | None = None


class _CaseTable(BaseModel):
    """data/drafts/cases.yml."""

    default_facts: list[str]
    cases: dict[str, dict[str, _CaseEntry]]


@dataclass(frozen=True)
class _Drafts:
    """Everything loaded from one drafts directory."""

    config: _Config
    table: _CaseTable
    env: Environment


def default_drafts_dir() -> Path:
    """<repo>/data/drafts."""
    return Path(__file__).resolve().parent.parent / "data" / "drafts"


def _read_yaml(path: Path) -> Any:
    """Parse one YAML file."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=4)
def _load(drafts_dir: str) -> _Drafts:
    """Load and validate config, case table and template environment (once per dir)."""
    root = Path(drafts_dir)
    config = _Config.parse_obj(_read_yaml(root / "config.yml"))
    table = _CaseTable.parse_obj(_read_yaml(root / "cases.yml"))
    _validate(root, config, table)
    return _Drafts(config=config, table=table, env=_make_env(root, config))


def _validate(root: Path, config: _Config, table: _CaseTable) -> None:
    """Check the case table against config.yml and the template files."""
    problems: list[str] = []
    known_facts = set(FACT_NAMES) - {"event_dates"}
    for name in sorted(known_facts - set(config.fact_labels)):
        problems.append(f"config.yml: no fact_labels entry for {name!r}")
    for case_type, roles in table.cases.items():
        for role, entry in roles.items():
            where = f"cases.yml {case_type}.{role}"
            if not (root / "cases" / f"{case_type}.{role}.j2").is_file():
                problems.append(f"{where}: missing template cases/{case_type}.{role}.j2")
            if entry.default not in entry.addressees:
                problems.append(f"{where}: default {entry.default!r} is not offered")
            for addressee, family in entry.addressees.items():
                if addressee not in config.addressees:
                    problems.append(f"{where}: unknown addressee {addressee!r}")
                for tone in config.tones:
                    if not (root / "base" / f"{family}.{tone}.j2").is_file():
                        problems.append(f"{where}: missing template base/{family}.{tone}.j2")
            for key in entry.dates:
                if key not in config.event_labels:
                    problems.append(f"{where}: unknown event {key!r}")
            for name in entry.facts or table.default_facts:
                if name not in known_facts:
                    problems.append(f"{where}: unknown fact {name!r}")
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
    env.filters["sentence"] = lambda text: _as_sentence(str(text), config)
    env.filters["clause"] = lambda text: _as_clause(str(text), config)
    return env


def _refuse_none(value: Any) -> Any:
    """Template guard: a None must be handled by an ``if``, never printed."""
    if value is None:
        raise DraftConfigError("a template printed None; guard the value with an if")
    return value


def _as_clause(text: str, config: _Config) -> str:
    """Strip trailing punctuation so the template can continue the sentence."""
    return text.rstrip().rstrip(config.soft_trailing + config.sentence_end + " ").rstrip()


def _as_sentence(text: str, config: _Config) -> str:
    """End a phrase with a full stop unless it already ends a sentence."""
    text = text.rstrip().rstrip(config.soft_trailing + " ").rstrip()
    if not text:
        return text
    bare = text.rstrip(config.sentence_closers)
    if bare and bare[-1] in config.sentence_end:
        return text
    return text + config.full_stop


def clean_text(text: str, multiline: bool = False) -> str:
    """Drop control and invisible format characters; optionally fold newlines to spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for char in text:
        if char in _LINE_SEPARATORS:
            char = "\n"
        if char == "\n":
            out.append("\n" if multiline else " ")
        elif char == "\t":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs") or (
            unicodedata.category(char) == "Cf" and char not in _KEEP_FORMAT_CHARS
        ):
            continue
        else:
            out.append(char)
    cleaned = "".join(out)
    if multiline:
        lines = [line.strip() for line in cleaned.split("\n")]
        return "\n".join(line for line in lines if line)
    return re.sub(r" {2,}", " ", cleaned).strip()


def format_date(value: date, drafts_dir: Path | None = None) -> str:
    """A date in the draft format, e.g. the 18th of November 2026 in Chinese."""
    config = _drafts(drafts_dir).config
    return config.date_format.format(year=value.year, month=value.month, day=value.day)


def fact_placeholder(name: str, drafts_dir: Path | None = None) -> str:
    """The visible placeholder for a missing fact (``order_number`` or ``event_dates.X``)."""
    config = _drafts(drafts_dir).config
    if name.startswith(_DATES_PREFIX):
        label = config.event_labels[name[len(_DATES_PREFIX):]]
    else:
        label = config.fact_labels[name]
    return config.placeholder_format.format(label=label)


def _drafts(drafts_dir: Path | None) -> _Drafts:
    """The loaded drafts for a directory (default <repo>/data/drafts)."""
    return _load(str((drafts_dir or default_drafts_dir()).resolve()))


def supported_cases(drafts_dir: Path | None = None) -> list[tuple[str, str]]:
    """Every (case_type, role) that has drafts, in table order."""
    table = _drafts(drafts_dir).table
    return [(case_type, role) for case_type, roles in table.cases.items() for role in roles]


def supported_tones(drafts_dir: Path | None = None) -> list[str]:
    """The tones, in the order offered."""
    return list(_drafts(drafts_dir).config.tones)


def _entry(case_type: str, role: str, drafts_dir: Path | None) -> _CaseEntry:
    """The case-table row, or a DraftError naming what is valid."""
    cases = _drafts(drafts_dir).table.cases
    if case_type not in cases:
        raise DraftError(f"unknown case_type {case_type!r}; known: {', '.join(cases)}")
    roles = cases[case_type]
    if role not in roles:
        raise DraftError(
            f"no drafts for case_type {case_type!r} with role {role!r}; "
            f"supported roles: {', '.join(roles)}"
        )
    return roles[role]


def supported_addressees(case_type: str, role: str,
                         drafts_dir: Path | None = None) -> list[str]:
    """Addressees offered for a (case_type, role), default first."""
    entry = _entry(case_type, role, drafts_dir)
    return [entry.default] + [a for a in entry.addressees if a != entry.default]


def default_addressee(case_type: str, role: str, drafts_dir: Path | None = None) -> str:
    """The addressee offered first for a (case_type, role)."""
    return _entry(case_type, role, drafts_dir).default


def case_event_keys(case_type: str, role: str, drafts_dir: Path | None = None) -> list[str]:
    """The event_dates keys the drafts for this case mention."""
    return list(_entry(case_type, role, drafts_dir).dates)


def case_facts(case_type: str, role: str, drafts_dir: Path | None = None) -> list[str]:
    """The facts (besides dates) the drafts for this case need."""
    drafts = _drafts(drafts_dir)
    entry = _entry(case_type, role, drafts_dir)
    return list(entry.facts or drafts.table.default_facts)


@dataclass
class _FactView:
    """Per-render access to the cleaned facts; records what the template found missing."""

    config: _Config
    values: dict[str, str]
    evidence: list[str]
    dates: dict[str, date]
    case_dates: list[str]
    case_facts: list[str]
    missing: set[str] = field(default_factory=set)
    dates_used: set[str] = field(default_factory=set)

    def placeholder(self, label: str) -> str:
        """A visible placeholder for a label."""
        return self.config.placeholder_format.format(label=label)

    def has(self, name: str) -> bool:
        """Whether the user gave this fact."""
        return bool(self.evidence) if name == "evidence" else name in self.values

    def wants(self, name: str) -> bool:
        """Whether a formal text shows this fact: the case needs it or the user gave it."""
        return name in self.case_facts or self.has(name)

    def fact(self, name: str) -> str:
        """The fact's text, or its placeholder (recorded as missing)."""
        if name not in self.config.fact_labels or name == "evidence":
            raise DraftConfigError(f"template asked for unknown fact {name!r}")
        if name in self.values:
            return self.values[name]
        self.missing.add(name)
        return self.placeholder(self.config.fact_labels[name])

    def date(self, key: str) -> str:
        """A case date, formatted, or its placeholder (recorded as missing)."""
        if key not in self.case_dates:
            raise DraftConfigError(f"template uses date {key!r} not listed in cases.yml")
        self.dates_used.add(key)
        if key in self.dates:
            return self._format(self.dates[key])
        self.missing.add(_DATES_PREFIX + key)
        return self.placeholder(self.config.event_labels[key])

    def extra_dates(self) -> str:
        """Dates the user gave that the case text does not mention, labeled."""
        items = [
            self.config.labeled_date_format.format(
                label=self.config.event_labels[key], date=self._format(value))
            for key, value in self.dates.items() if key not in self.case_dates
        ]
        return self.config.labeled_date_separator.join(items)

    def evidence_inline(self) -> str:
        """Evidence as one list, or its placeholder."""
        if not self.evidence:
            self.missing.add("evidence")
            return self.placeholder(self.config.fact_labels["evidence"])
        return self.config.list_separator.join(self.evidence)

    def evidence_lines(self) -> str:
        """Evidence as numbered lines, or its placeholder."""
        if not self.evidence:
            self.missing.add("evidence")
            return self.placeholder(self.config.fact_labels["evidence"])
        return "\n".join(
            self.config.evidence_item_format.format(index=i, item=item)
            for i, item in enumerate(self.evidence, start=1)
        )

    def _format(self, value: date) -> str:
        """A date in the configured format."""
        return self.config.date_format.format(year=value.year, month=value.month,
                                              day=value.day)

    def ordered_missing(self) -> list[str]:
        """Missing fact names in DraftFacts field order, case dates in table order."""
        ordered: list[str] = []
        for name in FACT_NAMES:
            if name == "event_dates":
                ordered += [_DATES_PREFIX + k for k in self.case_dates
                            if _DATES_PREFIX + k in self.missing]
            elif name in self.missing:
                ordered.append(name)
        return ordered


def _clean_facts(facts: DraftFacts, config: _Config) -> tuple[dict[str, str], list[str]]:
    """Cleaned, non-empty fact strings and evidence items."""
    values: dict[str, str] = {}
    for name in FACT_NAMES:
        if name in ("event_dates", "evidence"):
            continue
        raw = getattr(facts, name)
        if raw is None:
            continue
        text = clean_text(str(raw), multiline=name in _MULTILINE_FACTS)
        if not text:
            continue
        if name == "amount" and _BARE_AMOUNT.fullmatch(text):
            text = config.amount_format.format(amount=text)
        values[name] = text
    evidence = [item for item in (clean_text(str(e)) for e in facts.evidence) if item]
    return values, evidence


def _clean_context(context: DraftContext | None, config: _Config) -> dict[str, str | None]:
    """Context values as cleaned text (or None), reply_by formatted."""
    context = context or DraftContext()
    view: dict[str, str | None] = {}
    for name in ("rule_reference", "deadline_text", "next_step"):
        raw = getattr(context, name)
        view[name] = (clean_text(raw) or None) if raw else None
    reply_by = context.reply_by
    view["reply_by"] = (
        config.date_format.format(year=reply_by.year, month=reply_by.month, day=reply_by.day)
        if reply_by else None
    )
    return view


def _tidy(text: str) -> str:
    """Trim every line and drop empty ones (templates leave gaps where text was omitted)."""
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def render_draft(case_type: str, role: str, addressee: str, tone: str,
                 facts: DraftFacts, context: DraftContext | None = None, *,
                 drafts_dir: Path | None = None, max_chars: int | None = None) -> Draft:
    """Render the draft for a case, addressee and tone from confirmed facts.

    Raises DraftError for an unknown case/role/tone, an addressee the case does not
    offer (the message lists the supported ones), or an unknown event_dates key.
    """
    drafts = _drafts(drafts_dir)
    config = drafts.config
    entry = _entry(case_type, role, drafts_dir)
    if addressee not in entry.addressees:
        raise DraftError(
            f"addressee {addressee!r} is not supported for {case_type}/{role}; "
            f"supported: {', '.join(supported_addressees(case_type, role, drafts_dir))}"
        )
    if tone not in config.tones:
        raise DraftError(f"unknown tone {tone!r}; supported: {', '.join(config.tones)}")
    unknown = [key for key in facts.event_dates if key not in config.event_labels]
    if unknown:
        raise DraftError(
            f"unknown event_dates keys {unknown}; known: {', '.join(config.event_labels)}")

    values, evidence = _clean_facts(facts, config)
    view = _FactView(config=config, values=values, evidence=evidence,
                     dates=dict(facts.event_dates), case_dates=list(entry.dates),
                     case_facts=entry.facts or drafts.table.default_facts)
    template = drafts.env.get_template(f"cases/{case_type}.{role}.j2")
    helpers: dict[str, Callable[..., Any]] = {
        "fact": view.fact, "has": view.has, "wants": view.wants, "date": view.date,
        "extra_dates": view.extra_dates, "evidence_inline": view.evidence_inline,
        "evidence_lines": view.evidence_lines,
    }
    raw = template.render(
        base=f"base/{entry.addressees[addressee]}.{tone}.j2",
        case_type=case_type, role=role, addressee=addressee, tone=tone,
        ctx=_clean_context(context, config), **helpers,
    )
    text = _tidy(raw)
    limit = max_chars or config.max_chars
    return Draft(text=text, parts=split_parts(text, limit, drafts_dir=drafts_dir),
                 missing=view.ordered_missing(), case_type=case_type, role=role,
                 addressee=addressee, tone=tone)


def _sentences(text: str, config: _Config) -> list[str]:
    """Split after sentence ends (with their closers) and at newlines; lossless."""
    end = re.escape(config.sentence_end)
    closers = re.escape(config.sentence_closers)
    pattern = re.compile(f"[{end}]+[{closers}]*\n*|\n+")
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _cut_point(piece: str, budget: int, config: _Config) -> int:
    """Where to cut an over-long sentence: the last soft break, else hard at the budget."""
    window = piece[:budget]
    best = max(window.rfind(char) for char in config.soft_breaks)
    return best + 1 if best >= 0 and best + 1 >= budget // 2 else budget


def _pack(text: str, budget: int, config: _Config) -> list[str]:
    """Greedily pack sentences into chunks of at most ``budget`` characters."""
    chunks: list[str] = []
    current = ""
    for piece in _sentences(text, config):
        if len(current) + len(piece) <= budget:
            current += piece
            continue
        if current:
            chunks.append(current)
            current = ""
        while len(piece) > budget:
            cut = _cut_point(piece, budget, config)
            chunks.append(piece[:cut])
            piece = piece[cut:]
        current = piece
    if current:
        chunks.append(current)
    stripped = (chunk.strip("\n") for chunk in chunks)
    return [chunk for chunk in stripped if chunk]


def split_parts(text: str, max_chars: int | None = None,
                drafts_dir: Path | None = None) -> list[str]:
    """Split a draft into labeled parts of at most ``max_chars`` characters each.

    Splits at sentence ends or newlines, then at soft breaks, and cuts a single
    over-long sentence hard as a last resort. A text that fits is one unlabeled part.
    """
    config = _drafts(drafts_dir).config
    limit = max_chars or config.max_chars
    if len(text) <= limit:
        return [text]

    def label(index: int, total: int) -> str:
        return config.part_label.format(index=index, total=total) + config.part_separator

    total = 2
    while True:
        budget = limit - len(label(total, total))
        if budget < 1:
            raise DraftError(f"max_chars {limit} leaves no room for part labels")
        chunks = _pack(text, budget, config)
        if len(chunks) <= total:
            break
        total = len(chunks)
    count = len(chunks)
    return [label(i, count) + chunk for i, chunk in enumerate(chunks, start=1)]


def event_keys(drafts_dir: Path | None = None) -> set[str]:
    """The event_dates keys the templates can label (config.yml event_labels)."""
    return set(_drafts(drafts_dir).config.event_labels)
