"""The other party of a case as the user names it: the shop's name and the seller's location.

Both are read from cue words in ``lexicon.yml`` (``shop_cues``, ``shop_suffixes``,
``location_cues``, ``party_stops``); a 12315 complaint is addressed to the authority of the
seller's location and names the shop.
"""

from __future__ import annotations

import re

from bot.understanding.lexicon import Lexicon

NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·&]{1,24}")
PLACE_CHARS = re.compile(r"[\u4e00-\u9fff]{2,12}")
QUOTED = re.compile(r"[「“\"'《【]([^」”\"'》】]{1,24})[」”\"'》】]")
MIN_NAME = 2
LEADING = "在从去到那这一家个"  # words before a shop name that are not part of it
COLON_REACH = 8  # words between a shop cue and a colon that the name follows


def _cut(value: str, stops: tuple[str, ...]) -> str:
    """``value`` up to the first stop word (a stop at the very start is kept as part)."""
    end = len(value)
    for stop in stops:
        found = value.find(stop, 1)
        if 0 < found < end:
            end = found
    return value[:end]


def shop_name(text: str, lexicon: Lexicon) -> str | None:
    """The shop's name the message gives (None when it names none)."""
    for cue in lexicon.shop_cues:
        start = text.find(cue)
        if start < 0:
            continue
        rest = text[start + len(cue):].lstrip(" :：是为")
        colon = re.search(r"[:：]", rest[:COLON_REACH])
        if colon:  # "店铺名你也加上：小美电器专营店": the name follows the colon
            rest = rest[colon.end():].lstrip()
        quoted = QUOTED.match(rest)
        if quoted:
            return quoted.group(1).strip()
        match = NAME_CHARS.match(rest)
        if match:
            name = _cut(match.group(0), lexicon.party_stops)
            if len(name) >= MIN_NAME:
                return name
    for suffix in lexicon.shop_suffixes:
        end = text.find(suffix)
        if end <= 0:
            continue
        head = re.search(r"[\u4e00-\u9fffA-Za-z0-9·&]{1,16}$", text[:end])
        if head is None:
            continue
        name = head.group(0)
        for stop in lexicon.party_stops + lexicon.buy_verbs:
            cut = name.rfind(stop)
            if cut >= 0:
                name = name[cut + len(stop):]
        name = name.lstrip(LEADING)
        if len(name) >= MIN_NAME - 1:
            return name + suffix
    return None


def seller_location(text: str, lexicon: Lexicon) -> str | None:
    """The place the seller is in (city or province), when the message says it."""
    for cue in lexicon.location_cues:
        start = text.find(cue)
        if start < 0:
            continue
        match = PLACE_CHARS.match(text[start + len(cue):].lstrip(" :："))
        if match:
            place = _cut(match.group(0), lexicon.party_stops)
            if len(place) >= MIN_NAME:
                return place
    return None
