"""The story a user told in chat, as the drafts and the case file write it
(bot/understanding/story.py): facts only, once, in time order, dates as dates, corrected
values as corrected, the other side's words under their speaker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.understanding.state import Turn, derive_case_state
from bot.understanding.story import StoryWordsError, load_story_words, tell
from tests.data import catalog, readers

AT = dt.datetime.fromisoformat("2026-11-20T10:00:00+08:00")
NOT_FACTS = ("吗", "怎么", "帮我", "气死", "你好")


def stub_is_fact(text: str) -> bool:
    """A clause reader for the prose rules alone: questions, requests, feelings, greetings out."""
    return not any(word in text for word in NOT_FACTS)


def story(*messages: str, is_fact=stub_is_fact) -> list[str]:
    turns = [Turn(text=m, time=AT, intent="inform") for m in messages]
    turns[0] = Turn(text=messages[0], time=AT, intent="refund_refused",
                    ranking=(("refund_refused", 0.9),))
    c = catalog()
    state = derive_case_state(turns, c.rulebook, c.lexicon, c.statutes)
    return [line.text for line in tell(turns, state, c.lexicon, c.story, is_fact)]


def test_questions_feelings_and_requests_stay_out_and_fillers_go():
    told = story("嗯 卖家一直不给退款，气死我了，小二放假吗", "帮我写个投诉")
    assert told == ["卖家一直不给退款。"]


def test_relative_dates_are_written_as_dates():
    told = story("卖家不给退款", "我昨天申请的退款")
    assert told == ["卖家不给退款。", "我2026年11月19日申请的退款。"]


def test_sentences_follow_the_dates_they_tell():
    told = story("卖家不给退款", "我11月15号申请的退款", "11月12号收到的货")
    assert told.index("2026年11月12日收到的货。") < told.index("我2026年11月15日申请的退款。")


def test_a_corrected_amount_is_written_as_corrected_and_the_wrong_value_dropped():
    told = story("卖家不给退款", "我花了199买的耳机", "说错了，实付是179，不是199")
    joined = "".join(told)
    assert "我花了179买的耳机" in joined and "199" not in joined


def test_a_clause_that_only_labels_the_order_is_not_repeated():
    assert story("卖家不给退款", "订单号4817263950018273，89元") == ["卖家不给退款。"]


def test_the_other_sides_words_are_quoted_under_their_speaker():
    told = "".join(story("卖家不给退款", "卖家说二手的都这样，介意别买"))
    assert "卖家说：“二手的都这样，介意别买”" in told


def test_words_that_speak_of_the_user_stay_reported_speech():
    told = "".join(story("卖家不给退款", "卖家说我自己弄破的"))
    assert "卖家说我自己弄破的" in told and "“" not in told


def test_the_users_own_words_to_the_seller_are_not_the_sellers():
    told = "".join(story("卖家不给退款", "我跟卖家说了我要退款"))
    assert "我跟卖家说了我要退款" in told and "“" not in told


def test_each_fact_is_told_once():
    assert story("卖家不给退款", "卖家不给退款") == ["卖家不给退款。"]


def test_chat_without_punctuation_is_cut_at_spaces():
    told = story("卖家不给退款", "在吗 我11月3号买了件羽绒服 收到发现袖口有个破洞")
    assert "我2026年11月3日买了件羽绒服，收到发现袖口有个破洞。" in told


def test_the_clause_model_keeps_facts_and_drops_questions():
    reader = readers()
    told = story("卖家一直不同意退款", "收到就开线了，这能退吗", is_fact=reader.is_fact)
    joined = "".join(told)
    assert "开线" in joined and "吗" not in joined


def test_story_words_are_validated_with_file_and_entry(tmp_path: Path):
    path = tmp_path / "story.yml"
    path.write_text("fillers: [嗯]\n", encoding="utf-8")
    with pytest.raises(StoryWordsError) as error:
        load_story_words(path)
    assert "story.yml" in str(error.value) and "loose_fillers" in str(error.value)


def test_a_correction_of_the_chat_is_not_part_of_the_story():
    told = "".join(story("卖家不给退款", "我12号申请的退款", "金额写错了，是1199，我刚才打错了"))
    assert "2026年11月12日申请的退款" in told
    assert "打错" not in told and "2026年11月20日" not in told


def test_a_quote_cut_by_a_comma_leaves_no_lone_quote_mark():
    told = "".join(story("卖家不给退款", "柜员说“序列号查不到，不是正品”。专柜只是口头说的"))
    assert told.count("“") == told.count("”")


def test_a_duration_keeps_the_users_words_beside_its_date():
    told = "".join(story("卖家不给退款", "付款一个星期了还不发货"))
    assert "付款一个星期了（2026年11月13日）还不发货" in told


def test_a_dated_clause_ends_the_other_sides_quote():
    told = "".join(story("卖家不给退款", "买家说没收到货，申请仅退款，16号小二判了支持买家"))
    assert "2026年11月16日小二判了支持买家" in told
    assert "16号" not in told


def test_a_date_corrected_in_a_later_turn_is_written_as_corrected():
    told = "".join(story("卖家不给退款", "我11月12号申请的退款", "不对，申请退款是11号，我记错了"))
    assert "2026年11月11日申请的退款" in told and "11月12日" not in told


def test_a_later_date_of_the_same_event_without_a_correction_keeps_each_as_told():
    told = "".join(story("卖家不给退款", "我11月12号申请的退款", "11月16号我又申请了一次退款"))
    assert "2026年11月12日申请的退款" in told and "2026年11月16日" in told


def test_the_clauses_that_restate_a_corrected_value_are_left_out():
    told = "".join(story("卖家不给退款", "订单号7781206493358214，我12号申请的退款",
                         "等等，订单号我抄错了一位，正确的是7781206493358241，最后两位是41"))
    assert "正确的是" not in told and "最后两位" not in told


def test_a_quote_across_a_comma_stays_whole_under_its_speaker():
    told = "".join(story("卖家不给退款", "卖家回了一句“洗标印错了，衣服没问题”，就把我拉黑了"))
    assert "卖家回：“洗标印错了，衣服没问题”" in told


def test_evidence_the_user_lacks_is_no_part_of_the_story():
    told = "".join(story("卖家不给退款", "我有照片和聊天记录，但是没拍开箱视频"))
    assert "开箱视频" not in told and "照片" in told


@pytest.mark.parametrize("correction", ["等下 我翻了支付宝 是11号晚上申请的不是12号 改一下",
                                        "不对，是11号，不是12号"])
def test_a_clause_that_rejects_a_value_told_is_no_part_of_the_story(correction):
    """"是11号…不是12号" corrects the chat: the date is written as corrected where it was
    told, and the rejected one appears nowhere."""
    told = "".join(story("卖家不给退款", "我11月12号申请的退款", correction))
    assert "2026年11月11日申请的退款" in told and "12日" not in told, told


def test_a_corrected_date_of_an_event_told_only_as_its_kind_corrects_that_one():
    """"签收日期我记错了" when only the return's 签收 was told corrects the return's."""
    turns = [Turn(text=m, time=AT, intent="inform") for m in (
        "买家退回来的东西不对", "退货11月11号签收的", "签收日期我记错了 是11月12号 改一下")]
    turns[0] = Turn(text=turns[0].text, time=AT, intent="wrong_item_returned",
                    ranking=(("wrong_item_returned", 0.9),))
    c = catalog()
    state = derive_case_state(turns, c.rulebook, c.lexicon, c.statutes)
    assert state.events["return_signed"].value == dt.date(2026, 11, 12)
    assert "signed" not in state.events
