"""In-scope questions answered from the rule book: can I do X now, penalties, what happens
without a response, compensation, is this a crime (``data/understanding/questions.yml``).

Plain functions: :func:`question_kind` reads a message, :func:`answer_lines` finds the
answer in the open case's rule-book entry. Nothing here invents a rule: a question the
rule book has nothing for gets ``None`` and the caller says so honestly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.chinese_forms import normalize
from bot.datafiles import data_path
from bot.guidance import DeadlineItem, Guidance
from bot.rulebook import CaseEntry, RuleBook
from bot.vocabulary import LexiconError, read_vocabulary, word_list
from bot.wording import Wording

DEFAULT_QUESTIONS = data_path("understanding", "questions.yml")
ANSWERS = ("opens", "passages", "crime")


@dataclass(frozen=True)
class QuestionKind:
    """One kind of question: how it is answered and the words that ask it."""

    id: str
    answer: str
    cues: tuple[str, ...]
    answer_words: tuple[str, ...]
    flags: tuple[str, ...] = ()  # crime: the safety flags that answer, in order
    case_flags: dict[str, str] | None = None  # crime: the flag for a case type
    default_flag: str | None = None  # crime: the flag when nothing else decides


@dataclass(frozen=True)
class Questions:
    """The question vocabulary."""

    question_words: tuple[str, ...]
    kinds: tuple[QuestionKind, ...]
    next_step_words: tuple[str, ...] = ()  # "现在怎么办": the case's current step answers


def _words(path: Path, entry: str, value: Any, required: bool = True) -> tuple[str, ...]:
    return () if value is None and not required else word_list(path, entry, value)


def parse_questions(data: Any, path: Path) -> Questions:
    """Validate the parsed YAML of a questions file."""
    if not isinstance(data, dict) or set(data) - {"next_step_words"} != {"question_words",
                                                                         "kinds"}:
        raise LexiconError(path, "(top level)", "must have exactly question_words, kinds "
                           "and (optionally) next_step_words")
    if not isinstance(data["kinds"], dict) or not data["kinds"]:
        raise LexiconError(path, "kinds", "must map question kinds to their words")
    kinds = []
    for kind_id, spec in data["kinds"].items():
        where = f"kinds.{kind_id}"
        if not isinstance(spec, dict) or spec.get("answer") not in ANSWERS:
            raise LexiconError(path, f"{where}.answer", f"must be one of {', '.join(ANSWERS)}")
        extra = set(spec) - {"answer", "cues", "answer_words", "flags", "case_flags",
                             "default_flag"}
        if extra:
            raise LexiconError(path, where, f"unexpected key(s): {', '.join(sorted(extra))}")
        needs_words = spec["answer"] == "passages"
        crime = spec["answer"] == "crime"
        if crime and not (spec.get("flags") and spec.get("default_flag")
                          and isinstance(spec.get("case_flags", {}), dict)):
            raise LexiconError(path, where, "a crime question needs flags, default_flag and "
                               "case_flags (case type -> safety flag)")
        kinds.append(QuestionKind(
            flags=tuple(spec.get("flags") or ()), case_flags=dict(spec.get("case_flags") or {}),
            default_flag=spec.get("default_flag"),
            id=str(kind_id), answer=spec["answer"],
            cues=_words(path, f"{where}.cues", spec.get("cues")),
            answer_words=_words(path, f"{where}.answer_words", spec.get("answer_words"),
                                required=needs_words)))
    return Questions(_words(path, "question_words", data["question_words"]), tuple(kinds),
                     _words(path, "next_step_words", data.get("next_step_words"),
                            required=False))


def asks_next_step(message: str, questions: Questions) -> bool:
    """Whether a message asks what to do now ("现在怎么办？")."""
    norm = normalize(message)
    return any(word in norm for word in questions.next_step_words)


def load_questions(path: Path = DEFAULT_QUESTIONS) -> Questions:
    """Read and validate a questions file."""
    path = Path(path)
    return parse_questions(read_vocabulary(path), path)


def question_kind(message: str, questions: Questions) -> QuestionKind | None:
    """The kind of rule question a message asks (None when it asks none of them)."""
    norm = normalize(message)
    asks = any(word in norm for word in questions.question_words)
    for kind in questions.kinds:
        cue = next((c for c in kind.cues if c in norm), None)
        if cue is not None and (asks or any(w in cue for w in questions.question_words)):
            return kind
    return None


@dataclass(frozen=True)
class Answer:
    """The lines that answer a question, each with its source; ``specific``: they rest on
    the case's own dates or on a safety rule, not only on general passages."""

    lines: tuple[str, ...]
    specific: bool = True


def _asked_deadlines(result: Guidance, kind: QuestionKind, message: str) -> list[DeadlineItem]:
    """The case's deadlines for what the message asks it can still do ("还能申请售后吗":
    the limits whose outcome names 售后 too)."""
    norm = normalize(message)
    asked = [word for word in kind.answer_words if word in norm]
    return [item for item in result.deadlines if item.kind == "deadline"
            and any(word in item.outcome for word in asked)]


def _opens(words: Wording, result: Guidance, today: dt.date, kind: QuestionKind,
           message: str) -> Answer | None:
    labels = words.entry("questions")
    lines = []
    undated_said = False  # "it depends on the date" is said once, on the first such line
    deadlines = _asked_deadlines(result, kind, message)
    for item in [*deadlines, *(item for item in result.deadlines if item.kind == "opens")]:
        line = words.format_deadline(item, today)
        if item.due is None:
            prefix = "" if undated_said else labels["open_undated"]
            undated_said = True
        elif item.kind == "deadline":
            prefix = labels["deadline_passed"] if item.passed else labels["deadline_open"]
        elif item.reached:
            prefix = labels["open_now"]
        else:
            prefix = labels["open_later"]
        lines.append(prefix + line)
    dated = any(item.due is not None for item in [*deadlines, *result.deadlines])
    return Answer(tuple(lines), specific=dated) if lines else None


def _passages(words: Wording, book: RuleBook, entry: CaseEntry, kind: QuestionKind
              ) -> Answer | None:
    entry_sources = entry.sources
    found: list[str] = []

    def keep(passage: str, source: str | list[str]) -> None:
        if any(word in passage for word in kind.answer_words):
            line = passage + words.source_tag(book.cite(source))
            if line not in found:
                found.append(line)

    for note in entry.notes:
        keep(note.text, note.source)
    for step in entry.first_steps:
        keep(step, entry_sources)
    for limit in entry.time_limits:
        tail = words.piece("questions", "passage_note", note=limit.note) if limit.note else ""
        keep(limit.outcome + tail, limit.source or "")
    return Answer(tuple(found), specific=False) if found else None


def _crime(words: Wording, kind: QuestionKind, book: RuleBook, case_type: str | None,
           flags_told: tuple[str, ...]) -> Answer:
    flag_id = next((flag for flag in kind.flags if flag in flags_told), None)
    flag_id = flag_id or (kind.case_flags or {}).get(case_type or "") or kind.default_flag
    assert flag_id is not None  # a crime question has a default_flag (checked when loaded)
    flag = book.safety_flag(flag_id)
    source = words.source_tag(book.cite(flag.source))
    return Answer((flag.message + source, str(words.entry("questions", "crime_hedge"))))


def answer_lines(words: Wording, kind: QuestionKind, book: RuleBook, entry: CaseEntry | None,
                 result: Guidance | None, today: dt.date, flags_told: tuple[str, ...],
                 message: str = "") -> Answer | None:
    """The rule book's answer to ``kind`` for the open case (None: it has nothing);
    ``message``: the question itself (which deadlines a "can I still" question is about)."""
    if kind.answer == "crime":
        return _crime(words, kind, book, entry.case_type if entry else None, flags_told)
    if entry is None:
        return None
    if kind.answer == "opens":
        return None if result is None else _opens(words, result, today, kind, message)
    return _passages(words, book, entry, kind)
