"""Which event each date of a message dates (``data/understanding/lexicon.yml``, ``events``).

A date takes the event cue nearest to it in its clause; a cue a few characters after it is
its own verb and wins over any before it ("15号买了个锅 49.9 16号收到": received on the 16th),
and a cue an earlier date took is not a later one's. A specific cue wins over a weak one
("收到的处罚通知": the notice, not the goods). A weak cue that several events share takes the
one the clause, or the undated clause before it, names ("平台那边也申请过介入了，11月10号申请的").
A cue told of an object dates that object's event ("退货11月17号签收的": the return was signed
for), and the object carries to the next clause ("退货是上周六寄的，周一物流就显示签收了"). A
date whose clause names no event takes the first one the following undated clauses name
("昨天他在旺旺上说，给300就删差评"). A date after 不是 is the wrong one and dates nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.dates import find_date_spans, resolve_date
from bot.understanding.clauses import Clause, longest_first, negated, occurrences
from bot.understanding.lexicon import Lexicon

ASKED_CLAUSE_MAX = 6  # a clause this much longer than its date is not a bare answer
DATE_ONLY_REST = 3  # "昨天的事": a clause of a date and at most this many other characters
FORWARD_CLAUSES = 3  # how many undated clauses after a date may still name its event
AFTER_REACH = 4  # a cue this close after its date is the date's own verb
BEFORE_PENALTY = 3  # a cue before its date is a little farther than one after it
WRONG_DATE = ("不是",)  # "是10月26号，不是28号": the date after it dates nothing
CHAT_VERB_REACH = 3  # "刚才我说错了": the verb of saying a few characters after the time
TIME_OF_DAY = re.compile(
    r"\s?(?P<pod>凌晨|早上|上午|中午|下午|晚上|傍晚)?\s?(?P<h>\d{1,2}|[一二三四五六七八九十]{1,3})\s?[点:](?P<m>\d{1,2}|半)?")
PM_PARTS = {"下午", "晚上", "傍晚", "afternoon", "evening"}
CN_HOURS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,  # noqa: E501
            "十": 10, "十一": 11, "十二": 12}
# "不处理我就申请介入": the user's own step, if not …; the other side's threat "不给她500就天天
# 追评" is an event told
IF_NOT_THEN = re.compile(r"不[^，,。]{0,8}我就")
QUESTION_ENDS = ("?", "？", "吗", "呢")
THEN_STARTS, DONE = ("我就", "就"), "了"


@dataclass(frozen=True)
class DatedEvent:
    """A date the message gives, bound to its event (None when nothing names one)."""

    event: str | None
    day: dt.date
    time: dt.time | None
    words: str
    correction: bool
    bare: bool = False  # the clause is little more than the date (an answer, not a story)


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    event: str
    weak: bool


def supposes(text: str, lexicon: Lexicon) -> bool:
    """Whether a clause supposes, plans or asks about a step instead of telling it: a
    supposition word, "不…就…", or a question at its end."""
    stripped = text.strip().rstrip("。.!！~～ ")
    return (any(word in text for word in lexicon.suppositions)
            or IF_NOT_THEN.search(text) is not None
            or stripped.endswith(QUESTION_ENDS)
            # the consequence of a condition told in the clause before, not yet done
            # ("要是卖家还不退，我就申请介入"; "我就申请了" is done)
            or (stripped.startswith(THEN_STARTS) and DONE not in stripped))


def event_cues(text: str, lexicon: Lexicon) -> list[Cue]:
    """The event cues of a clause that are not negated, longest first where they overlap
    (a cue right before one of its event's ``not_of`` words is none: "发的消息"); a clause
    that supposes or asks (:func:`supposes`) has none."""
    if supposes(text, lexicon):
        return []
    return [Cue(start, end, event, (text[start:end], event) in lexicon.weak)
            for start, end, event in longest_first(text, lexicon.event_cues, lexicon.negations)
            if not any(text.startswith(word, end) for word in lexicon.events[event].not_of)]


def _owners(cue: Cue, text: str, lexicon: Lexicon) -> list[str]:
    """The events a weak cue may stand for, in lexicon order ("申请的": a refund, an
    intervention …); a strong cue stands for its own event only."""
    if not cue.weak:
        return [cue.event]
    word = text[cue.start:cue.end]
    return [event.id for event in lexicon.events.values() if word in event.weak_cues]


def _object(event: str, text: str, cues: list[Cue], lexicon: Lexicon) -> str | None:
    """The object word of ``event`` the clause names outside its cues, if any."""
    for word in lexicon.events[event].objects:
        for start in occurrences(text, word):
            end = start + len(word)
            if not any(c.start < end and start < c.end for c in cues):
                return word
    return None


def _by_subject(text: str, cue_start: int, event: str, lexicon: Lexicon) -> str:
    """The event a cue dates, read with its subject: the lexicon's ``by_subject`` event when
    one of its subjects stands before the cue in the clause (and no ``unless_between``)."""
    vocabulary = lexicon.events.get(event)
    if vocabulary is None or vocabulary.subject_event is None:
        return event
    before = text[:cue_start]
    found = [(before.rfind(subject), subject) for subject in vocabulary.subjects
             if subject in before]
    if not found:
        return event
    at, subject = max(found)
    between = before[at + len(subject):]
    if any(word in between for word in vocabulary.unless_between):
        return event
    return vocabulary.subject_event


def _time_after(text: str, end: int, part_of_day: str | None) -> dt.time | None:
    match = TIME_OF_DAY.match(text, end)
    if not match:
        return None
    raw = match.group("h")
    hour = int(raw) if raw.isdigit() else CN_HOURS.get(raw)
    if hour is None or hour > 23:
        return None
    minute = 30 if match.group("m") == "半" else int(match.group("m") or 0)
    pod = match.group("pod") or part_of_day
    if pod in PM_PARTS and hour < 12:
        hour += 12
    return dt.time(hour, min(minute, 59))


@dataclass
class _Reading:
    """One clause as the binding reads it."""

    clause: Clause
    spans: list[tuple[int, int]]
    cues: list[Cue]


class _Binder:
    """Binds the dates of one message's clauses to their events."""

    def __init__(self, parts: list[Clause], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.readings = [_Reading(c, find_date_spans(c.text), event_cues(c.text, lexicon))
                         for c in parts]
        self.carried: str | None = None  # the object the previous clause's event was told of
        self.claimed: set[tuple[int, int]] = set()  # (clause, cue start) an earlier date took

    def _strong_named(self, index: int, owners: list[str]) -> str | None:
        """An owner event a strong cue names in this clause or the undated one before."""
        here = self.readings[index]
        before = [self.readings[index - 1]] if index and not self.readings[index - 1].spans \
            else []
        for reading in (here, *before):
            for cue in reading.cues:
                if not cue.weak and cue.event in owners:
                    return cue.event
        return None

    def event_of(self, index: int, cue: Cue) -> str:
        """The event a cue of clause ``index`` dates: its owner named nearby, then its
        object (in the clause, or carried from the one before), then its subject."""
        reading = self.readings[index]
        owners = _owners(cue, reading.clause.text, self.lexicon)
        event = (self._strong_named(index, owners) if len(owners) > 1 else None) or owners[0]
        word = _object(event, reading.clause.text, reading.cues, self.lexicon)
        objects = self.lexicon.events[event].objects
        if word is None and self.carried in objects:
            word = self.carried
        if word is not None:
            return objects[word]
        return _by_subject(reading.clause.text, cue.start, event, self.lexicon)

    def _following(self, index: int) -> list[tuple[int, Cue]]:
        """The cues of the undated clauses that go on from clause ``index`` (up to the next
        date, a word that moves the story in time, or ``FORWARD_CLAUSES`` clauses)."""
        hits = []
        for at in range(index + 1, min(index + 1 + FORWARD_CLAUSES, len(self.readings))):
            reading = self.readings[at]
            if reading.spans or any(w in reading.clause.text for w in self.lexicon.time_shifts):
                break
            hits += [(at, cue) for cue in reading.cues]
        return hits

    def also_told(self, index: int, bound: str | None) -> list[tuple[int, str]]:
        """Events that ``reaches_back`` told in the clauses after clause ``index``, each
        once and other than ``bound`` ("昨天打电话给我，说不给她500就天天追评，还说要找人
        来堵门": the demand and the threat came then too)."""
        found: dict[str, int] = {}
        for at, cue in self._following(index):
            if (not cue.weak and cue.event != bound
                    and self.lexicon.events[cue.event].reaches_back):
                found.setdefault(cue.event, at)
        return [(at, event) for event, at in found.items()]

    def _forward(self, index: int, over_weak: bool) -> tuple[int, Cue] | None:
        """The first cue of the undated clauses after ``index`` (strong ones first); with
        ``over_weak``, only a cue of an event that ``reaches_back``."""
        hits = self._following(index)
        if over_weak:
            hits = [(at, cue) for at, cue in hits if not cue.weak
                    and self.lexicon.events[cue.event].reaches_back]
        strong = [(at, cue) for at, cue in hits if not cue.weak]
        return next(iter(strong or hits), None)

    def near_cue(self, index: int, span_index: int) -> tuple[int, Cue] | None:
        """The cue that dates span ``span_index`` of clause ``index``: the nearest one
        between its neighbouring dates (a strong one before a weak one), else one of the
        undated clauses after it."""
        reading = self.readings[index]
        start, end = reading.spans[span_index]
        low = reading.spans[span_index - 1][1] if span_index else 0
        high = (reading.spans[span_index + 1][0] if span_index + 1 < len(reading.spans)
                else len(reading.clause.text))
        near = [cue for cue in reading.cues if cue.start >= low and cue.end <= high
                and not (cue.end <= start and (index, cue.start) in self.claimed)]
        # the verb right after the date is its own ("15号买了个锅 49.9 16号收到"): a cue a
        # few characters after it wins over any before it, a strong one over a weak one
        close = [cue for cue in near if end <= cue.start <= end + AFTER_REACH]
        pool = ([cue for cue in close if not cue.weak] or close
                or [cue for cue in near if not cue.weak] or near)
        last = span_index + 1 == len(reading.spans)
        if pool:
            best = min(pool, key=lambda c: (min(abs(c.start - end), abs(start - c.end))
                                            + (0 if c.start >= end else BEFORE_PENALTY),
                                            c.start))
            self.claimed.add((index, best.start))
            ahead = self._forward(index, over_weak=True) if best.weak and last else None
            return ahead or (index, best)
        ahead = self._forward(index, over_weak=False) if last else None
        return ahead or self._backward(index, end - start)

    def _backward(self, index: int, date_length: int) -> tuple[int, Cue] | None:
        """A clause that is little more than its date ("昨天的事"), split by a space from an
        undated clause before it, dates that clause's event ("然后就把我拉黑了 昨天的事")."""
        reading = self.readings[index]
        if index == 0 or len(reading.clause.text.strip()) - date_length > DATE_ONLY_REST:
            return None
        before = self.readings[index - 1]
        if before.spans or not before.cues or not reading.clause.spaced:
            return None
        strong = [cue for cue in before.cues if not cue.weak]
        return index - 1, max(strong or before.cues, key=lambda cue: cue.end)


def dated_events(parts: list[Clause], now: dt.datetime, asked_event: str | None,
                 lexicon: Lexicon, corrects: bool = False) -> list[DatedEvent]:
    """Every date of the message's clauses with the event it dates (``asked_event``: the
    event whose date the assistant had just asked for, for a short answer)."""
    binder = _Binder(parts, lexicon)
    found: list[DatedEvent] = []
    for index, reading in enumerate(binder.readings):
        text = reading.clause.text
        correction = corrects or any(text.lstrip().startswith(w) for w in lexicon.corrections)
        retold: str | None = None
        for span_index, (start, end) in enumerate(reading.spans):
            resolution = resolve_date(text[start:end], now)
            if resolution.status != "ok" or resolution.value is None:
                continue
            if negated(text, start, WRONG_DATE) or _of_the_chat(text, start, end, lexicon):
                continue
            chosen = binder.near_cue(index, span_index)
            event = None if chosen is None else binder.event_of(*chosen)
            if chosen is not None and chosen[0] == index and event != chosen[1].event:
                # the story goes on about the same thing ("买家说是周一寄出的，物流也显示16号
                # 揽收": still the return): its object word carries to the next clause
                objects = lexicon.events[chosen[1].event].objects
                retold = (_object(chosen[1].event, text, reading.cues, lexicon)
                          or next((w for w, target in objects.items() if target == event), None)
                          or retold)
            bare = len(text.strip()) - (end - start) <= ASKED_CLAUSE_MAX
            if event is None and not correction and bare:
                event = asked_event  # a short answer to "…是哪一天？"
            if event is None and correction:
                event = _named_before(binder, index)  # "签收时间看错了，是15号"
            found.append(DatedEvent(event=event, day=resolution.value,
                                    time=_time_after(text, end, resolution.part_of_day),
                                    words=reading.clause.original.strip(),
                                    correction=correction, bare=bare))
            if span_index + 1 == len(reading.spans):
                found += [DatedEvent(event=other, day=resolution.value, time=None,
                                     words=binder.readings[at].clause.original.strip(),
                                     correction=correction)
                          for at, other in binder.also_told(index, event)]
        binder.carried = retold or _undated_object(reading, lexicon)
    return found


def _named_before(binder: _Binder, index: int) -> str | None:
    """The one event the clause before a correcting date names ("签收时间我看错了，是15号"),
    when the date's own clause names none and that clause has no date of its own."""
    if index == 0 or binder.readings[index].cues or binder.readings[index - 1].spans:
        return None
    named = {cue.event for cue in binder.readings[index - 1].cues}
    return next(iter(named)) if len(named) == 1 else None


def _of_the_chat(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """Whether the date is the time of the chat itself ("我刚才说错了", "刚刚打错了"): a
    chat-time word right before a verb of saying dates no event."""
    return text[start:end].strip() in lexicon.chat_times and any(
        text[end:end + CHAT_VERB_REACH].lstrip().startswith(verb)
        for verb in lexicon.chat_verbs)


def _undated_object(reading: _Reading, lexicon: Lexicon) -> str | None:
    """The object an undated clause names outside its cues ("卖家说没收到退货": the return),
    carried to the next clause; None for a dated clause or one that names none."""
    if reading.spans:
        return None
    for word in lexicon.object_words:
        for start in occurrences(reading.clause.text, word):
            end = start + len(word)
            if not any(c.start < end and start < c.end for c in reading.cues):
                return word
    return None
