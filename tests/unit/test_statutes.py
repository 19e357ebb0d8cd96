"""Statutory questions: which topic a message asks, and an answer that cites its articles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.statutes import (
    DEFAULT_ANSWERS,
    check_limits,
    parse_statutes,
    statute_answer,
    statute_topic,
)
from bot.understanding.lexicon import LexiconError
from tests.data import catalog


def topic_of(message: str) -> str | None:
    found = statute_topic(message, catalog().statutes)
    return None if found is None else found.id


@pytest.mark.parametrize(("message", "topic"), [
    ("七天无理由退货的七天从哪天开始算？", "seven_day_start"),
    ("寄回去了卖家多久必须退款？", "return_refund_time"),
    ("打12315投诉以后多久会处理？", "regulator_handling"),
    ("卖假货按法律能赔多少？", "fraud_compensation"),
    ("内衣能不能七天无理由退货？", "not_returnable"),
    ("淘宝平台有没有义务帮消费者？", "platform_duties"),
    ("拿差评要钱算敲诈勒索犯罪吗", "crime"),
])
def test_the_issue_questions_find_their_topic(message: str, topic: str) -> None:
    assert topic_of(message) == topic


@pytest.mark.parametrize("message", [
    "卖家一直不同意退款怎么办",          # a case, not a question about the law
    "我想七天无理由退货",                # no question
    "收到的衣服有色差，申请了退款",
    "现在能申请小二介入吗？",            # a rule-book question, not a statute one
])
def test_case_messages_and_rule_questions_are_not_statute_questions(message: str) -> None:
    assert topic_of(message) is None


def test_every_answer_line_cites_and_every_limit_exists() -> None:
    topics = catalog().statutes.topics
    check_limits(topics, catalog().rulebook.shared_limits())
    for topic in topics:
        assert topic.title and topic.hedge
        assert all(line.citations for line in topic.lines), topic.id
    by_id = {topic.id: topic for topic in topics}
    refs = {c.ref for line in by_id["seven_day_start"].lines for c in line.citations}
    assert "七日无理由退货办法 第十条" in refs
    refs = {c.ref for line in by_id["regulator_handling"].lines for c in line.citations}
    assert {"实施条例 第四十六条", "投诉举报处理办法"} <= refs
    refs = {c.ref for line in by_id["fraud_compensation"].lines for c in line.citations}
    assert {"消保法 第五十五条", "实施条例 第四十九条"} <= refs


def test_the_answer_dates_the_limit_from_the_conversation() -> None:
    book = catalog().rulebook
    topic = next(t for t in catalog().statutes.topics if t.id == "seven_day_start")
    answer = statute_answer(topic, book, {"goods_received": dt.date(2026, 11, 13)},
                            dt.date(2026, 11, 20))
    assert answer.dated is not None and answer.dated.due == dt.date(2026, 11, 20)
    assert statute_answer(topic, book, {}, dt.date(2026, 11, 20)).dated is None


def _answers() -> dict:
    return yaml.safe_load(DEFAULT_ANSWERS.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["topics"]["crime"]["lines"][0].update(source=["刑法 第一条"]), "第一条"),
    (lambda d: d["topics"]["crime"].pop("hedge"), "hedge"),
    (lambda d: d["topics"]["crime"].pop("title"), "title"),
    (lambda d: d["topics"]["crime"].update(cues=[]), "word groups"),
    (lambda d: d["topics"]["crime"]["lines"][0].pop("source"), "missing"),
])
def test_a_broken_answers_file_names_the_topic(change, message) -> None:
    data = _answers()
    change(data)
    with pytest.raises(LexiconError, match=message) as error:
        parse_statutes(data, Path("answers.yml"), catalog().sources)
    assert "topics.crime" in str(error.value)


def test_an_unknown_limit_is_named() -> None:
    data = _answers()
    data["topics"]["crime"]["limit"] = "no_such_limit"
    topics = parse_statutes(data, Path("answers.yml"), catalog().sources)
    with pytest.raises(LexiconError, match="no_such_limit"):
        check_limits(topics, catalog().rulebook.shared_limits())


def _turn(message: str, earlier: tuple[str, ...] = (), intent: str | None = "ask_deadline",
          dated_now: dict | None = None):
    from bot.statutes import LawTurn

    dates = dated_now or {}
    return LawTurn(message, earlier, intent, dates, dates, dt.date(2026, 11, 20))


def _reply(turn):
    from bot.statutes import law_reply

    return law_reply(turn, catalog().rulebook, catalog().statutes)


def test_a_follow_up_gets_only_the_lines_it_is_about() -> None:
    first = "打12315投诉以后多久会处理？"
    answer = _reply(_turn(first))
    assert answer is not None and not answer.follow_up and len(answer.lines) == 4
    follow = _reply(_turn("那调解有没有时间限制？", (first,)))
    assert follow is not None and follow.follow_up
    assert [line.text[:6] for line in follow.lines] == ["受理后双方同"]
    assert _reply(_turn("那调解有没有时间限制？", (first,), intent="refund_refused")) is None
    assert _reply(_turn("那调解有没有时间限制？")) is None  # no law question before


def test_the_same_question_again_is_not_answered_twice_in_full() -> None:
    first = "七天无理由退货的七天从哪天开始算？"
    again = _reply(_turn("七天无理由到底从哪天开始算？", (first,)))
    assert again is not None and again.follow_up and len(again.lines) < 2


def test_a_follow_up_with_the_date_gets_the_calendar_date() -> None:
    first = "七天无理由退货的七天从哪天开始算？"
    answer = _reply(_turn("那我11月17号签收的，最晚哪天？", (first,),
                          dated_now={"goods_received": dt.date(2026, 11, 17)}))
    assert answer is not None and answer.dated is not None
    assert answer.dated.due == dt.date(2026, 11, 24)


def test_a_crime_question_gets_the_crime_it_names_and_the_report_advice() -> None:
    answer = _reply(_turn("拿差评要钱算敲诈勒索犯罪吗"))
    assert answer is not None
    refs = [c.ref for line in answer.lines for c in line.citations]
    assert "刑法 第二百七十四条" in refs and "刑法 第二百六十六条" not in refs
    assert any(line.always for line in answer.lines)
    both = _reply(_turn("诈骗和敲诈勒索在刑法里怎么规定的？"))
    assert both is not None and len(both.lines) == 3


def test_the_fraud_answer_applies_the_law_to_the_price_the_user_gave() -> None:
    from bot.statutes import LawTurn, law_reply

    first = "听说买到假货可以退一赔三，这个是哪条法律规定的？"
    book, answers = catalog().rulebook, catalog().statutes
    priced = law_reply(LawTurn(first, (), "counterfeit", {}, {}, dt.date(2026, 11, 20), 899.0),
                       book, answers)
    assert priced is not None and priced.price == 899.0
    assert priced.topic.price_rule.amount_for(899) == 2697
    follow = law_reply(LawTurn("如果东西本身只卖30块，那最多也就赔90块？", (first,), "inform", {},
                               {}, dt.date(2026, 11, 20), 30.0, True), book, answers)
    assert follow is not None and follow.price == 30.0
    assert follow.topic.price_rule.amount_for(30) == 500  # at least 500 yuan (第五十五条)
