"""Every data file, built and validated once, with the checks that span files.

:func:`load_catalog` is the one place that reads ``data/``: the case folders, the rule book
with its sources and holidays, the statutory answers, the understanding vocabularies, the
drafts, the locale's words, the channel texts and the mixed-language table. It checks the
references between them (a statutory topic's time limit, a lexicon event's rule-book
events, a timeline phrase for every lexicon event). A broken file raises at start-up,
naming the file and the entry, instead of failing on the first user's turn.

The catalog is immutable and passed in: the action server and the channels build one at
start-up (through their factories) and hand its parts to the plain functions of ``bot/``;
``make validate`` builds one to check the files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.advice import Advice, load_advice
from bot.datafiles import DATA_DIR, DataFileError
from bot.drafting import DraftCatalog, check_lexicon_events, load_drafts
from bot.drafting.style import StyleData, load_style_data
from bot.guard_texts import GuardTexts, load_channel_texts
from bot.holidays import load_holidays
from bot.knowledge import Knowledge, load_knowledge
from bot.locale import load_locale
from bot.mixed_language import MixedLanguage, load_mixed_language
from bot.reminders.texts import ReminderTexts, load_reminder_texts
from bot.rulebook import CaseFolder, RuleBook, load_case_folders, load_rulebook
from bot.sources import Sources, load_sources
from bot.statutes import Answers, check_limits, load_statutes
from bot.understanding.acts import ActData, load_acts
from bot.understanding.clause_kinds import ClauseData, load_clause_data
from bot.understanding.lexicon import Lexicon, LexiconError, load_lexicon
from bot.understanding.questions import Questions, load_questions
from bot.understanding.roles import RoleData, load_role_data
from bot.understanding.safety_reader import SafetyData, check_flags, load_safety_data
from bot.understanding.state import SINGLE_FACTS
from bot.understanding.story import StoryWords, load_story_words
from bot.understanding.sums import SumData, load_sum_data
from bot.uploads.reading import ReadingRules, load_reading_rules
from bot.wording import Wording


@dataclass(frozen=True, eq=False)
class Catalog:
    """The validated data of one process (built by :func:`load_catalog`)."""

    data_dir: Path
    cases: MappingProxyType[str, CaseFolder]
    sources: Sources
    rulebook: RuleBook
    statutes: Answers
    lexicon: Lexicon
    questions: Questions
    drafts: DraftCatalog
    wording: Wording
    channel_texts: GuardTexts
    reminder_texts: ReminderTexts
    mixed_language: MixedLanguage
    knowledge: Knowledge
    acts: ActData
    roles: RoleData
    clauses: ClauseData
    sums: SumData
    styles: StyleData
    safety: SafetyData
    story: StoryWords
    advice: tuple[Advice, ...]
    uploads: ReadingRules

    @property
    def locale(self) -> Any:
        """The locale's texts (read-only)."""
        return self.wording.locale


def _check_rulebook_events(lexicon: Lexicon, book: RuleBook, path: Path) -> None:
    known = set(book.events())
    for event in lexicon.events.values():
        unknown = [linked for linked in event.rulebook if linked not in known]
        if unknown:
            raise LexiconError(path, f"events.{event.id}.rulebook",
                               f"unknown rule-book event {unknown[0]!r} (not in events.yml)")


def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Read and cross-check every data file under ``data_dir``."""
    data_dir = Path(data_dir)
    cases = load_case_folders(data_dir / "cases")
    sources = load_sources(data_dir / "law")
    book = load_rulebook(data_dir / "rulebook", cases=cases, sources=sources,
                         holidays=load_holidays(data_dir / "calendar" / "holidays.yml"))
    questions = load_questions(data_dir / "understanding" / "questions.yml")
    statutes = load_statutes(data_dir / "law" / "answers.yml", sources,
                             questions.question_words)
    check_limits(statutes.topics, book.shared_limits(), data_dir / "law" / "answers.yml")
    lexicon_path = data_dir / "understanding" / "lexicon.yml"
    mixed = load_mixed_language(data_dir / "normalization" / "mixed_language.yml")
    lexicon = dataclasses.replace(load_lexicon(lexicon_path), english=mixed)
    _check_rulebook_events(lexicon, book, lexicon_path)
    drafts = load_drafts(data_dir / "drafts", cases)
    missing = check_lexicon_events(drafts, set(lexicon.events))
    if missing:
        raise DataFileError(data_dir / "drafts" / "config.yml", "event_phrases", missing[0])
    locale = MappingProxyType(load_locale(data_dir / "locale" / "zh.yml"))
    wording = Wording(locale, {case_id: folder.label for case_id, folder in cases.items()})
    topics = locale.get("questions", {}).get("topic", {})
    for kind in questions.kinds:
        if kind.id not in topics:
            raise DataFileError(data_dir / "locale" / "zh.yml", f"questions.topic.{kind.id}",
                                "every rule-question kind needs its topic label")
    safety = load_safety_data(data_dir / "understanding")
    check_flags(safety, set(book.safety_flag_ids()),
                data_dir / "understanding" / "safety_model.yml")
    return Catalog(
        data_dir=data_dir, cases=MappingProxyType(cases), sources=sources, rulebook=book,
        statutes=statutes, lexicon=lexicon, questions=questions, drafts=drafts,
        wording=wording,
        channel_texts=load_channel_texts(data_dir / "channels" / "guards.yml"),
        reminder_texts=load_reminder_texts(data_dir / "channels" / "reminders.yml"),
        mixed_language=mixed,
        knowledge=load_knowledge(data_dir / "knowledge", sources, book.case_types(),
                                 {limit.id for entry in book.entries()
                                  for limit in entry.time_limits}),
        acts=load_acts(data_dir / "understanding"),
        roles=load_role_data(data_dir / "understanding"),
        clauses=load_clause_data(data_dir / "understanding"),
        sums=load_sum_data(data_dir / "understanding"),
        styles=load_style_data(data_dir / "drafts"),
        safety=safety,
        story=load_story_words(data_dir / "understanding" / "story.yml"),
        advice=load_advice(data_dir / "knowledge" / "advice.yml", sources, book.case_types(),
                           lexicon.events, SINGLE_FACTS),
        uploads=load_reading_rules(data_dir))
