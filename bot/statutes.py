"""Statutory questions (when do the seven days start, what does 12315 do, what compensation
does the law give) and their answers, from ``data/law/answers.yml``.

:func:`statute_topic` reads a message; :func:`statute_answer` gives the topic's lines, each
with the citations of its sources, plus a calendar date when the conversation gave the
date the topic's time limit counts from. Nothing here invents a rule: every line is data,
and every source is resolved against ``data/law/sources.yml`` when the file is loaded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.chinese_forms import normalize
from bot.datafiles import data_path
from bot.guidance import DeadlineItem, limit_item
from bot.rulebook import RuleBook, TimeLimit
from bot.sources import Citation, SourceError, Sources
from bot.understanding.intents import intent_registry
from bot.vocabulary import LexiconError, read_vocabulary, word_list

DEFAULT_ANSWERS = data_path("law", "answers.yml")


@dataclass(frozen=True)
class StatuteLine:
    """One sentence of an answer and what it rests on."""

    text: str
    citations: tuple[Citation, ...]
    always: bool = False  # shown even when the topic shows only the lines a message names


@dataclass(frozen=True)
class PriceRule:
    """Compensation of ``times`` the price, at least ``at_least`` yuan (its source cited)."""

    times: int
    at_least: int
    citations: tuple[Citation, ...]

    def amount_for(self, price: float) -> float:
        """The compensation this rule gives for ``price``."""
        return max(price * self.times, self.at_least)


@dataclass(frozen=True)
class StatuteTopic:
    """A statutory question: the word groups that ask it and its answer."""

    id: str
    title: str
    cues: tuple[tuple[str, ...], ...]
    lines: tuple[StatuteLine, ...]
    hedge: str
    limit: str | None = None
    pick: bool = False  # a new question shows the lines it names (and the ``always`` ones)
    price_rule: PriceRule | None = None  # compensation as a multiple of the price

    def asked_by(self, norm: str) -> bool:
        """Whether a normalized, lower-cased message holds a word of every group."""
        return all(any(word in norm for word in group) for group in self.cues)


@dataclass(frozen=True)
class StatuteAnswer:
    """What the reply says: the topic's lines (all of them, or those a follow-up is about),
    the dated limit if any, the hedge."""

    topic: StatuteTopic
    lines: tuple[StatuteLine, ...]
    dated: DeadlineItem | None
    hedge: str
    follow_up: bool = False
    price: float | None = None  # the price the topic's price rule is applied to


# Intents a follow-up question about the law may come with (None: no NLU result); a
# message read as a case, a draft or another request is left to its own action.
# A follow-up this short may share a single two-character word with the line it is about.
SHORT_FOLLOW_UP = 16


def _topic(path: Path, topic_id: str, spec: Any, sources: Sources) -> StatuteTopic:
    where = f"topics.{topic_id}"
    if not isinstance(spec, dict) or set(spec) - {"title", "cues", "lines", "hedge", "limit",
                                                   "pick", "price_rule"}:
        raise LexiconError(path, where, "must have title, cues, lines, hedge and optionally "
                           "limit")
    title = str(spec.get("title") or "").strip()
    if not title:
        raise LexiconError(path, f"{where}.title", "is required")
    groups = spec.get("cues")
    if not isinstance(groups, list) or not groups:
        raise LexiconError(path, f"{where}.cues", "must be a non-empty list of word groups")
    cues = tuple(tuple(word.lower() for word in word_list(path, f"{where}.cues[{i}]", group))
                 for i, group in enumerate(groups))
    raw_lines = spec.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise LexiconError(path, f"{where}.lines", "must be a non-empty list")
    lines = []
    for index, line in enumerate(raw_lines):
        at = f"{where}.lines[{index}]"
        if not isinstance(line, dict) or not str(line.get("text") or "").strip():
            raise LexiconError(path, at, "needs a text and its source")
        try:
            citations = sources.resolve_all(line.get("source"), at)
        except SourceError as exc:
            raise LexiconError(path, at, f"{exc.problem}: {exc.entry}") from None
        lines.append(StatuteLine(str(line["text"]).strip(), citations,
                                 bool(line.get("always"))))
    hedge = str(spec.get("hedge") or "").strip()
    if not hedge:
        raise LexiconError(path, f"{where}.hedge", "every answer needs its one-line hedge")
    limit = spec.get("limit")
    return StatuteTopic(str(topic_id), title, cues, tuple(lines), hedge,
                        None if limit is None else str(limit), bool(spec.get("pick")),
                        _price_rule(path, where, spec.get("price_rule"), sources))


def _price_rule(path: Path, where: str, spec: Any, sources: Sources) -> PriceRule | None:
    if spec is None:
        return None
    at = f"{where}.price_rule"
    if not isinstance(spec, dict) or set(spec) != {"times", "at_least", "source"} or not all(
            isinstance(spec[key], int) and spec[key] > 0 for key in ("times", "at_least")):
        raise LexiconError(path, at, "needs times and at_least (positive numbers) and source")
    try:
        citations = sources.resolve_all(spec["source"], at)
    except SourceError as exc:
        raise LexiconError(path, at, f"{exc.problem}: {exc.entry}") from None
    return PriceRule(spec["times"], spec["at_least"], citations)


def parse_statutes(data: Any, path: Path, sources: Sources) -> tuple[StatuteTopic, ...]:
    """Validate the parsed answers file; the topics in file order."""
    return parse_answers(data, path, sources).topics


@dataclass(frozen=True, eq=False)
class Answers:
    """The answers file: topics in file order, the words that mark a question about law,
    and the words that make a message a question (the file's own and the rule questions'
    of ``data/understanding/questions.yml``)."""

    topics: tuple[StatuteTopic, ...]
    law_words: tuple[str, ...]
    question_words: tuple[str, ...]


def parse_answers(data: Any, path: Path, sources: Sources,
                  question_words: tuple[str, ...] = ()) -> Answers:
    """Validate the parsed answers file; ``question_words``: the rule questions' own."""
    keys = {"topics", "law_words", "question_words"}
    if not isinstance(data, dict) or set(data) != keys or not isinstance(
            data["topics"], dict) or not data["topics"]:
        raise LexiconError(path, "(top level)", "must have exactly question_words, law_words "
                           "and a non-empty topics mapping")
    topics = tuple(_topic(path, str(topic_id), spec, sources)
                   for topic_id, spec in data["topics"].items())
    own = tuple(w.lower() for w in word_list(path, "question_words", data["question_words"]))
    return Answers(topics,
                   tuple(w.lower() for w in word_list(path, "law_words", data["law_words"])),
                   tuple(dict.fromkeys((*question_words, *own))))


def load_statutes(path: Path, sources: Sources, question_words: tuple[str, ...] = ()
                  ) -> Answers:
    """Read and validate the statutory answers; ``question_words``: the rule questions'."""
    path = Path(path)
    return parse_answers(read_vocabulary(path), path, sources, question_words)


def asks_about_law(message: str, answers: Answers) -> bool:
    """Whether a message is a question that mentions the law (``law_words``)."""
    norm = normalize(message).lower()
    return (any(word in norm for word in answers.question_words)
            and any(word in norm for word in answers.law_words))


def check_limits(topics: tuple[StatuteTopic, ...], limits: Mapping[str, TimeLimit],
                 path: Path = DEFAULT_ANSWERS) -> None:
    """Every topic's ``limit`` names a shared time limit of the rule book."""
    for topic in topics:
        if topic.limit is not None and topic.limit not in limits:
            raise LexiconError(path, f"topics.{topic.id}.limit",
                               f"unknown shared time limit {topic.limit!r}")


def statute_topic(message: str, answers: Answers) -> StatuteTopic | None:
    """The statutory question a message asks (None when it asks none)."""
    norm = normalize(message).lower()
    if not any(word in norm for word in answers.question_words):
        return None
    return next((topic for topic in answers.topics if topic.asked_by(norm)), None)


def _dated(topic: StatuteTopic, book: RuleBook, event_dates: Mapping[str, dt.date],
           today: dt.date) -> DeadlineItem | None:
    limit: TimeLimit | None = book.shared_limit(topic.limit) if topic.limit else None
    if limit is None or limit.counts_from not in event_dates:
        return None
    return limit_item(limit, event_dates[limit.counts_from], today, book)


def statute_answer(topic: StatuteTopic, book: RuleBook, event_dates: Mapping[str, dt.date],
                   today: dt.date) -> StatuteAnswer:
    """The answer to ``topic``; dated when ``event_dates`` has its limit's start event."""
    return StatuteAnswer(topic, topic.lines, _dated(topic, book, event_dates, today),
                         topic.hedge)


@dataclass(frozen=True)
class LawTurn:
    """What the reply to a message about the law needs from the conversation."""

    message: str
    earlier: tuple[str, ...]  # the user messages before it, newest first (two are enough)
    intent: str | None
    event_dates: Mapping[str, dt.date]  # every dated rule-book event of the conversation
    dated_now: Mapping[str, dt.date]  # those the latest message gave
    today: dt.date
    price: float | None = None  # the order amount the conversation gave
    price_now: bool = False  # ... in the latest message


def law_reply(turn: LawTurn, book: RuleBook, answers: Answers) -> StatuteAnswer | None:
    """The reply to a question about the law, or None when the message asks none.

    A new topic gets its whole answer. A question right after one on the same topic (a
    follow-up, or the same question again) gets only the lines it is about, and the
    topic's date when the message gave the date it counts from; nothing is said twice.
    """
    question_words = answers.question_words
    topic = statute_topic(turn.message, answers)
    earlier = (statute_topic(text, answers) for text in turn.earlier)
    previous = next((found for found in earlier if found is not None), None)
    if topic is not None and topic != previous:
        answer = statute_answer(topic, book, turn.event_dates, turn.today)
        if topic.price_rule is not None and turn.price:
            answer = dataclasses.replace(answer, price=turn.price)
        if topic.pick:
            named = follow_up_lines(turn.message, topic, question_words,
                                    most=len(topic.lines), least_shared=1)
            if any(line in named for line in topic.lines if not line.always):
                picked = tuple(line for line in topic.lines if line in named or line.always)
                answer = dataclasses.replace(answer, lines=picked)
        return answer
    if previous is None or (topic is None and turn.intent is not None and turn.intent
                            not in intent_registry().members("follow_up")):
        return None
    short = len(turn.message) <= SHORT_FOLLOW_UP
    lines = follow_up_lines(turn.message, previous, question_words,
                            least_shared=1 if topic is not None or short else 2)
    if topic is not None and not lines:
        lines = previous.lines[:1]
    dated = _dated(previous, book, turn.dated_now, turn.today)
    price = turn.price if previous.price_rule is not None and turn.price_now else None
    if not lines and dated is None and price is None:
        return None
    return StatuteAnswer(previous, lines, dated, previous.hedge, follow_up=True, price=price)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)
            if all("\u4e00" <= ch <= "\u9fff" or ch.isdigit() for ch in text[i:i + 2])}


def follow_up_lines(message: str, topic: StatuteTopic, question_words: tuple[str, ...],
                    most: int = 2, least_shared: int = 2) -> tuple[StatuteLine, ...]:
    """The lines of the topic asked just before that a follow-up question is about: those
    sharing at least ``least_shared`` two-character words with it, best first (empty when
    the message is no question or shares too little); ``question_words``: the answers'."""
    norm = normalize(message).lower()
    if not any(word in norm for word in question_words):
        return ()
    asked = _bigrams(norm)
    scored = [(len(asked & _bigrams(normalize(line.text))), index, line)
              for index, line in enumerate(topic.lines)]
    best = sorted((s for s in scored if s[0] >= least_shared), key=lambda s: (-s[0], s[1]))
    return tuple(line for _score, _index, line in best[:most])


@lru_cache(maxsize=4096)
def asks_statute(message: str, answers: Answers) -> bool:
    """Whether a message is a statutory question (it then opens or switches no case)."""
    return statute_topic(message, answers) is not None
