"""The readers of a request and of a message's safety situations (bot/drafting/style.py,
bot/understanding/safety_reader.py): their data is validated
with errors that name the file and the entry, and the trained readers do their job on
requests written here, not taken from their training data."""

from __future__ import annotations

import pytest

from bot.drafting.style import DraftStyle, StyleError, load_style_data
from bot.understanding.safety_reader import SafetyReaderError, load_safety_data
from tests.data import catalog, readers

STYLE_SETTINGS = ("c: 0.3\nlength_threshold: 0\ntone_threshold: 0\ncv_length_accuracy: 0\n"
                  "cv_tone_accuracy: 0\n")
SAFETY_SETTINGS = ("flags: {threat: [police_first]}\nc: 0.3\nthresholds: {threat: 0}\n"
                   "cv_recall: {threat: 0}\ncv_false_alarms: {threat: 0}\n")


def _write(folder, settings_name, settings, data_name, data):
    (folder / settings_name).write_text(settings, encoding="utf-8")
    (folder / data_name).write_text(data, encoding="utf-8")
    return folder


@pytest.mark.parametrize("data, problem", [
    ("- {text: 短点, length: tiny, tone: keep}\n", "entry 1: length must be one of"),
    ("- {text: 短点, length: short, tone: angry}\n", "entry 1: tone must be one of"),
    ("- {text: '', length: short, tone: keep}\n", "entry 1: needs a non-empty text"),
    ("- {text: 短点, length: short, tone: keep}\n", "no examples of length"),
])
def test_bad_style_data_names_the_file_and_the_entry(tmp_path, data, problem) -> None:
    _write(tmp_path, "style_model.yml", STYLE_SETTINGS, "style.yml", data)
    with pytest.raises(StyleError, match=problem) as raised:
        load_style_data(tmp_path)
    assert "style.yml" in str(raised.value)


def test_bad_safety_data_names_the_file_and_the_entry(tmp_path) -> None:
    _write(tmp_path, "safety_model.yml", SAFETY_SETTINGS, "safety.yml",
           "- {text: 他说知道我住哪, threat: yes please}\n")
    with pytest.raises(SafetyReaderError, match="entry 1: threat must be true or false"):
        load_safety_data(tmp_path)


def test_the_safety_flags_are_the_rule_books() -> None:
    known = set(catalog().rulebook.safety_flag_ids())
    assert {f for flags in catalog().safety.settings.flags.values() for f in flags} <= known


def test_a_style_asks_a_variant_only_when_it_differs_from_the_defaults() -> None:
    assert not DraftStyle().asks and DraftStyle().variant is None
    assert DraftStyle("short", "firm").variant == "short"
    assert DraftStyle("full", "other").variant == "rewrite"
    assert DraftStyle("full", "polite").wanted_tone == "polite"


@pytest.mark.parametrize(("words", "length", "tone"), [
    ("能不能精简到一条微信能发完的长度", "short", "keep"),
    ("语气再强硬些，别跟他客客气气的", "full", "firm"),
    ("这样太冲了，改得柔和一点吧", "full", "polite"),
    ("同样的意思，换个表达方式再来一遍", "full", "other"),
    ("订单号是4817263950018273", "full", "keep"),
    ("卖家态度特别不客气", "full", "keep"),
])
def test_the_style_reader_reads_length_and_tone(words, length, tone) -> None:
    style = readers().style(words)
    assert (style.length, style.tone) == (length, tone)


@pytest.mark.parametrize(("words", "flag"), [
    ("他昨晚又发消息说知道我们仓库在哪，让我等着", "police_first"),
    ("客服打电话说我的订单异常，让我下载个软件共享屏幕退款", "fraud_report"),
    ("买家说不给他返300块就每天给我刷差评", "extortion_report"),
])
def test_the_safety_reader_hears_a_situation_told_in_other_words(words, flag) -> None:
    assert flag in readers().safety_flags(words)


@pytest.mark.parametrize("words", ["双十一秒杀买的，卖家约了上门安装", "我想给这家店一个差评",
                                   "卖家一直不同意退款怎么办"])
def test_the_safety_reader_stays_quiet_on_ordinary_disputes(words) -> None:
    assert readers().safety_flags(words) == ()
