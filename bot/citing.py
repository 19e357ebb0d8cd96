"""Citations as users read them: the law's name and article, a platform rule with its
revision date, or "according to a 2022 article". Every word comes from the ``citation``
section of the locale; the citations themselves come resolved from the rule book
(:meth:`bot.rulebook.RuleBook.cite`), the one place a source reference is resolved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.sources import Citation, SourceKind


def rests_on_practice(citations: Iterable[Citation]) -> bool:
    """Whether any citation is a 2022 practice article."""
    return any(c.kind is SourceKind.PRACTICE for c in citations)


class Citing:
    """The citation phrases of one locale."""

    def __init__(self, locale: Mapping[str, Any]) -> None:
        self._citation: Mapping[str, Any] = locale["citation"]

    def _piece(self, key: str, **values: object) -> str:
        return str(self._citation[key]).format(**values)

    def _documents(self, citations: Iterable[Citation]) -> list[str]:
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
            articles = self._piece("article_separator").join(numbers)
            if document.kind is SourceKind.PLATFORM_RULE and document.revised is not None:
                phrases.append(self._piece(
                    "platform_rule", name=document.name, articles=articles,
                    year=document.revised.year, month=document.revised.month))
            else:
                phrases.append(self._piece("document", name=document.name, articles=articles))
        return phrases

    def cite_text(self, citations: Sequence[Citation]) -> str:
        """What the citations say, without the tag brackets ("" for none)."""
        parts = []
        documents = self._documents(citations)
        if documents:
            parts.append(self._piece(
                "law", documents=self._piece("document_separator").join(documents)))
        years = sorted({c.year for c in citations if c.kind is SourceKind.PRACTICE and c.year})
        parts += [self._piece("practice", year=year) for year in years]
        return self._piece("separator").join(parts)

    def source_tag(self, citations: Sequence[Citation]) -> str:
        """The bracketed tag a line ends with ("" for none)."""
        said = self.cite_text(citations)
        return self._piece("tag", items=said) if said else ""

    def practice_hedge(self) -> str:
        """The one line under an answer that rests on the 2022 articles."""
        return self._piece("practice_hedge")

    def console_line(self, citation: Citation) -> str:
        """One line for the agents' console: reference, what users see, the file behind it."""
        document = citation.document
        file = document.reference if document is not None else self._piece("practice_file")
        check = self._piece("needs_check") if citation.needs_check else ""
        if citation.kind is SourceKind.PRACTICE:
            check = self._piece("practice_check")
        return self._piece("console", ref=citation.ref, shown=self.cite_text([citation]),
                           file=file, check=check)
