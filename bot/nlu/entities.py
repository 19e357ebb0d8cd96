"""Rule-based entity extraction (spaCy entity ruler + regex spans) as a Rasa component.

``SpacyRuleEntityExtractor`` runs a small spaCy pipeline, built lazily on first use:

1. ``spacy.blank("zh")`` with the jieba segmenter (the jieba user dictionary
   ``data/dictionary/userdict.txt`` is loaded once per process, as Rasa's
   ``JiebaTokenizer`` does with ``dictionary_path``, so both tokenizations agree);
2. an ``entity_ruler`` with the token-level patterns of ``data/entities/patterns.yml``;
3. a custom pipe (``complaint_guide_regex_spans``) adding the regex-shaped spans of the
   same file (order numbers, amounts, dates, first-person role statements, addressees)
   plus :func:`bot.dates.find_date_spans` when that module is importable. Regex spans never
   overlap ruler entities; among themselves the longest wins.

Entities are emitted in Rasa's format with ``start``/``end`` on the message text. The
message text is the normalized text (see ``bot.nlu.normalizer``); normalization is
length-preserving, so the offsets also slice the text the user typed. Values are the
pattern ``id`` (the normalized value from docs/architecture.md), a normalized number
(order numbers, amounts) or the matched text (dates).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.datafiles import REPO_ROOT, parse_yaml
from bot.dates import find_date_spans

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler

logger = logging.getLogger(__name__)

PROJECT_ROOT = REPO_ROOT
DEFAULT_PATTERNS_PATH = "data/entities/patterns.yml"
DEFAULT_USERDICT_PATH = "data/dictionary/userdict.txt"

REGEX_PIPE_FACTORY = "complaint_guide_regex_spans"
DATE_LABEL = "date"
BLOCKER_PREFIX = "_"
_EXACT_KEY = "complaint_guide_exact"  # doc.user_data key prefix for exact regex offsets
_NOT_AFTER_WINDOW = 20

_RULER_KEYS = {"label", "id", "phrases", "combos", "tokens"}
_REGEX_KEYS = {"label", "id", "pattern", "normalize", "not_after", "ignore_case"}
_NORMALIZERS = {"digits", "amount"}

_userdict_lock = threading.Lock()
_loaded_userdicts: set = set()


# --- pattern file -----------------------------------------------------------------------


class PatternFileError(ValueError):
    """The patterns file is malformed."""


def resolve_path(path: str) -> Path:
    """An absolute path as is; a relative one (as config.yml writes them) against the
    project root, wherever the process was started."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


def _expand_ruler_entry(entry: dict[str, Any], where: str) -> list[dict[str, Any]]:
    unknown = set(entry) - _RULER_KEYS
    if unknown or not isinstance(entry.get("label"), str):
        raise PatternFileError(f"{where}: needs a 'label'; unknown keys {sorted(unknown)}")
    base = {"label": entry["label"]}
    if entry.get("id") is not None:
        base["id"] = str(entry["id"])
    phrases = [str(p) for p in entry.get("phrases") or []]
    for combo in entry.get("combos") or []:
        if not isinstance(combo, list) or not all(isinstance(p, list) for p in combo):
            raise PatternFileError(f"{where}: 'combos' must be lists of lists")
        phrases.extend("".join(str(x) for x in parts) for parts in product(*combo))
    patterns: list[dict[str, Any]] = []
    seen = set()
    for phrase in phrases:
        phrase = phrase.strip()
        if phrase and phrase not in seen:
            seen.add(phrase)
            patterns.append({**base, "pattern": phrase})
    for tokens in entry.get("tokens") or []:
        if not isinstance(tokens, list) or not all(isinstance(t, dict) for t in tokens):
            raise PatternFileError(f"{where}: 'tokens' must be lists of token dicts")
        patterns.append({**base, "pattern": tokens})
    if not patterns:
        raise PatternFileError(f"{where}: no phrases, combos or tokens")
    return patterns


def _check_regex_entry(entry: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = set(entry) - _REGEX_KEYS
    if unknown or not isinstance(entry.get("label"), str):
        raise PatternFileError(f"{where}: needs a 'label'; unknown keys {sorted(unknown)}")
    if not isinstance(entry.get("pattern"), str):
        raise PatternFileError(f"{where}: needs a 'pattern' string")
    if entry.get("normalize") not in _NORMALIZERS | {None}:
        raise PatternFileError(f"{where}: 'normalize' must be one of {sorted(_NORMALIZERS)}")
    rule = {
        "label": entry["label"],
        "id": None if entry.get("id") is None else str(entry["id"]),
        "pattern": entry["pattern"],
        "normalize": entry.get("normalize"),
        "not_after": entry.get("not_after"),
        "ignore_case": bool(entry.get("ignore_case", False)),
    }
    try:
        _compile_rule(rule)
    except re.error as error:
        raise PatternFileError(f"{where}: bad regex: {error}") from error
    return rule


def load_patterns(path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read the patterns file: (entity_ruler patterns, regex rules as plain dicts)."""
    resolved = resolve_path(path)
    data = parse_yaml(Path(resolved).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - {"ruler", "regex"}:
        raise PatternFileError(f"{resolved}: top level must have only 'ruler' and 'regex'")
    ruler: list[dict[str, Any]] = []
    for index, entry in enumerate(data.get("ruler") or []):
        ruler.extend(_expand_ruler_entry(entry, f"{resolved} ruler[{index}]"))
    regex = [
        _check_regex_entry(entry, f"{resolved} regex[{index}]")
        for index, entry in enumerate(data.get("regex") or [])
    ]
    return ruler, regex


# --- value normalization ----------------------------------------------------------------

def _format_decimal(number: Decimal) -> str:
    return format(number.normalize(), "f")


def normalize_amount(text: str) -> str | None:
    """'1,299.50' -> '1299.5', '1.5万' -> '15000', '两百' -> '200' (cn2an); None if unreadable."""
    import cn2an

    compact = re.sub(r"[\s,]", "", text)
    try:
        value = cn2an.cn2an(compact, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return _format_decimal(Decimal(str(value)))
    except InvalidOperation:
        return None


def _normalize_value(kind: str | None, text: str) -> str:
    if kind == "digits":
        return re.sub(r"\D", "", text)
    if kind == "amount":
        return normalize_amount(text) or text
    return text


# --- the spaCy regex pipe ---------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledRule:
    label: str
    id: str | None
    pattern: re.Pattern
    normalize: str | None
    not_after: re.Pattern | None


def _compile_rule(rule: dict[str, Any]) -> _CompiledRule:
    flags = re.IGNORECASE if rule.get("ignore_case") else 0
    not_after = rule.get("not_after")
    return _CompiledRule(
        label=rule["label"],
        id=rule.get("id"),
        pattern=re.compile(rule["pattern"], flags),
        normalize=rule.get("normalize"),
        not_after=re.compile(f"(?:{not_after})$", flags) if not_after else None,
    )


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    label: str
    value: str
    order: int


def _date_parser_spans(text: str) -> list[tuple[int, int]]:
    """The spans bot.dates finds ([] when the parser fails: it must not break NLU)."""
    try:
        return [(int(s), int(e)) for s, e in find_date_spans(text) if 0 <= s < e <= len(text)]
    except Exception:  # a parser bug must not break NLU
        logger.exception("bot.dates.find_date_spans failed; using pattern dates only")
        return []


class RegexSpanMatcher:
    """spaCy pipe: adds regex (and date-parser) spans to ``doc.ents``.

    Spans are aligned to tokens with ``doc.char_span(..., alignment_mode="expand")``; the
    exact character offsets and the value are kept in ``doc.user_data`` (see
    :func:`exact_entity`).
    """

    def __init__(self, rules: Iterable[dict[str, Any]], use_date_parser: bool) -> None:
        self.rules = [_compile_rule(rule) for rule in rules]
        self.use_date_parser = use_date_parser

    def _candidates(self, text: str) -> list[_Candidate]:
        found: list[_Candidate] = []
        for order, rule in enumerate(self.rules):
            for match in rule.pattern.finditer(text):
                group = "span" if match.re.groupindex.get("span") else 0
                start, end = match.span(group)
                if start < 0 or start >= end:
                    continue
                if rule.not_after is not None and rule.not_after.search(
                    text[max(0, start - _NOT_AFTER_WINDOW) : start]
                ):
                    continue
                if rule.id is not None:
                    value = rule.id
                else:
                    has_value = match.re.groupindex.get("value") and match.group("value")
                    raw = match.group("value") if has_value else text[start:end]
                    value = _normalize_value(rule.normalize, raw)
                found.append(_Candidate(start, end, rule.label, value, order))
        if self.use_date_parser:
            order = len(self.rules)
            for start, end in _date_parser_spans(text):
                found.append(_Candidate(start, end, DATE_LABEL, text[start:end], order))
        return found

    def __call__(self, doc):  # spaCy Doc -> Doc
        text = doc.text
        if not text.strip():
            return doc
        candidates = self._candidates(text)
        if not candidates:
            return doc
        taken = set()
        for ent in doc.ents:
            taken.update(range(ent.start, ent.end))
        # longest first, then leftmost, then the rule listed first
        candidates.sort(key=lambda c: (c.start - c.end, c.start, c.order))
        new_ents = []
        for cand in candidates:
            span = doc.char_span(cand.start, cand.end, label=cand.label,
                                 alignment_mode="expand")  # fmt: skip
            if span is None or len(span) == 0:
                continue
            tokens = range(span.start, span.end)
            if any(i in taken for i in tokens):
                continue
            taken.update(tokens)
            new_ents.append(span)
            doc.user_data[(_EXACT_KEY, span.start_char, span.end_char, cand.label)] = (
                cand.start,
                cand.end,
                cand.value,
            )
        if new_ents:
            doc.ents = sorted(list(doc.ents) + new_ents, key=lambda s: s.start)
        return doc


def exact_entity(span) -> tuple[int, int, str]:
    """(start, end, value) of an entity span in character offsets of ``doc.text``."""
    key = (_EXACT_KEY, span.start_char, span.end_char, span.label_)
    stored = span.doc.user_data.get(key)
    if stored is not None:
        return stored
    return span.start_char, span.end_char, span.ent_id_ or span.text


def _make_regex_pipe(nlp, name, rules, use_date_parser):  # spaCy factory signature
    return RegexSpanMatcher(rules, use_date_parser)


def _register_spacy_factory() -> None:
    from spacy.language import Language

    if not Language.has_factory(REGEX_PIPE_FACTORY):
        Language.factory(
            REGEX_PIPE_FACTORY,
            default_config={"rules": [], "use_date_parser": True},
        )(_make_regex_pipe)


def load_userdict_once(path: str | None) -> None:
    """``jieba.load_userdict(path)`` once per process and path (missing file: warning)."""
    if not path:
        return
    resolved = resolve_path(path)
    key = str(resolved.resolve())
    with _userdict_lock:
        if key in _loaded_userdicts:
            return
        if not resolved.is_file():
            logger.warning("jieba user dictionary %s not found; using jieba defaults", key)
        else:
            import jieba

            jieba.load_userdict(key)
        _loaded_userdicts.add(key)


def build_pipeline(
    patterns_path: str = DEFAULT_PATTERNS_PATH,
    userdict_path: str | None = DEFAULT_USERDICT_PATH,
    use_date_parser: bool = True,
):  # -> spacy.language.Language
    """The spaCy pipeline: blank zh (jieba) + entity_ruler + the regex span pipe."""
    import spacy

    ruler_patterns, regex_rules = load_patterns(patterns_path)
    load_userdict_once(userdict_path)
    _register_spacy_factory()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    # spaCy types add_pipe as returning the base Pipe; "entity_ruler" makes an EntityRuler
    ruler = cast("EntityRuler", nlp.add_pipe("entity_ruler", config={"overwrite_ents": False}))
    ruler.add_patterns(ruler_patterns)
    nlp.add_pipe(
        REGEX_PIPE_FACTORY,
        config={"rules": regex_rules, "use_date_parser": use_date_parser},
    )
    return nlp


# --- the Rasa component -----------------------------------------------------------------


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SpacyRuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts order_number, amount, date, tone, role, order_status and addressee."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # relative paths: against the working directory, else the project root
            "patterns_path": DEFAULT_PATTERNS_PATH,
            # the same jieba user dictionary JiebaTokenizer loads (None: don't load)
            "userdict_path": DEFAULT_USERDICT_PATH,
            # also use bot.dates.find_date_spans for dates when it can be imported
            "use_date_parser": True,
            # emit only these entity names (None: all)
            "entities": None,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Patterns are Chinese."""
        return ["zh"]

    @staticmethod
    def required_packages() -> list[str]:
        """spaCy (blank zh, no model download) with the jieba segmenter."""
        return ["spacy", "jieba"]

    def __init__(self, config: dict[str, Any]) -> None:
        """Creates the component; the spaCy pipeline is built on first use."""
        self._config = {**self.get_default_config(), **(config or {})}
        wanted = self._config.get("entities")
        self._wanted = None if wanted is None else set(wanted)
        self._nlp = None
        self._lock = threading.Lock()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyRuleEntityExtractor:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    @property
    def nlp(self):  # -> spacy.language.Language
        """The spaCy pipeline, built once per component instance."""
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = build_pipeline(
                        self._config["patterns_path"],
                        self._config["userdict_path"],
                        bool(self._config["use_date_parser"]),
                    )
        return self._nlp

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Entities of ``text`` in Rasa's format, ordered by position."""
        if not text or not text.strip():
            return []
        doc = self.nlp(text)
        entities = []
        for span in doc.ents:
            label = span.label_
            if label.startswith(BLOCKER_PREFIX):
                continue
            if self._wanted is not None and label not in self._wanted:
                continue
            start, end, value = exact_entity(span)
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: label,
                    ENTITY_ATTRIBUTE_VALUE: value,
                    ENTITY_ATTRIBUTE_START: start,
                    ENTITY_ATTRIBUTE_END: end,
                    ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                    EXTRACTOR: self.name,
                }
            )
        return entities

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the extracted entities to each message, keeping existing ones."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            existing = list(message.get(ENTITIES) or [])
            message.set(ENTITIES, existing + self.extract(text), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Returns the data unchanged: rule entities must not become training labels."""
        return training_data
