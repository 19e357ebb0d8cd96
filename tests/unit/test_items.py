"""The item a message names (bot/understanding/items.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.understanding.extract import read_message
from tests.data import catalog

NOW = dt.datetime(2026, 11, 20, 10, 0)


@pytest.mark.parametrize(("text", "item"), [
    ("买了一条牛仔裤，穿了一次就开线", "牛仔裤"),            # buy verb, numeral and measure
    ("是个蓝牙耳机599，物流说签收了", "蓝牙耳机"),          # a product word and its modifiers
    ("北欧风陶瓷花瓶，主图被盗了", "北欧风陶瓷花瓶"),
    ("空气炸锅用了两次就不加热了", "空气炸锅"),             # the product word leads the message
    ("买的1.8米的床，4680元", "床"),                     # one-character product words too
    ("我发的是全新的空气炸锅，他寄回来一个用旧了的", "空气炸锅"),  # no product word: no item
    ("包裹一直没到，卖家也不回", None),                    # 包裹 is no product
    ("原来卖的是一个全新的吹风机，订单号8830192746510382", "吹风机"),  # the modifier before 的 goes
    ("好几个差评，其中一个还打电话骂人", None),  # an adverb after the measure word: no item
    ("退回来三件，有一件就是旧的", None),
])
def test_the_item_a_message_names(text: str, item: str | None) -> None:
    assert read_message(text, NOW, catalog().lexicon).item == item
