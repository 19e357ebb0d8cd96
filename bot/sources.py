"""The sources the rule book cites: laws by article, platform rules, 2022 practice articles.

``data/law/sources.yml`` lists them and ``data/law/articles.yml`` holds the verbatim texts of
the articles cited. :func:`load_sources` validates both (an error names the file and the
entry); :meth:`Sources.resolve` turns a rule-book reference (a practice article such as
"src 000", "<document id> <article number>", or a document id alone) into a
:class:`Citation`. Plain data and functions: no Rasa here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.datafiles import DataFileError, data_path, read_yaml

DEFAULT_LAW_DIR = data_path("law")
SOURCES_FILE = "sources.yml"
ARTICLES_FILE = "articles.yml"
# "Article N" written with Chinese numerals: U+7B2C (di), the numerals, U+6761 (tiao).
ARTICLE = re.compile("^\u7b2c[\u3007\u96f6\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03"
                     "\u516b\u4e5d\u5341\u767e\u5343]+\u6761$")
# the parts are stripped after the split: "\s*" around the separator backtracks on long spaces
REF_SEPARATORS = re.compile(r"[,，;；、]")


class SourceKind(StrEnum):
    """What kind of source backs a rule: its standing, strongest first."""

    LAW = "law"
    REGULATION = "regulation"
    RULE = "rule"
    PLATFORM_RULE = "platform_rule"
    PRACTICE = "practice"


class SourceError(DataFileError):
    """A sources file, or a reference to a source, is invalid (names the file and entry)."""


@dataclass(frozen=True)
class Article:
    """One article's verbatim text; ``single_copy`` when no second copy confirmed it."""

    number: str
    text: str
    single_copy: bool


@dataclass(frozen=True)
class Document:
    """A law, regulation, departmental rule or platform rule."""

    id: str
    name: str
    full_name: str
    kind: SourceKind
    effective: dt.date
    status: str
    reference: str
    number: str | None = None
    revised: dt.date | None = None
    repealed: dt.date | None = None
    third_party: bool = False
    articles: dict[str, Article] = field(default_factory=dict)


@dataclass(frozen=True)
class Citation:
    """A resolved reference: a document (and article), or a practice article."""

    ref: str
    kind: SourceKind
    document: Document | None = None
    article: Article | None = None
    year: int | None = None  # practice articles: publication year

    @property
    def needs_check(self) -> bool:
        """The text rests on one copy or a third-party copy: check the official text."""
        if self.document is None:
            return False
        return self.document.third_party or bool(self.article and self.article.single_copy)


@dataclass(frozen=True, eq=False)  # hashed by identity: one loaded catalog of sources
class Sources:
    """All citable sources, and the file they came from (for error messages)."""

    documents: dict[str, Document]
    practice: dict[str, int]  # ref -> year
    origin: str = SOURCES_FILE

    def resolve(self, ref: str, where: str = "source") -> Citation:
        """The citation a reference names; :class:`SourceError` names ``where`` otherwise."""
        ref = " ".join(str(ref).split())
        if ref in self.practice:
            return Citation(ref, SourceKind.PRACTICE, year=self.practice[ref])
        doc_id, _, number = ref.partition(" ")
        document = self.documents.get(doc_id)
        if document is None:
            raise SourceError(where, ref, "unknown source: not a practice article or a "
                              f"document of {self.origin}")
        if not number:
            return Citation(ref, document.kind, document)
        article = document.articles.get(number)
        if article is None:
            raise SourceError(where, ref, f"{document.name} has no article {number!r} in "
                              f"{ARTICLES_FILE} (run make law-import after listing it)")
        return Citation(ref, document.kind, document, article)

    def resolve_all(self, value: Any, where: str) -> tuple[Citation, ...]:
        """Resolve a source field: a list of references, or one string of them."""
        refs = split_refs(value)
        if not refs:
            raise SourceError(where, "source", "is missing or empty")
        return tuple(self.resolve(ref, where) for ref in refs)


def split_refs(value: Any) -> list[str]:
    """The references of a source field (a list, or a string separated by commas)."""
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    refs: list[str] = []
    for item in items:
        refs += [part.strip() for part in REF_SEPARATORS.split(str(item)) if part.strip()]
    return refs


def _date(value: Any, file: Path, entry: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SourceError(file, entry, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _read(path: Path) -> dict[str, Any]:
    data = read_yaml(path, SourceError)
    if not isinstance(data, dict):
        raise SourceError(path, "(top level)", "must be a mapping")
    return data


def _articles(path: Path, doc_id: str, raw: Any, wanted: list[str]) -> dict[str, Article]:
    if not wanted:
        return {}
    if not isinstance(raw, dict):
        raise SourceError(path, doc_id, "no articles: run make law-import")
    articles = {}
    for number in wanted:
        spec = raw.get(number)
        where = f"{doc_id}.{number}"
        if not isinstance(spec, dict) or not str(spec.get("text") or "").startswith(number):
            raise SourceError(path, where, "missing, or its text does not start with the "
                              "article number: run make law-import")
        articles[number] = Article(number, str(spec["text"]), bool(spec.get("single_copy")))
    return articles


def _document(path: Path, articles_path: Path, doc_id: str, spec: Any,
              texts: dict[str, Any]) -> Document:
    where = f"documents.{doc_id}"
    if not isinstance(spec, dict):
        raise SourceError(path, where, "must be a mapping")
    for key in ("name", "full_name", "kind", "effective", "status", "reference"):
        if not spec.get(key):
            raise SourceError(path, f"{where}.{key}", "is required")
    try:
        kind = SourceKind(spec["kind"])
    except ValueError:
        raise SourceError(path, f"{where}.kind", f"unknown kind {spec['kind']!r}") from None
    if kind is SourceKind.PRACTICE:
        raise SourceError(path, f"{where}.kind", "practice articles go in practice_articles")
    if kind is SourceKind.PLATFORM_RULE and not spec.get("revised"):
        raise SourceError(path, f"{where}.revised", "a platform rule needs its revision date")
    if spec["status"] not in {"in_force", "repealed"}:
        raise SourceError(path, f"{where}.status", "must be in_force or repealed")
    wanted = [str(n) for n in spec.get("articles") or []]
    bad = [n for n in wanted if not ARTICLE.match(n)]
    if bad:
        raise SourceError(path, f"{where}.articles", f"not an article number: {bad[0]!r}")
    return Document(
        id=doc_id, name=str(spec["name"]), full_name=str(spec["full_name"]), kind=kind,
        effective=_date(spec["effective"], path, f"{where}.effective"),
        status=str(spec["status"]), reference=str(spec["reference"]),
        number=spec.get("number"), third_party=bool(spec.get("third_party")),
        revised=_date(spec["revised"], path, f"{where}.revised") if spec.get("revised") else None,
        repealed=(_date(spec["repealed"], path, f"{where}.repealed")
                  if spec.get("repealed") else None),
        articles=_articles(articles_path, doc_id, texts.get(doc_id), wanted))


def parse_sources(data: dict[str, Any], texts: dict[str, Any], path: Path,
                  articles_path: Path) -> Sources:
    """Validate the parsed sources and article files."""
    extra = set(data) - {"practice_articles", "documents"}
    if extra:
        raise SourceError(path, "(top level)", f"unexpected key(s): {', '.join(sorted(extra))}")
    practice = {}
    for ref, spec in (data.get("practice_articles") or {}).items():
        year = spec.get("year") if isinstance(spec, dict) else None
        if not isinstance(year, int) or not 1990 <= year <= 2100:
            raise SourceError(path, f"practice_articles.{ref}", "needs a year (e.g. 2022)")
        practice[str(ref)] = year
    documents = data.get("documents")
    if not isinstance(documents, dict) or not documents:
        raise SourceError(path, "documents", "must map document ids to their fields")
    if " " in "".join(documents):
        raise SourceError(path, "documents", "a document id may not contain a space")
    return Sources({str(doc_id): _document(path, articles_path, str(doc_id), spec, texts)
                    for doc_id, spec in documents.items()}, practice, path.name)


def load_sources(directory: Path = DEFAULT_LAW_DIR) -> Sources:
    """Read and validate ``sources.yml`` and ``articles.yml`` of ``directory``."""
    directory = Path(directory)
    path, articles_path = directory / SOURCES_FILE, directory / ARTICLES_FILE
    texts = _read(articles_path).get("articles") if articles_path.exists() else {}
    return parse_sources(_read(path), texts or {}, path, articles_path)
