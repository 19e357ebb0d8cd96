"""The item a message names: after a buy verb or a numeral and measure word ("买了个空气炸锅",
"一条牛仔裤"), or by a product word of ``item_heads`` with what stands right before it
("是个蓝牙耳机599", "北欧风陶瓷花瓶"). A pattern's name without a product word gives way to a
product word's ("一个用旧了的" is no item; "全新的空气炸锅" is).
"""

from __future__ import annotations

import re

from bot.understanding.clauses import longest_first
from bot.understanding.lexicon import Lexicon

ITEM_CHARS = r"[\u4e00-\u9fffA-Za-z0-9]"
NUMERAL = r"(?:一|两|二|三|四|五|几|\d{1,2})"
HEAD_REACH = 6  # how many characters before a product word may still belong to its name
MODIFIER = re.compile(r"[\u4e00-\u9fffA-Za-z0-9-]")


def _stop_at(name: str, stop: str) -> int:
    """Where a stop word ends an item name (a one-character stop never cuts its first two
    characters: 沙发套 is not cut at 发)."""
    found = name.find(stop, 2 if len(stop) == 1 else 1)
    return found if found >= 1 else len(name)


def _by_pattern(norm: str, lexicon: Lexicon) -> str | None:
    measures = "|".join(map(re.escape, lexicon.item_measures))
    verbs = "|".join(map(re.escape, lexicon.buy_verbs))
    patterns = (
        rf"(?:{verbs})(?![家方到]){NUMERAL}?(?:{measures})?(?P<x>{ITEM_CHARS}{{2,14}})",
        rf"(?<![这那哪每\d.])(?:{NUMERAL})(?:{measures})(?!多)(?P<x>{ITEM_CHARS}{{2,14}})",
    )
    for pattern in patterns:
        for match in re.finditer(pattern, norm):
            name = match.group("x")
            stops = (*lexicon.item_stops, *lexicon.amount_cues)
            if any(name.startswith(stop) for stop in lexicon.item_stops):
                continue  # "其中一个还私信说": the measure word counts what came before
            cut = min((_stop_at(name, stop) for stop in stops), default=len(name))
            digits = re.search(r"\d{2,}", name[2:])
            if digits:
                cut = min(cut, digits.start() + 2)
            name = name[:cut].rstrip("的了")
            if len(name) >= 2 and not name.isdigit() and name not in lexicon.item_generic:
                return name
    return None


def _by_head(norm: str, lexicon: Lexicon) -> str | None:
    """The first product word of the message with the modifiers right before it (cut at the
    last of ``item_left_stops``): "是个蓝牙耳机" is 蓝牙耳机, "1.8米的床" is 床."""
    heads = longest_first(norm, ((head, head) for head in lexicon.item_heads))
    if not heads:
        return None
    start, end, _head = heads[0]
    left = start
    while left > 0 and start - left < HEAD_REACH and MODIFIER.match(norm[left - 1]):
        left -= 1
    before = norm[left:start]
    cut = max((before.rfind(stop) + len(stop) for stop in lexicon.item_left_stops
               if stop in before), default=0)
    return (before[cut:] + norm[start:end]).lstrip("-0123456789")


def item_name(norm: str, lexicon: Lexicon) -> str | None:
    """The item the (normalized) message names, or None."""
    found = _by_pattern(norm, lexicon)
    if found is not None and any(head in found for head in lexicon.item_heads):
        plain = found.rsplit("的", 1)[-1]  # "全新的吹风机" is 吹风机
        named = plain if any(head in plain for head in lexicon.item_heads) else found
        return _ends_at_head(named, lexicon)
    return _by_head(norm, lexicon) or found


def _ends_at_head(name: str, lexicon: Lexicon) -> str:
    """A Chinese noun phrase ends in its head: what runs on past the last product word is
    the rest of the sentence ("奶粉物流显示已经签" is 奶粉)."""
    ends = [found.end() for head in lexicon.item_heads
            for found in re.finditer(re.escape(head), name)]
    return name[:max(ends)] if ends else name
