"""What one user message says: dated events, numbers, the item, the problem, the role.

Pure functions of the message text, its time and what the assistant had just asked; the
vocabularies come from :mod:`bot.understanding.lexicon`. Text is normalized first
(length-preserving), and a full-width comma always ends a clause: it is never read as a
thousands separator.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from bot.dates import number_value
from bot.understanding.chat_paste import as_said
from bot.understanding.clauses import CLAUSE_BREAK, clauses, find_words, normalized
from bot.understanding.events import DatedEvent, dated_events, event_cues
from bot.understanding.items import item_name
from bot.understanding.lexicon import Lexicon
from bot.understanding.parties import seller_location, shop_name
from bot.understanding.sum_context import FACT_OF_KIND, ReadSum, has_words, sum_context

MAX_TEXT = 2000  # longer messages are read up to here (the rest is kept as text only)
DIGIT_RUN = re.compile(r"(?<![\d.])\d{6,30}(?![\d])")
ID_MIN_DIGITS = 13  # a run this long is an identifier, never money
CARRIER_PREFIX = re.compile(r"(?<![A-Za-z])[A-Za-z]{1,4}$")  # letters right before a number
PHONE = re.compile(r"^1[3-9]\d{9}$")
AMOUNT = re.compile(
    r"(?:(?P<prefix>[¥$￥]|rmb|人民币)\s?(?P<pv>\d{1,9}(?:\.\d{1,2})?)"
    r"|(?<![\d.])(?P<v>\d{1,9}(?:\.\d{1,2})?)\s?(?P<mul>[万千w])?\s?(?P<unit>元钱|元|块钱|块|圆|rmb|人民币))",
    re.IGNORECASE,
)
CN_AMOUNT = re.compile(r"(?<![零一二两三四五六七八九十百千万几])(?P<v>[零一二两三四五六七八九十百千万]{1,8})(?:元钱|元|块钱|块(?!儿))")  # noqa: E501
# A bare number is money after an amount cue ("价格428", "一共536"), before a buy verb
# ("269买的"), or as a clause of its own ("，1299，"); never before a unit of anything else.
BARE_NUMBER = re.compile(r"(?<![\d.a-z])(?P<v>\d{2,6}(?:\.\d{1,2})?)(?![\d.])")
OTHER_UNIT = re.compile(r"\s?(?:天|号|日|月|年|点|分|秒|米|毫|ml|g|kg|克|斤|个|件|次|小时|岁|cm|mm|v|ah|%|折|寸|码|w|瓦|升|l|度|g|人|位|倍|楼|期)", re.IGNORECASE)  # noqa: E501
BARE_CLAUSE_MIN = 3  # digits of a number that stands alone as a clause
NUMBER_LABEL_END = "号"  # 尾号 / 单号 / 型号 …: the number after it is no price
LATIN_END = re.compile(r"[A-Za-z0-9]$")  # "RTX 4070": perhaps a model's own number
LATIN_START = re.compile(r"[A-Za-z]")
NUMBER_CUE_REACH = 4  # a number cue may stand this many characters before the digits
NUMBER_GLUE = " :是为"  # what may separate a cue from its digits ("订单号是 …")


@dataclass(frozen=True)
class MessageFacts:
    """Everything one message says that the case keeps."""

    role: str | None
    dates: tuple[DatedEvent, ...]
    order_number: str | None
    product_id: str | None
    tracking_number: str | None
    amount: str | None
    demand_amount: str | None
    item: str | None
    problems: tuple[str, ...]
    other_side: tuple[str, ...]
    evidence: tuple[str, ...]
    wants: tuple[str, ...]
    order_status: str | None
    switch_marker: bool
    shop_name: str | None = None
    seller_location: str | None = None
    told: tuple[str, ...] = ()  # events a specific cue tells, dated or not

    @property
    def empty(self) -> bool:
        """True when the message gave no fact at all."""
        return not (self.role or self.dates or self.order_number or self.product_id
                    or self.tracking_number or self.amount or self.demand_amount or self.item
                    or self.problems or self.other_side or self.evidence or self.wants
                    or self.order_status or self.shop_name or self.seller_location)


def _amount_value(match: re.Match[str]) -> str | None:
    raw = match.group("pv") or match.group("v")
    try:
        value = Decimal(raw)
    except (InvalidOperation, TypeError):
        return None
    multiplier = {"万": 10000, "w": 10000, "W": 10000, "千": 1000}.get(match.group("mul") or "", 1)
    value *= multiplier
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _cn_amount(raw: str) -> str | None:
    try:
        return str(number_value(raw))
    except (ValueError, KeyError, TypeError):
        return None


SLIP_WORD = 3  # correction words this long ("看错了") say a slip wherever they stand
HELD_REACH = 4  # "没有书面鉴定报告": the negation this far before the evidence word
CORRECTED_VALUE_REACH = 3  # "是", "应该是" before the corrected value
# an identifier or a phone number typed in groups ("3950 2817 6634 0912 57", "138 1234 5678"):
# three or more groups of digits, one space or dash apart, read joined when that makes
# ID_MIN_DIGITS digits or a mobile number
DIGIT_GROUPS = re.compile(r"(?<![\d.])\d{2,6}(?:[ \-]\d{2,6}){2,}(?![\d.])")
# a clause that is a short label and a number ("鱼缸168", "价格269", "一盒398"): the number is
# the label's price; the label is Chinese only and does not end a number's name (单号, 尾号)
LABEL_THEN_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,8}$")
# "一个89的电动牙刷": a measure word, the number, then 的 and the thing: its price
MEASURE_BEFORE = re.compile(r"[一两几][个件双台瓶条套支盒包只张把块款](?:才|要|卖)?$")
PRICE_OF_THING = re.compile(r"^的[\u4e00-\u9fff]")


def joined_digit_groups(text: str) -> str:
    """``text`` with identifiers typed in groups of digits written as one number."""
    def join(match: re.Match[str]) -> str:
        digits = re.sub(r"[ \-]", "", match.group(0))
        return digits if len(digits) >= ID_MIN_DIGITS or PHONE.match(digits) else match.group(0)

    return DIGIT_GROUPS.sub(join, text)


def _bare_amounts(text: str, lexicon: Lexicon, corrected: bool = False) -> list[str]:
    """Numbers without a unit that are money by their place in the clause; ``corrected``:
    the clause before corrected the amount ("金额不对，是439"), so a number that stands for
    the clause's value ("是439", "439") is money too."""
    found, model_numbers = [], []
    for match in BARE_NUMBER.finditer(text):
        after = text[match.end():]
        if OTHER_UNIT.match(after) or match.group("v") in lexicon.service_numbers:
            continue
        before = text[:match.start()].rstrip(NUMBER_GLUE)
        cued = any(before.endswith(cue) for cue in (*lexicon.amount_cues, *lexicon.demand_cues))
        corrects_here = (any(cue in before for cue in lexicon.amount_cues)
                         and any(word in before for word in lexicon.corrections))
        cued = cued or ((corrected or corrects_here)
                        and len(before.split()[-1] if before.split() else before)
                        <= CORRECTED_VALUE_REACH)
        bought = any(after.startswith(verb) for verb in lexicon.buy_verbs)
        label = text[:match.start()].strip()
        labelled = (bool(LABEL_THEN_NUMBER.match(label)) and not label.endswith(NUMBER_LABEL_END)
                    and not after.strip(" 。，,.!！~～"))
        priced = bool(MEASURE_BEFORE.search(before) and PRICE_OF_THING.match(after))
        whole = match.group("v")
        big = len(whole.split(".")[0]) >= BARE_CLAUSE_MIN
        alone = text.strip() == whole and big
        # phone typing sets the price apart with spaces ("一双篮球鞋 899 13号拍的"), unless
        # it follows a number's label (尾号, 单号, 型号)
        spaced = (big and (not text[:match.start()] or text[match.start() - 1].isspace())
                  and (not after or after[0].isspace())
                  and not before.rstrip().endswith(NUMBER_LABEL_END))
        if cued or bought or alone or labelled or priced:
            found.append(whole)
        elif spaced and LATIN_END.search(before.rstrip()):
            # after an English name: a price ("二手switch 1450"), or the model's own number
            # ("RTX 4070 SUPER"; "RTX 4070 显卡 2999": the price comes after it)
            if not LATIN_START.match(after.lstrip()):
                model_numbers.append(whole)
        elif spaced:
            found.append(whole)
    return found or model_numbers[-1:]


def _sums(text: str, lexicon: Lexicon, corrected: bool) -> list[tuple[int, str, int, int]]:
    """(rank, value, start, end) of every sum of a clause: a sum with its unit (1499元)
    ranks before one in Chinese numerals (三千二), before a bare number (a model's 990)."""
    found = [(0, value, m.start(), m.end()) for m in AMOUNT.finditer(text)
             if (value := _amount_value(m))]
    if not found:
        for value in _bare_amounts(text, lexicon, corrected):
            start = text.find(value)
            found.append((2, value, max(0, start), max(0, start) + len(value)))
    found += [(1, value, m.start(), m.end()) for m in CN_AMOUNT.finditer(text)
              if (value := _cn_amount(m.group("v")))]
    return found


def _numbers(norm: str, lexicon: Lexicon, original: str, read_sum: ReadSum | None = None
             ) -> dict[str, str | None]:
    """Order number, product ID, tracking number, order amount and demanded money
    (``norm``: the normalized ``original``); ``read_sum``: the trained sum reader, which
    tells each sum's kind (else the clause's demand cues do)."""
    found: dict[str, str | None] = {"order_number": None, "product_id": None,
                                    "tracking_number": None, "amount": None,
                                    "demand_amount": None}
    for match in DIGIT_RUN.finditer(norm):
        digits = match.group(0)
        prefix = CARRIER_PREFIX.search(norm[:match.start()])
        before = norm[max(0, match.start() - 12):match.start()].rstrip(NUMBER_GLUE).lower()
        if PHONE.match(digits):
            continue
        kind = next((kind for kind, cues in lexicon.number_cues.items()
                     if any(cue in before[-(len(cue) + NUMBER_CUE_REACH):] for cue in cues)), None)
        if prefix is not None and kind in (None, "tracking_number"):
            # letters glued to the digits (SF…, YT…, JT…): a waybill number, never a Taobao
            # order number (all digits); kept whole
            kind, digits = "tracking_number", prefix.group(0).upper() + digits
        if kind is None and len(digits) >= ID_MIN_DIGITS:
            kind = "order_number"
        if kind is None:
            continue
        found[kind] = found[kind] or digits
    # Digits first: "一块实木砧板，258元" is 258, the 一块 before it is a measure word.
    found_by: dict[str, list[tuple[int, str]]] = {"amount": [], "demand_amount": []}
    previous = ""
    parts = clauses(original, lexicon.english)
    for index, clause in enumerate(parts):
        text = clause.text
        by_cue = "demand_amount" if any(cue in text for cue in lexicon.demand_cues) else "amount"
        corrected = (any(cue in previous for cue in lexicon.amount_cues)
                     and any(word in previous for word in lexicon.corrections))
        # "金额错了 是1180 我记错了": a value told again, which the reader was not trained on
        correcting = corrected or any(word in text or word in previous
                                      for word in lexicon.corrections)
        previous = text
        for rank, value, start, end in _sums(text, lexicon, corrected):
            fact: str | None = by_cue
            clause_words, before = sum_context(parts, index, start, end)
            if read_sum is not None and has_words(clause_words) and not correcting:
                # the trained reader, from the words around the sum; a sum that stands
                # alone ("，89元，") has none, and is the order's price unless a cue says
                # not; in a correction ("金额不对，是…") the sum is the amount corrected
                fact = FACT_OF_KIND.get(read_sum(clause_words, before))
            if fact is not None:
                found_by[fact].append((rank, value))
    for kind, values in found_by.items():
        if values:
            found[kind] = min(values, key=lambda pair: pair[0])[1]
    return found


def _status(norm: str, lexicon: Lexicon) -> str | None:
    for status, words in lexicon.order_statuses.items():
        if find_words(norm, words, lexicon.negations):
            return status
    return None


def _role(norm: str, lexicon: Lexicon, asked_role: bool) -> str | None:
    hits = [(start, role) for role, words in lexicon.roles.items()
            for start, _end, _word in find_words(norm, words, lexicon.negations)]
    if hits:
        return max(hits)[1]
    if asked_role:
        stripped = norm.strip(" 。.!！呀啊的哦")
        if stripped.endswith("买家") or stripped in {"买", "买方", "消费者"}:
            return "buyer"
        if stripped.endswith(("卖家", "商家", "店家")) or stripped in {"卖", "卖方", "店主"}:
            return "seller"
    return None


def _groups(norm: str, groups: tuple[tuple[str, ...], ...], lexicon: Lexicon,
            surface: bool = False, held: bool = False) -> tuple[str, ...]:
    """One word per synonym group found: the group's first word, or (``surface``) the
    user's own word; ``held``: not one the clause says the user lacks ("没有书面鉴定报告")."""
    kept: dict[str, str] = {}
    words = tuple(sorted((w for group in groups for w in group), key=len, reverse=True))
    owner = {word: group[0] for group in groups for word in group}
    for start, _end, word in find_words(norm, words, lexicon.negations):
        if held and _lacked(norm, start, lexicon):
            continue
        kept.setdefault(owner[word], word if surface else owner[word])
    return tuple(kept.values())


def lacks_evidence(text: str, lexicon: Lexicon) -> bool:
    """Whether a clause says the user lacks a piece of evidence ("没拍开箱视频")."""
    norm = text.lower()
    return any(_lacked(norm, start, lexicon) for group in lexicon.evidence for word in group
               if (start := norm.find(word.lower())) >= 0)


def _lacked(norm: str, start: int, lexicon: Lexicon) -> bool:
    """Whether a negation stands a few characters before ``start`` in the same clause."""
    before = CLAUSE_BREAK.split(norm[max(0, start - HELD_REACH):start])[-1]
    return any(word in before for word in lexicon.held_negations)


def read_message(text: str, now: dt.datetime, lexicon: Lexicon, asked: str | None = None,
                 asked_event: str | None = None, read_sum: ReadSum | None = None
                 ) -> MessageFacts:
    """The facts of one message. ``asked``: the slot the assistant had just asked for;
    ``asked_event``: the lexicon event whose date it had asked for; ``read_sum``: the
    trained sum reader (which sum is the price, which one a demand)."""
    return _read(joined_digit_groups(as_said(text[:MAX_TEXT], lexicon)), now, lexicon, asked,
                 asked_event, read_sum)


@lru_cache(maxsize=4096)
def _read(text: str, now: dt.datetime, lexicon: Lexicon, asked: str | None,
          asked_event: str | None, read_sum: ReadSum | None = None) -> MessageFacts:
    norm = normalized(text, lexicon.english)
    parts = clauses(text, lexicon.english)
    # a correction opens the message ("不对，…"), or names the slip anywhere ("…我看错了")
    corrects = any(word in norm[:8] or (len(word) >= SLIP_WORD and word in norm)
                   for word in lexicon.corrections)
    dates = dated_events(parts, now, asked_event if asked == "key_date" else None, lexicon,
                         corrects)
    problems = tuple(dict.fromkeys(
        clause.original.strip() for clause in parts
        if find_words(clause.text, lexicon.problems) and len(clause.text) <= 60))
    other_side = tuple(dict.fromkeys(
        clause.original[clause.text.find(cue):].strip() for clause in parts
        for cue in lexicon.other_side if cue in clause.text))
    numbers = _numbers(norm, lexicon, text, read_sum)
    return MessageFacts(
        role=_role(norm, lexicon, asked == "role"),
        dates=tuple(dates),
        item=item_name(norm, lexicon),
        problems=problems,
        other_side=other_side[:3],
        evidence=_groups(norm, lexicon.evidence, lexicon, surface=True, held=True),
        wants=_groups(norm, lexicon.wants, lexicon),
        order_status=_status(norm, lexicon),
        switch_marker=any(marker in norm for marker in lexicon.switch_markers),
        shop_name=shop_name(text, lexicon),
        seller_location=seller_location(norm, lexicon),
        told=tuple(dict.fromkeys(cue.event for clause in parts
                                 for cue in event_cues(clause.text, lexicon) if not cue.weak)),
        **numbers,
    )
