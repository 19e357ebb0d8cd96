"""bot.understanding.sums: which sum of a message is the price and which a sum demanded."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.understanding.extract import read_message
from bot.understanding.sum_context import masked
from bot.understanding.sums import SumDataError, load_sum_data
from tests.data import catalog, readers

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 20, 10, 0)


@pytest.mark.parametrize(("text", "start", "end", "expected"), [
    ("给他50块就删", 2, 5, "给他#就删"),
    ("给他50块就删", 2, 4, "给他#就删"),  # the unit after the digits belongs to the sum
    ("实付¥89，运费10元", 3, 5, "实付#,运费0元"),
    ("他要rmb 300", 6, 9, "他要#"),
])
def test_the_sum_and_its_currency_marks_are_masked(text, start, end, expected):
    assert masked(text.replace("，", ","), start, end) == expected


def _facts(text: str):
    return read_message(text, NOW, catalog().lexicon, read_sum=readers().sum_kind)


@pytest.mark.parametrize(("text", "amount", "demand"), [
    ("他说给他50块就删差评", None, "50"),
    ("买家开口就要300，不给就一直投诉", None, "300"),
    ("我花了299买的，卖家只肯退50", "299", None),
    ("我们卖的杯子39元，买家说要补偿100", "39", "100"),
])
def test_the_reader_tells_the_price_from_a_sum_demanded(text, amount, demand):
    facts = _facts(text)
    assert (facts.amount, facts.demand_amount) == (amount, demand)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "understanding"
    (folder / "money").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "understanding" / "sum_model.yml", folder)
    return folder


def test_a_sum_not_in_its_text_names_the_file_and_the_entry(tmp_path):
    folder = _copy(tmp_path)
    (folder / "money" / "a.yml").write_text(
        '- {text: "给他50块就删", sums: {"50块": demand}}\n'
        '- {text: "一共89元", sums: {"98元": price}}\n', encoding="utf-8")
    with pytest.raises(SumDataError, match=r"a\.yml.*entry 2.*98元"):
        load_sum_data(folder)


def test_an_unknown_kind_names_the_file_and_the_entry(tmp_path):
    folder = _copy(tmp_path)
    (folder / "money" / "a.yml").write_text('- {text: "退了30", sums: {"30": refund}}\n',
                                            encoding="utf-8")
    with pytest.raises(SumDataError, match=r"a\.yml.*entry 1.*kind"):
        load_sum_data(folder)
