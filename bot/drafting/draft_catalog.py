"""The draft catalog: kinds, cases, labels and templates under ``data/drafts/``, validated
on load (an error names the file and the entry)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field

from bot.datafiles import parse_yaml
from bot.drafting.facts import NEEDABLE, TONES, DraftConfigError, DraftError
from bot.drafting.text import Punctuation, as_clause, as_sentence
from bot.rulebook.names import CASE_DRAFTS_FILE, CASES_DIR, ROLES, CaseFolder


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
    short_limit: int
    short_opening: str
    short_order: str
    short_item: str
    short_problem: str
    short_demand: str
    short_no_demand: str
    short_deadline: str
    short_end: str
    short_cut_at: str
    short_request_to: dict[str, str] = {}
    own_wants: dict[str, list[str]] = {}

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
    request_verbs: list[str]
    draft_nouns: list[str]
    party_markers: list[str]
    reply_within: dict[str, list[str]]
    lawyer_cues: list[str]
    lawyer_kind: str
    mention_cues: list[str]
    mention_kind: str
    blocked_kinds: list[str]
    blocked_kind: str
    confirm_kinds: list[str]
    case_file_cues: list[str]


class CaseText(BaseModel):
    """What a draft says about one case (data/cases/<case_type>/drafts.yml)."""

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
    request_verbs: tuple[str, ...]
    draft_nouns: tuple[str, ...]
    party_markers: tuple[str, ...]
    reply_within: dict[str, tuple[str, ...]]
    lawyer_cues: tuple[str, ...]
    lawyer_kind: str
    mention_cues: tuple[str, ...]
    mention_kind: str
    blocked_kinds: tuple[str, ...]
    blocked_kind: str
    confirm_kinds: tuple[str, ...]
    case_file_cues: tuple[str, ...]
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


def _read_yaml(path: Path) -> Any:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DraftConfigError(f"{path.name}: cannot be read: {error}") from None


def _parse(model: type[BaseModel], path: Path, shown: str | None = None) -> Any:
    try:
        return model.parse_obj(_read_yaml(path))
    except ValueError as error:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                           for e in getattr(error, "errors", lambda: [])()) or str(error)
        raise DraftConfigError(f"{shown or path.name}: {detail}") from None


def _load(root: Path, case_folders: Mapping[str, CaseFolder]) -> DraftCatalog:
    config = _parse(_Config, root / "config.yml")
    kinds_file = _parse(_KindsFile, root / "kinds.yml")
    cases, case_files = _case_texts(root, case_folders)
    kinds = {kind_id: kind.copy(update={"id": kind_id})
             for kind_id, kind in kinds_file.kinds.items()}
    catalog = DraftCatalog(config=config, kinds=kinds, rung_kinds=kinds_file.rung_kinds,
                           request_verbs=tuple(kinds_file.request_verbs),
                           draft_nouns=tuple(kinds_file.draft_nouns),
                           party_markers=tuple(kinds_file.party_markers),
                           reply_within={name: tuple(words) for name, words
                                         in kinds_file.reply_within.items()},
                           lawyer_cues=tuple(kinds_file.lawyer_cues),
                           lawyer_kind=kinds_file.lawyer_kind,
                           mention_cues=tuple(kinds_file.mention_cues),
                           mention_kind=kinds_file.mention_kind,
                           blocked_kinds=tuple(kinds_file.blocked_kinds),
                           blocked_kind=kinds_file.blocked_kind,
                           confirm_kinds=tuple(kinds_file.confirm_kinds),
                           case_file_cues=tuple(kinds_file.case_file_cues),
                           cases=cases, env=_make_env(root, config))
    _validate(root, catalog, case_files)
    return catalog


def _case_texts(root: Path, case_folders: Mapping[str, CaseFolder]
                ) -> tuple[dict[str, CaseText], dict[str, str]]:
    """What drafts say about each case: the ``drafts.yml`` of every case folder (the
    ``cases`` folder beside the drafts directory, else ``data/cases``), and the file each
    came from."""
    cases: dict[str, CaseText] = {}
    files: dict[str, str] = {}
    beside = root.parent / CASES_DIR.name
    for folder in case_folders.values():
        path = (beside if beside.is_dir() else folder.path.parent) / folder.id / CASE_DRAFTS_FILE
        shown = f"{folder.id}/{CASE_DRAFTS_FILE}"
        for key, text in _parse(_CasesFile, path, shown).cases.items():
            if not key.startswith(folder.id + "."):
                raise DraftConfigError(f"{shown} cases.{key}: belongs in the folder of its "
                                       "case type")
            cases[key], files[key] = text, shown
    return cases, files


def _validate(root: Path, catalog: DraftCatalog, case_files: dict[str, str]) -> None:
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
    named = [*catalog.blocked_kinds, catalog.blocked_kind, catalog.lawyer_kind,
             catalog.mention_kind, *catalog.confirm_kinds]
    problems += [f"kinds.yml: unknown kind {kind_id!r}" for kind_id in named
                 if kind_id not in catalog.kinds]
    for key, case in catalog.cases.items():
        case_type, _, role = key.partition(".")
        where = f"{case_files.get(key, 'drafts.yml')} cases.{key}"
        if role not in ROLES:
            problems.append(f"{where}: key must be <case_type>.<buyer|seller>")
            continue
        for kind_id in [case.default_kind, *case.rung_kinds.values()]:
            named_kind = catalog.kinds.get(kind_id)
            if named_kind is None:
                problems.append(f"{where}: unknown kind {kind_id!r}")
            elif not named_kind.written_for(
                    case_type, role,
                    set() if named_kind.or_event is None else {named_kind.or_event}):
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


def load_drafts(drafts_dir: Path, cases: Mapping[str, CaseFolder]) -> DraftCatalog:
    """The validated drafts catalog of ``drafts_dir`` for the case types ``cases``."""
    return _load(Path(drafts_dir).resolve(), cases)


def check_lexicon_events(catalog: DraftCatalog, event_ids: set[str]) -> list[str]:
    """Lexicon events without a timeline phrase for a role (each named)."""
    return [f"config.yml event_phrases.{role}: no phrase for {event!r}"
            for role in ROLES for event in sorted(event_ids)
            if event not in catalog.config.event_phrases.get(role, {})]


def placeholder(name: str, catalog: DraftCatalog) -> str:
    """The visible placeholder of a fact the kind needs."""
    config = catalog.config
    return config.placeholder_format.format(label=config.fact_labels[name])
