"""bot.understanding.chat_paste: pasted chat lines are their speaker's words."""

from __future__ import annotations

import pytest

from bot.understanding.chat_paste import as_said
from tests.data import catalog
from tests.unit.test_story import story


@pytest.mark.parametrize(("pasted", "expected"), [
    ("买家：不管 你退我50", "买家说“不管 你退我50”"),
    ("【买家】要么给我发个红包", "买家说“要么给我发个红包”"),
    ("客服: 亲 仓库爆单了😊", "客服说“亲 仓库爆单了”"),
    ("我：？？？", "我说“？？？”"),
    ("订单号：3301928475560192", "订单号：3301928475560192"),  # no speaker's label
    ("客服原话：再等等", "客服原话：再等等"),
])
def test_a_line_that_starts_with_a_speaker_is_their_words(pasted, expected):
    assert as_said(pasted, catalog().lexicon) == expected


def test_pasted_chat_is_told_under_its_speakers_in_the_story():
    pasted = ("这买家啥意思\n买家：亲 数据线有点短哦\n我：亲 详情页写了1米的呢\n"
              "买家：不管 你退我50 不然我就给差评😊")
    told = "".join(story("买家恶意差评", pasted))
    assert "买家说" in told and "你退我50" in told and "我说" in told, told
    assert "买家。" not in told and "😊" not in told, told
