"""Where the lines of a screenshot stand: rows of a page, bubbles of a chat.

OCR gives lines with boxes in reading order, which on a phone screenshot is not the order of
meaning: a label's value sits on the same row to its right, after a "复制" button in the
list; a bubble's text wraps over several lines; a chat's name tags, time stamps and the bar
of quick replies stand between the bubbles. These plain functions put the lines back:

- :func:`rows`: lines that share a row (their boxes overlap vertically), left to right;
- :func:`bubbles`: wrapped lines joined into bubbles (same left edge, close below each
  other, same text size), each on the left (the other side) or the right (the user). The
  left bubbles share the leftmost text edge; a name tag is smaller than the bubbles' text; a
  row of several items (a bar of buttons or quick replies, a label and its value) is no
  bubble;
- :func:`paired_rows`: how many rows hold several items (a page of labels and values has
  many; a chat has its bar of quick replies at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from bot.uploads.ocr import OcrLine, OcrResult

ROW_OVERLAP = 0.5  # of the shorter box's height: two boxes on one row
TOP_BAR = 0.07  # of the image's height: the status and title bars
SAME_EDGE = 0.025  # of the image's width: lines of one bubble, bubbles of one side
WRAP_GAP = 0.8  # of a line's height: the most space between two lines of one bubble
NAME_SIZE = 0.8  # of the median line height: smaller text is a name tag or a caption
REACHES_RIGHT = 0.6  # of the width: a user's bubble reaches this far right


@dataclass(frozen=True)
class Bubble:
    """One chat bubble: its text and which side it stands on."""

    text: str
    left: bool


def _height(line: OcrLine) -> float:
    return max(line.box[3] - line.box[1], 1.0)


def _same_row(one: OcrLine, other: OcrLine) -> bool:
    overlap = min(one.box[3], other.box[3]) - max(one.box[1], other.box[1])
    return overlap >= ROW_OVERLAP * min(_height(one), _height(other))


def _grouped_rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    grouped: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda found: (found.box[1], found.box[0])):
        row = next((row for row in grouped[-3:] if any(_same_row(line, o) for o in row)), None)
        if row is None:
            grouped.append([line])
        else:
            row.append(line)
    return [sorted(row, key=lambda found: found.box[0]) for row in grouped]


def rows(result: OcrResult) -> list[str]:
    """The screenshot's rows, top to bottom, each its lines left to right."""
    texts = [" ".join(line.text.strip() for line in row if line.text.strip())
             for row in _grouped_rows(list(result.lines))]
    return [text for text in texts if text]


def bubbles(result: OcrResult, skip: frozenset[str] = frozenset()) -> list[Bubble]:
    """The chat's bubbles, top to bottom (lines whose text is in ``skip``, or that
    ``skip``'s words mark, are no bubble text)."""
    width, height = max(result.width, 1), max(result.height, 1)
    kept = [line for line in result.lines if line.text.strip()
            and line.box[1] > TOP_BAR * height
            and not any(word in line.text for word in skip)]
    single = [row[0] for row in _grouped_rows(kept) if len(row) == 1]
    if not single:
        return []
    size = median(_height(line) for line in single)
    text_lines = [line for line in single if _height(line) >= NAME_SIZE * size]
    joined: list[list[OcrLine]] = []
    for line in text_lines:
        last = joined[-1][-1] if joined else None
        if (last is not None and abs(line.box[0] - last.box[0]) <= SAME_EDGE * width
                and line.box[1] - last.box[3] <= WRAP_GAP * _height(last)):
            joined[-1].append(line)
        else:
            joined.append([line])
    if not joined:
        return []
    # the other side's edge: the left edge that most text starts at (name tags are short)
    weight: dict[int, int] = {}
    for group in joined:
        if group[0].box[0] < width / 2:
            key = round(group[0].box[0] / (SAME_EDGE * width))
            weight[key] = weight.get(key, 0) + sum(len(line.text) for line in group)
    if not weight:
        return []
    edge = max(weight, key=lambda key: weight[key]) * SAME_EDGE * width
    found = []
    for group in joined:
        on_left = abs(group[0].box[0] - edge) <= SAME_EDGE * width
        reaches = max(line.box[2] for line in group) >= REACHES_RIGHT * width
        if on_left or reaches:
            found.append(Bubble("".join(line.text.strip() for line in group), on_left))
    return found


def paired_rows(result: OcrResult) -> int:
    """Rows below the top bars that hold more than one item."""
    height = max(result.height, 1)
    kept = [line for line in result.lines if line.text.strip() and line.box[1] > TOP_BAR * height]
    return sum(1 for row in _grouped_rows(kept) if len(row) > 1)
