"""Chat pasted from 旺旺 / 千牛 or a phone: a line that begins with a speaker's label
("买家：…", "【买家】…", "客服: …", "我：…") holds that speaker's words.

:func:`as_said` writes each such line as the speech the extractor and the story already
read ("买家说“…”"), with the label taken from the lexicon's cues for what the other side
said (``other_side``: 买家说 → 买家) or the user's own 我. Other lines are left as they are.
"""

from __future__ import annotations

import re

from bot.understanding.lexicon import Lexicon

SAID = "说"
OWN = "我"
BRACKETED = re.compile(r"^\s*[【\[](?P<label>[^】\]]{1,6})[】\]]\s*[:：]?\s*(?P<words>\S.*)$")
LABELLED = re.compile(r"^\s*(?P<label>[^\s:：]{1,6})\s*[:：]\s*(?P<words>\S.*)$")
QUOTED = re.compile(r"^[“\"「『].*[”\"」』]$")
EMOJI = re.compile(r"[\u2600-\u27bf\U0001f300-\U0001faff]+")  # a tone, not words said


def speakers(lexicon: Lexicon) -> frozenset[str]:
    """The labels a pasted line may start with: the other side's cues without 说, and 我."""
    return frozenset({cue[:-len(SAID)] for cue in lexicon.other_side if cue.endswith(SAID)}
                     | {OWN})


def as_said(text: str, lexicon: Lexicon) -> str:
    """``text`` with every line that starts with a speaker's label written as that
    speaker's words ("买家：你退我50" → "买家说“你退我50”")."""
    if "：" not in text and ":" not in text and "【" not in text and "[" not in text:
        return text
    labels = speakers(lexicon)
    lines = []
    for line in text.split("\n"):
        match = BRACKETED.match(line) or LABELLED.match(line)
        label = match.group("label").strip() if match else ""
        if match is None or label not in labels:
            lines.append(line)
            continue
        words = EMOJI.sub("", match.group("words")).strip()
        if not words:
            lines.append(line)
            continue
        said = words if QUOTED.match(words) else f"“{words}”"
        lines.append(f"{label}{SAID}{said}")
    return "\n".join(lines)
