"""The lines read from a screenshot → its kind and sentences the understanding reads.

An order page's labelled fields (订单编号, 实付款, 成交时间 …), a tracking page's dated
status lines, a chat's bubbles from the other side (the left half of the image) become
plain sentences ("订单号…。实付268元。2026年11月18日下单。对方说：“…”"), which then go
through the same reading as typed text (:func:`bot.understanding.extract.read_message`)
once the user confirms them. The words come from ``data/uploads/reading.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.datafiles import DataFileError, read_yaml
from bot.uploads.layout import bubbles, paired_rows, rows
from bot.uploads.ocr import OcrResult

MAX_TEXT = 1000  # characters of sentences an upload turn carries
TIMELINE_ROWS = 4  # rows of one tracking entry after its status, up to its time
CHAT_PAIRED_ROWS = 2  # rows of several items a chat may have (its bar of quick replies)
CHAT_BUBBLE_WEIGHT = 3  # keyword counts a pair of bubbles (one each side) is worth
DATE = re.compile(r"(?P<y>20\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")
SHORT_DATE = re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})(?!\d)")
TIME_ONLY = re.compile(r"^[\d\s:：年月日/.\-昨天今天上下午]+$")
# what stands between a label and its value: spaces, colons, the yuan sign (which OCR on a
# small, lossy image reads as V or Y right before the digits)
BRACKETED = re.compile(r"^\s*[（(][^）)]{0,12}[）)]")  # "实付款（含运费）¥97.00"
LABEL_GLUE = re.compile(r"^[\s:：¥￥]*(?:[VYvy](?=\d))?")


@dataclass(frozen=True)
class Field:
    """A labelled value of an order or tracking page."""

    name: str
    labels: tuple[str, ...]
    pattern: re.Pattern[str]
    say: str


@dataclass(frozen=True)
class Kind:
    """A kind of image: its label, the evidence words it ticks, the words that tell it."""

    id: str
    label: str
    evidence: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ReadingRules:
    """``data/uploads/reading.yml``, validated."""

    kinds: dict[str, Kind]
    fields: tuple[Field, ...]
    dates: dict[str, str]
    tracking: dict[str, str]
    date_say: str
    chat_say: str
    chat_skip: tuple[str, ...]
    sentence_end: str
    refusals: dict[str, str]
    send_objects: tuple[str, ...] = ()
    send_asks: tuple[str, ...] = ()

    def asks_how_to_send(self, text: str) -> bool:
        """Whether a message asks how to send an image ("我有截图，怎么发给你")."""
        return (any(word in text for word in self.send_objects)
                and any(word in text for word in self.send_asks))

    def refusal(self, code: str, max_bytes: int, max_files: int) -> str:
        """What the user is told when an upload is refused for ``code``."""
        text = self.refusals.get(code) or self.refusals["unreadable"]
        return text.format(max_mb=max_bytes // (1024 * 1024), max_files=max_files)


REFUSAL_CODES = ("empty", "too_large", "not_an_image", "too_many_pixels", "too_small",
                 "unreadable", "too_many_files", "busy")


@dataclass(frozen=True)
class Reading:
    """What a screenshot says: its kind and the sentences for the understanding."""

    kind: str
    text: str


def _strings(path: Path, entry: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataFileError(path, entry, "expected a list of non-empty strings")
    return tuple(value)


def load_reading_rules(data_dir: Path) -> ReadingRules:
    """The rules, or :class:`DataFileError` naming the file and the entry."""
    path = data_dir / "uploads" / "reading.yml"
    data = read_yaml(path)
    try:
        kinds = {name: Kind(name, str(raw["label"]), _strings(path, f"kinds.{name}.evidence",
                                                              raw["evidence"]),
                            tuple(raw.get("keywords") or ()))
                 for name, raw in data["kinds"].items()}
        if "goods" not in kinds:
            raise DataFileError(path, "kinds", "the kind 'goods' (no words) is required")
        fields = tuple(Field(name, _strings(path, f"fields.{name}.labels", raw["labels"]),
                             re.compile(raw["pattern"]), str(raw["say"]))
                       for name, raw in data["fields"].items())
        return ReadingRules(kinds, fields, {str(k): str(v) for k, v in data["dates"].items()},
                            {str(k): str(v) for k, v in data["tracking"].items()},
                            str(data["date_say"]), str(data["chat"]["say"]),
                            _strings(path, "chat.skip", data["chat"]["skip"]),
                            str(data["sentence_end"]), _refusals(path, data["refusals"]),
                            _strings(path, "how_to_send.objects", data["how_to_send"]["objects"]),
                            _strings(path, "how_to_send.asks", data["how_to_send"]["asks"]))
    except (KeyError, TypeError, AttributeError, re.error) as error:
        raise DataFileError(path, str(error), "missing or malformed entry") from None


def _refusals(path: Path, raw: Any) -> dict[str, str]:
    texts = {}
    for code in REFUSAL_CODES:
        text = raw.get(code) if isinstance(raw, dict) else None
        if not isinstance(text, str) or not text:
            raise DataFileError(path, f"refusals.{code}", "must be a text")
        try:
            text.format(max_mb=1, max_files=1)
        except (KeyError, IndexError, ValueError):
            raise DataFileError(path, f"refusals.{code}",
                                "its fields are max_mb and max_files") from None
        texts[code] = text
    return texts


def kind_of(result: OcrResult, rules: ReadingRules) -> str:
    """The kind with most keywords on the image; a chat by its bubbles; else goods."""
    text = "".join(line.text for line in result.lines)
    scores = {kind.id: sum(text.count(word) for word in kind.keywords)
              for kind in rules.kinds.values() if kind.keywords}
    found = bubbles(result, frozenset(rules.chat_skip))
    left = sum(1 for bubble in found if bubble.left)
    right = len(found) - left
    if left >= 2 and right and paired_rows(result) <= CHAT_PAIRED_ROWS and "chat" in scores:
        scores["chat"] += CHAT_BUBBLE_WEIGHT * min(left, right)
    best = max(scores.items(), key=lambda item: item[1], default=("goods", 0))
    return best[0] if best[1] > 0 else "goods"


def _date_words(text: str, event: str, rules: ReadingRules, year: int) -> str | None:
    found = DATE.search(text)
    if found is not None:
        y, m, d = int(found["y"]), int(found["m"]), int(found["d"])
    else:
        short = SHORT_DATE.search(text)
        if short is None:
            return None
        y, m, d = year, int(short["m"]), int(short["d"])
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return rules.date_say.format(year=y, month=m, day=d, event=event)


def _field_sentences(lines: list[str], rules: ReadingRules) -> list[str]:
    said: list[str] = []
    for field in rules.fields:
        for index, line in enumerate(lines):
            label = next((lab for lab in field.labels if lab in line), None)
            if label is None:
                continue
            rest = LABEL_GLUE.sub("", BRACKETED.sub("", line.split(label, 1)[1])).replace(",", "")
            following = lines[index + 1] if index + 1 < len(lines) else ""
            found = field.pattern.match(rest) or field.pattern.match(
                LABEL_GLUE.sub("", following).replace(",", ""))
            if found:
                said.append(field.say.format(value=found.group(0)))
                break
    return said


def _dated_sentences(lines: list[str], labels: dict[str, str], rules: ReadingRules,
                     year: int, near: bool) -> list[str]:
    said: list[str] = []
    for index, line in enumerate(lines):
        label = next((lab for lab in sorted(labels, key=len, reverse=True) if lab in line), None)
        if label is None:
            continue
        around = [line]
        if near:  # a timeline entry: its status, its lines, then its time, before the next
            for after in lines[index + 1:index + 1 + TIMELINE_ROWS]:
                if any(lab in after for lab in labels):
                    break
                around.append(after)
            around.append(lines[index - 1] if index else "")
        for text in around:
            words = _date_words(text, labels[label], rules, year)
            if words is not None:
                if words not in said:
                    said.append(words)
                break
    return said


def _chat_sentences(result: OcrResult, rules: ReadingRules) -> list[str]:
    quotes = [bubble.text for bubble in bubbles(result, frozenset(rules.chat_skip))
              if bubble.left and not TIME_ONLY.match(bubble.text)]
    return [rules.chat_say.format(text=quote) for quote in quotes if len(quote) >= 2]


def read_screenshot(result: OcrResult, rules: ReadingRules, year: int) -> Reading:
    """The kind of the image and the sentences of what it says (``year``: of a date that
    names none)."""
    kind = kind_of(result, rules)
    lines = rows(result)
    sentences: list[str] = []
    if kind == "chat":
        sentences = _chat_sentences(result, rules)
    elif kind != "goods":
        sentences = _field_sentences(lines, rules)
        sentences += _dated_sentences(lines, rules.dates, rules, year, near=False)
        if kind == "tracking":
            sentences += _dated_sentences(lines, rules.tracking, rules, year, near=True)
    text = "".join(sentence + rules.sentence_end for sentence in sentences)
    return Reading(kind, text[:MAX_TEXT])
