"""Citations as users read them: the law's name and article, a platform rule with its
revision date, or "according to a 2022 article". Every word comes from the ``citation``
section of the locale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.locale import load_locale
from bot.sources import Citation, SourceError, SourceKind, load_sources, split_refs


def _piece(key: str, **values: object) -> str:
    return str(load_locale()["citation"][key]).format(**values)


def resolve_refs(source: str | Sequence[str]) -> tuple[Citation, ...]:
    """Citations of a raw source field (references unknown to ``data/law`` are skipped)."""
    sources = load_sources()
    found = []
    for ref in split_refs(source if isinstance(source, str) else list(source)):
        try:
            found.append(sources.resolve(ref))
        except SourceError:
            continue
    return tuple(found)


def _documents(citations: Iterable[Citation]) -> list[str]:
    """One phrase per document, its articles joined, in first-cited order."""
    grouped: dict[str, list[Citation]] = {}
    for citation in citations:
        if citation.document is not None:
            grouped.setdefault(citation.document.id, []).append(citation)
    phrases = []
    for cites in grouped.values():
        document = cites[0].document
        assert document is not None
        numbers = list(dict.fromkeys(c.article.number for c in cites if c.article))
        articles = _piece("article_separator").join(numbers)
        if document.kind is SourceKind.PLATFORM_RULE and document.revised is not None:
            phrases.append(_piece("platform_rule", name=document.name, articles=articles,
                                  year=document.revised.year, month=document.revised.month))
        else:
            phrases.append(_piece("document", name=document.name, articles=articles))
    return phrases


def cite_text(citations: Sequence[Citation]) -> str:
    """What the citations say, without the tag brackets ("" for none)."""
    parts = []
    documents = _documents(citations)
    if documents:
        parts.append(_piece("law", documents=_piece("document_separator").join(documents)))
    years = sorted({c.year for c in citations if c.kind is SourceKind.PRACTICE and c.year})
    parts += [_piece("practice", year=year) for year in years]
    return _piece("separator").join(parts)


def source_tag(citations: Sequence[Citation]) -> str:
    """The bracketed tag a line ends with ("" for none)."""
    said = cite_text(citations)
    return _piece("tag", items=said) if said else ""


def rests_on_practice(citations: Iterable[Citation]) -> bool:
    """Whether any citation is a 2022 practice article."""
    return any(c.kind is SourceKind.PRACTICE for c in citations)


def practice_hedge() -> str:
    """The one line under an answer that rests on the 2022 articles."""
    return str(load_locale()["citation"]["practice_hedge"])


def console_line(citation: Citation) -> str:
    """One line for the agents' console: reference, what users see, the file behind it."""
    document = citation.document
    file = document.reference if document is not None else _piece("practice_file")
    check = _piece("needs_check") if citation.needs_check else ""
    if citation.kind is SourceKind.PRACTICE:
        check = _piece("practice_check")
    return _piece("console", ref=citation.ref, shown=cite_text([citation]), file=file,
                  check=check)
