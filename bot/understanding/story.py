"""The story a user told in chat, as written prose: every fact once, in time order.

A draft or a case file states what happened in the user's own words, not in the words of
chat. :func:`tell` reads the turns of the case's matter clause by clause; a clause is kept
when the clause model reads it as a fact (questions, feelings, requests and fillers are
not); fillers, emoji and final particles are dropped; every date is written as a date (a
relative one, "昨天", resolved at the turn's time; a corrected one as corrected, and a
corrected amount too); the other side's words are quoted under their speaker ("我跟卖家说"
is the user's own); a clause that only labels a fact the draft states elsewhere (the order
number, the amount) or repeats an earlier one is left out. Clauses of one turn make one
sentence; sentences are ordered by the first date they tell (an undated one follows the
sentence before it). The words live in ``data/understanding/story.yml``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.chinese_forms import normalize
from bot.datafiles import DataFileError, read_yaml
from bot.dates import SHANGHAI, find_date_spans, resolve_date
from bot.understanding.chat_paste import as_said
from bot.understanding.clauses import clauses
from bot.understanding.extract import lacks_evidence
from bot.understanding.lexicon import Lexicon
from bot.understanding.state import CaseState, Turn, read_turn
from bot.understanding.uploads import confirmed_upload_turns

EMOJI = re.compile("[\u2600-\u27bf\ufe0f\u200d\U0001f000-\U0001faff]")
NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]")
CJK = re.compile(r"[\u4e00-\u9fff]")
DIGITS = re.compile(r"[0-9a-zA-Z.]+")
WRITTEN_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
VALUE_START = re.compile(r"[0-9零一二两三四五六七八九十]")  # a number or a date begins
QUOTES = (("\u201c", "\u201d"), ("\u300c", "\u300d"), ('"', '"'))
SAME_LINE = 0.75  # character-pair overlap past which a clause repeats one already told
CORRECTED_REST = 4  # words beside the right value in a clause that only restates it
LEAD_IN = 4  # words between a said-cue and its quote marks ("回了一句“…”")
LOOSE_END = " ,，:：、"
# A space next to a Chinese character ends a thought in chat typed without punctuation
# ("在吗 我11月3号买了件羽绒服 花了459"); spaces between English words do not.
SPACE_BREAK = re.compile(r"(?<=[\u4e00-\u9fff0-9])\s+|(?<!\s)\s+(?=[\u4e00-\u9fff])")


class StoryWordsError(DataFileError):
    """``story.yml`` cannot be used."""


@dataclass(frozen=True)
class StoryWords:
    """The words that turn chat into prose (``data/understanding/story.yml``)."""

    fillers: tuple[str, ...]
    loose_fillers: tuple[str, ...]
    particles: tuple[str, ...]
    spoken_to: tuple[str, ...]
    subjects: tuple[str, ...]
    label_words: tuple[str, ...]
    wrong_value: tuple[str, ...]
    reported: tuple[str, ...]
    corrections: tuple[str, ...]
    quote_format: str
    quoted_format: str
    date_format: str
    duration_format: str
    duration_ends: str


def load_story_words(path: Path) -> StoryWords:
    """Read and validate ``story.yml``."""
    raw = read_yaml(path, StoryWordsError)
    if not isinstance(raw, dict):
        raise StoryWordsError(path, "(file)", "a mapping")
    lists = {}
    for name in ("fillers", "loose_fillers", "particles", "spoken_to", "subjects",
                 "label_words", "wrong_value", "reported", "corrections"):
        value = raw.get(name)
        if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
            raise StoryWordsError(path, name, "a list of words")
        lists[name] = tuple(sorted(value, key=len, reverse=True))
    for name, fields in (("quote_format", ("{cue}", "{words}")),
                         ("quoted_format", ("{cue}", "{words}")),
                         ("date_format", ("{year}", "{month}", "{day}"))):
        if not isinstance(raw.get(name), str) or not all(f in raw[name] for f in fields):
            raise StoryWordsError(path, name, f"a format with {', '.join(fields)}")
    for name, fields in (("duration_format", ("{words}", "{date}")),):
        if not isinstance(raw.get(name), str) or not all(f in raw[name] for f in fields):
            raise StoryWordsError(path, name, f"a format with {', '.join(fields)}")
    if not isinstance(raw.get("duration_ends"), str) or not raw["duration_ends"]:
        raise StoryWordsError(path, "duration_ends", "the characters that end a duration")
    return StoryWords(**lists, quote_format=raw["quote_format"],
                      quoted_format=raw["quoted_format"], date_format=raw["date_format"],
                      duration_format=raw["duration_format"],
                      duration_ends=raw["duration_ends"])


@dataclass(frozen=True)
class StoryLine:
    """One sentence of the story: the turn it was told in, its text, its first date."""

    turn: int
    text: str
    day: dt.date | None


def unquoted(text: str) -> str:
    """The clause without quote marks it does not close (a quote the user typed across a
    comma is cut in two: neither half keeps a lone mark)."""
    for opening, closing in QUOTES:
        if opening == closing:
            if text.count(opening) % 2:
                text = text.replace(opening, "")
        elif text.count(opening) != text.count(closing):
            text = text.replace(opening, "").replace(closing, "")
    return text


def without_quotes(text: str) -> str:
    """The text without any quote mark (to compare words quoted one way and another)."""
    for opening, closing in QUOTES:
        text = text.replace(opening, "").replace(closing, "")
    return text


def _strip(text: str, words: StoryWords) -> str:
    """The clause without emoji, opening fillers, closing particles and lone quote marks."""
    text = unquoted(EMOJI.sub("", text)).strip(LOOSE_END)
    changed = True
    while changed and text:
        changed = False
        for filler in words.fillers:
            if text.startswith(filler):
                text, changed = text[len(filler):].lstrip(LOOSE_END), True
                break
        for filler in words.loose_fillers:
            rest = text[len(filler):]
            if text.startswith(filler) and (not rest or rest[0] in LOOSE_END):
                text, changed = rest.lstrip(LOOSE_END), True
                break
    changed = True
    while changed and len(text) > 2:
        changed = False
        for particle in words.particles:
            if text.endswith(particle) and len(text) > len(particle) + 1:
                text, changed = text[:-len(particle)].rstrip(LOOSE_END), True
                break
    return text.strip(LOOSE_END)


def _date_text(day: dt.date, words: StoryWords) -> str:
    return words.date_format.format(year=day.year, month=day.month, day=day.day)


def _dates(text: str, turn: Turn, number: int, state: CaseState, lexicon: Lexicon,
           words: StoryWords, correcting: frozenset[int] = frozenset()
           ) -> tuple[str, dt.date | None]:
    """The clause with every date written as a date (one a later turn of ``correcting``
    corrected, as corrected; a later date of the same event told without a correction is
    another date, kept as told), and the first date it tells."""
    now = turn.time if turn.time.tzinfo else turn.time.replace(tzinfo=SHANGHAI)
    bound = {found.day: found.event for found in read_turn(turn, lexicon).dates}
    first: dt.date | None = None
    for start, end in reversed(find_date_spans(text)):
        day = resolve_date(text[start:end], now).value
        if day is None:
            continue
        event = bound.get(day)
        kept = state.events.get(event) if event else None
        if kept is not None and kept.turn > number and kept.value != day \
                and kept.turn in correcting:
            day = kept.value  # corrected later
        said = text[start:end]
        written = (words.duration_format.format(words=said, date=_date_text(day, words))
                   if said.endswith(words.duration_ends) else _date_text(day, words))
        text = text[:start] + written + text[end:]
        first = day
    return text, first


def _amounts(text: str, turn: Turn, number: int, state: CaseState, lexicon: Lexicon) -> str:
    """A sum the user corrected later, written as corrected."""
    said = read_turn(turn, lexicon)
    for name in ("amount", "demand_amount"):
        told, kept = getattr(said, name), state.facts.get(name)
        if told and kept is not None and kept.turn > number and str(kept.value) != str(told):
            text = re.sub(rf"(?<![\d.]){re.escape(str(told))}(?![\d.])", str(kept.value), text)
    return text


def _only_labels(text: str, words: StoryWords) -> bool:
    """Whether the clause is nothing but numbers, dates and the words that label them
    ("订单号4817…", "89元", "是11月13日": the order lines and the timeline tell them)."""
    rest = DIGITS.sub("", WRITTEN_DATE.sub("", text))
    for word in words.label_words:
        rest = rest.replace(word, "")
    return not CJK.search(rest)


def from_quote_marks(said: str) -> str:
    """The words after a said-cue from their quote marks on, when a few words stand before
    them ("了一句“洗标印错了”" is “洗标印错了”)."""
    opening = min((said.find(mark) for mark, _ in QUOTES if 0 <= said.find(mark) <= LEAD_IN),
                  default=-1)
    return said[opening:] if opening > 0 else said


def _closed_quote(said: str) -> bool:
    """Whether the words said open with a quote mark and close it."""
    return any(said.startswith(opening) and closing in said[1:]
               for opening, closing in QUOTES if opening != closing)


def _quotes_whole(pieces: list[str]) -> list[str]:
    """The clause pieces with a quotation kept in one piece ("卖家回了一句“洗标印错了，衣服
    没问题”" is not cut at the comma inside the quote marks)."""
    merged: list[str] = []
    depth = 0
    for piece in pieces:
        if depth > 0 and merged:
            merged[-1] += "，" + piece
        else:
            merged.append(piece)
        depth = max(0, depth + sum(piece.count(opening) - piece.count(closing)
                                   for opening, closing in QUOTES if opening != closing))
    return merged


def _rejects_a_value(text: str, words: StoryWords) -> bool:
    """Whether a clause says a number or a date told was not it ("是9号付的不是10号",
    "不是2980"): a correction, whose right value the story writes where it was told."""
    return any(cue in text and (VALUE_START.match(after := text.split(cue, 1)[1].lstrip())
                                or any(start == 0 for start, _ in find_date_spans(after)))
               for cue in words.wrong_value)


def _restates_a_value(text: str, words: StoryWords) -> bool:
    """Whether a clause after a correction only gives the right value (a number or a date
    with at most a few words around it: "正确的是…", "是15号不是16号", "最后两位是41")."""
    if not (DIGITS.search(text) or find_date_spans(text)):
        return False
    rest = DIGITS.sub("", WRITTEN_DATE.sub("", text))
    for start, end in reversed(find_date_spans(rest)):
        rest = rest[:start] + rest[end:]
    for word in words.label_words:
        rest = rest.replace(word, "")
    return len(CJK.findall(rest)) <= CORRECTED_REST


def _said_by(text: str, lexicon: Lexicon, words: StoryWords) -> tuple[str, str] | None:
    """(cue, words) when the clause tells what the other side said; None when it tells
    nothing said, or the user's own words to them ("我跟卖家说")."""
    for cue in sorted(lexicon.other_side, key=len, reverse=True):
        at = text.find(cue)
        if at < 0:
            continue
        if any(text[:at].endswith(word) for word in words.spoken_to):
            return None
        said = from_quote_marks(text[at + len(cue):].lstrip(LOOSE_END + "了"))
        return (text[:at + len(cue)], said) if said else None
    return None


def _quote(cue: str, said: list[str], words: StoryWords) -> str:
    """What the other side said under its speaker: quoted when the words stand as theirs;
    told as reported speech, as the user wrote it, when they speak of the user as 我
    ("卖家说我自己弄破的" is not the seller saying "I broke it")."""
    joined = "，".join(said)
    if any(word in joined for word in words.reported):
        return cue + joined
    if joined.startswith(tuple(opening for opening, _ in QUOTES)):
        return words.quoted_format.format(cue=cue, words=joined)  # quoted by the user
    return words.quote_format.format(cue=cue, words=joined)


def _key(text: str) -> str:
    return NOT_WORD.sub("", text.lower())


def _pairs(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _repeats(key: str, told: list[str]) -> bool:
    """Whether a clause repeats one already told (the same words, within them, or most
    of their character pairs)."""
    pairs = _pairs(key)
    for earlier in told:
        if key in earlier:
            return True
        both = _pairs(earlier)
        if pairs and both and len(pairs & both) / len(pairs | both) >= SAME_LINE:
            return True
    return False


def _turn_clauses(turn: Turn, number: int, state: CaseState, lexicon: Lexicon,
                  words: StoryWords, is_fact: Callable[[str], bool],
                  is_request: Callable[[str], bool], correcting: frozenset[int] = frozenset()
                  ) -> list[tuple[str, dt.date | None]]:
    """The fact clauses of one turn, as prose, each with its first date; a clause that
    asks the assistant for a text ends the turn's story (what follows it describes the
    text wanted: "写个催告函，5天内不退款我就起诉")."""
    kept: list[tuple[str, dt.date | None]] = []
    quoting: list[str] | None = None  # the words of an open quote, and where it goes
    quote_at, quote_cue = -1, ""
    after_correction = False  # a clause of this turn corrected a value told before
    told = as_said(turn.text, lexicon)
    pieces = _quotes_whole([piece for part in clauses(told, lexicon.english)
                            for piece in SPACE_BREAK.split(part.original)])
    for piece in pieces:
        text = _strip(piece, words)
        if len(text) < 2:
            continue
        if is_request(text):
            break
        if any(word in normalize(text) for word in words.corrections) \
                or _rejects_a_value(text, words):  # 打錯 as 打错; "是9号付的不是10号"
            after_correction = True
            continue  # "我刚才说错了": the corrected value is written where it was told
        if after_correction and _restates_a_value(text, words):
            continue  # "…抄错了一位，正确的是…41": the corrected value, told where it was
        if quoting is not None and _said_by(text, lexicon, words) is None \
                and not text.startswith(words.subjects) and not find_date_spans(text) \
                and is_fact(text):
            quoting.append(text)  # the other side's words go on ("…，介意别买")
            kept[quote_at] = (_quote(quote_cue, quoting, words), kept[quote_at][1])
            continue
        quoting = None
        if lacks_evidence(text, lexicon):
            continue  # what the user lacks is no event of the story (the case file lists it)
        if not is_fact(text) and _said_by(text, lexicon, words) is None:
            continue  # what the other side said is a fact of the case, as a whole quote
        text = _amounts(text, turn, number, state, lexicon)
        text, day = _dates(text, turn, number, state, lexicon, words, correcting)
        if _only_labels(text, words) or any(
                text.startswith(cue) and _only_labels(text[len(cue):], words)
                for cue in words.wrong_value):
            continue
        said = _said_by(text, lexicon, words)
        if said is not None:
            quote_cue, quoting = said[0], [said[1]]
            kept.append((_quote(quote_cue, quoting, words), day))
            quote_at = len(kept) - 1
            if _closed_quote(said[1]):
                quoting = None  # the quote marks end the words said: what follows is not
            continue
        kept.append((text, day))
    return kept


def tell(turns: Sequence[Turn], state: CaseState, lexicon: Lexicon, words: StoryWords,
         is_fact: Callable[[str], bool],
         is_request: Callable[[str], bool] = lambda _text: False) -> list[StoryLine]:
    """The story of the case's matter, one sentence per turn that told facts.
    ``is_fact`` reads a clause (the clause model); ``is_request`` tells a clause that asks
    the assistant for a text."""
    lines: list[StoryLine] = []
    told: list[str] = []
    confirmed = confirmed_upload_turns(state)
    correcting = frozenset(number for number, turn in enumerate(turns, start=1)
                           if any(word in turn.text
                                  for word in (*words.corrections, *lexicon.corrections)))
    for number, turn in enumerate(turns, start=1):
        if number < state.matter_turn or (turn.upload is not None and number not in confirmed):
            continue
        parts, first = [], None
        for text, day in _turn_clauses(turn, number, state, lexicon, words, is_fact,
                                       is_request, correcting):
            key = _key(text)
            if not key or _repeats(key, told):
                continue
            told.append(key)
            parts.append(text)
            first = first or day
        if parts:
            lines.append(StoryLine(number, "，".join(parts) + "。", first))
    return _in_time_order(lines)


def _in_time_order(lines: list[StoryLine]) -> list[StoryLine]:
    """Sentences by their first date; an undated one keeps its place after the one before."""
    keyed, last = [], dt.date.min
    for index, line in enumerate(lines):
        last = line.day or last
        keyed.append((last, index, line))
    return [line for _, _, line in sorted(keyed)]
