"""Every data file, built and validated once, with the checks that span files.

:func:`load_catalog` reads the rule book with its sources, the statutory answers, the
understanding vocabularies, the drafts, the locale, the channel texts, the holiday data
and the mixed-language table, and checks the references between them (a statutory topic's
time limit, a lexicon event's rule-book events, a timeline phrase for every lexicon
event). A broken file raises at start-up, naming the file and the entry, instead of
failing on the first user's turn. The action server calls it before it serves; so does
``make validate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.texts import load_channel_texts
from bot.datafiles import DataFileError, data_path
from bot.drafting import DraftCatalog, check_lexicon_events, load_drafts
from bot.holidays import HolidayData, load_holidays
from bot.locale import load_locale
from bot.mixed_language import MixedLanguage, load_mixed_language
from bot.rulebook import RuleBook, load_rulebook
from bot.sources import Sources, load_sources
from bot.statutes import StatuteTopic, check_limits, load_statutes
from bot.understanding.lexicon import Lexicon, LexiconError, load_lexicon
from bot.understanding.questions import Questions, load_questions


@dataclass(frozen=True)
class Catalog:
    """The validated data of one process."""

    sources: Sources
    rulebook: RuleBook
    statutes: tuple[StatuteTopic, ...]
    lexicon: Lexicon
    questions: Questions
    drafts: DraftCatalog
    locale: dict[str, Any]
    holidays: HolidayData
    mixed_language: MixedLanguage


def _check_lexicon_events(lexicon: Lexicon, book: RuleBook) -> None:
    known = set(book.events())
    for event in lexicon.events.values():
        unknown = [linked for linked in event.rulebook if linked not in known]
        if unknown:
            raise LexiconError(data_path("understanding", "lexicon.yml"),
                               f"events.{event.id}.rulebook",
                               f"unknown rule-book event {unknown[0]!r} (not in events.yml)")


def load_catalog() -> Catalog:
    """Load and cross-check every data file (each loader caches, so this is cheap later)."""
    sources = load_sources()
    book = load_rulebook(sources=sources)
    statutes = load_statutes()
    check_limits(statutes, book.shared_limits())
    lexicon = load_lexicon()
    _check_lexicon_events(lexicon, book)
    drafts = load_drafts()
    missing = check_lexicon_events(drafts, set(lexicon.events))
    if missing:
        raise DataFileError(data_path("drafts", "config.yml"), "event_phrases", missing[0])
    load_channel_texts()
    return Catalog(sources=sources, rulebook=book, statutes=statutes, lexicon=lexicon,
                   questions=load_questions(), drafts=drafts, locale=load_locale(),
                   holidays=load_holidays(), mixed_language=load_mixed_language())
