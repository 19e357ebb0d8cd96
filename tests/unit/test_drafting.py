"""bot.drafting: every kind of draft, in every tone, for every case it is written for."""

from __future__ import annotations

import ast
import difflib
import io
import re
import shutil
import tokenize
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.drafting import (
    DraftConfigError,
    DraftContext,
    DraftError,
    DraftFacts,
    Said,
    TimelineEntry,
    check_lexicon_events,
    load_drafts,
    render_draft,
)
from bot.drafting.compose import facts_from_state
from bot.rulebook import load_case_folders
from bot.understanding.state import CaseState, Fact
from tests.data import catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "bot" / "drafting").glob("*.py"))
CATALOG = catalog().drafts
COMBOS = [(kind.id, case_type, role, tone)
          for key in CATALOG.cases for case_type, _, role in [key.partition(".")]
          for kind in CATALOG.kinds_for(case_type, role, {"ruling"})
          for tone in kind.tones]

ORDER = "3312345678901234567"
ITEM = "无线降噪耳机"
AMOUNT = "299"
SHOP = "星河数码专营店"
PLACE = "浙江杭州"
TRACKING = "SF1234567890"
STORY = "左耳没有声音"
SAID = Said(cue="卖家说", words="是我自己弄坏的")
EVIDENCE = ["开箱视频", "聊天记录"]
TIMELINE = [TimelineEntry(day=date(2026, 11, 3), event="paid"),
            TimelineEntry(day=date(2026, 11, 16), event="ruling")]
FULL = DraftFacts(order_number=ORDER, item=ITEM, amount=AMOUNT, shop_name=SHOP,
                  seller_location=PLACE, tracking_number=TRACKING, timeline=TIMELINE,
                  story=[STORY], other_side=[SAID], evidence=EVIDENCE, wants=["退款", "赔偿"])
CONTEXT = DraftContext(rule_reference="平台规则", reply_by=date(2026, 11, 25),
                       deadline_text="按平台规则，申请退款约3天后可以申请客服介入",
                       next_step="申请客服介入", suggested_evidence=["订单号"])

PLACEHOLDER = re.compile(r"【[^】]*】")
LEFTOVERS = ("{{", "}}", "{%", "%}", "{#", "None", "undefined")
DANGLING = re.compile(r"[，、；：,;:][。！？，、；]|。。|(^|\n)[，。；：、]|「」|（）|：$")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
DIGITS = re.compile(r"\d+")
THREATS = ("报警", "起诉", "曝光", "我将", "本店将", "否则")


def assert_clean(text: str) -> None:
    for leftover in LEFTOVERS:
        assert leftover not in text, leftover
    match = DANGLING.search(text)
    assert match is None, f"dangling punctuation {match.group()!r} in:\n{text}"


def digits_of(*sources: str) -> set[str]:
    return {run for source in sources for run in DIGITS.findall(source)}


@pytest.mark.parametrize(("kind", "case_type", "role", "tone"), COMBOS)
def test_every_stated_fact_appears_and_nothing_is_a_placeholder(kind, case_type, role, tone):
    draft = render_draft(CATALOG, kind, case_type, role, tone, FULL, CONTEXT)
    assert draft.missing == [] and not PLACEHOLDER.search(draft.text), draft.text
    for value in (ITEM, STORY, *EVIDENCE):
        assert value in draft.text, (value, draft.text)
    if kind != "after_sale_reason":  # a short reason typed on the order itself
        for value in (ORDER, "2026年11月3日", "是我自己弄坏的"):
            assert value in draft.text, (value, draft.text)
    assert_clean(draft.text)


KINDS_DIR = ROOT / "data" / "drafts" / "kinds"
# kinds whose own template has a second wording (the others change only in shared parts)
OWN_WORDING = {path.stem for path in KINDS_DIR.glob("[!_]*.j2")
               if "wording == 1" in path.read_text(encoding="utf-8")}
OTHER_WORDING = CONTEXT.copy(update={"wording": 1})


@pytest.mark.parametrize(("kind", "case_type", "role", "tone"), COMBOS)
def test_the_other_wording_differs_and_keeps_every_fact(kind, case_type, role, tone):
    first = render_draft(CATALOG, kind, case_type, role, tone, FULL, CONTEXT)
    other = render_draft(CATALOG, kind, case_type, role, tone, FULL, OTHER_WORDING)
    assert other.missing == [] and not PLACEHOLDER.search(other.text), other.text
    numbering = {"1", "2", "3", "4"}  # numbered lines in one layout, not in the other
    assert digits_of(other.text) - numbering == digits_of(first.text) - numbering, other.text
    for value in (ITEM, STORY, *EVIDENCE):
        assert value in other.text, (value, other.text)
    assert_clean(other.text)
    assert other.text != first.text
    if kind in OWN_WORDING:  # as the conversation suites count a near copy
        ratio = difflib.SequenceMatcher(None, first.text, other.text).ratio()
        assert ratio < 0.85, (ratio, other.text)


@pytest.mark.parametrize(("kind", "case_type", "role", "tone"), COMBOS)
def test_every_digit_comes_from_the_facts_or_the_rule_book(kind, case_type, role, tone):
    draft = render_draft(CATALOG, kind, case_type, role, tone, FULL, CONTEXT)
    allowed = digits_of(ORDER, AMOUNT, TRACKING, "2026年11月3日 2026年11月16日",
                        "2026年11月25日", CONTEXT.deadline_text or "", "12315")
    allowed |= {"1", "2", "3", "4"}  # numbered evidence lines
    assert digits_of(draft.text) <= allowed, draft.text


@pytest.mark.parametrize(("kind", "case_type", "role", "tone"), COMBOS)
def test_without_facts_only_what_the_kind_needs_is_a_placeholder(kind, case_type, role, tone):
    draft = render_draft(CATALOG, kind, case_type, role, tone, DraftFacts(), DraftContext())
    needs = set(CATALOG.kind(kind).needs)
    assert set(draft.missing) <= needs, draft.missing
    shown = set(PLACEHOLDER.findall(draft.text))
    labels = {f"【{CATALOG.config.fact_labels[name]}】" for name in draft.missing}
    assert shown == labels, draft.text
    assert_clean(draft.text)


@pytest.mark.parametrize(("kind", "case_type", "role", "tone"), COMBOS)
def test_a_reply_by_date_only_in_firm_letters_to_the_seller(kind, case_type, role, tone):
    text = render_draft(CATALOG, kind, case_type, role, tone, FULL, CONTEXT).text
    expected = tone == "firm" and CATALOG.kind(kind).reply_by
    assert ("2026年11月25日" in text) == expected, text
    if expected:
        assert CONTEXT.deadline_text in text  # says which limit the date comes from


@pytest.mark.parametrize("kind", ["regulator_complaint", "consumer_association"])
@pytest.mark.parametrize("tone", ["polite", "firm"])
def test_letters_to_the_authorities_threaten_nothing_and_name_the_place(kind, tone):
    text = render_draft(CATALOG, kind, "refund_refused", "buyer", tone, FULL, CONTEXT).text
    assert not [word for word in THREATS if word in text], text
    assert PLACE in text.splitlines()[1] and SHOP in text


def test_polite_and_firm_differ_and_firm_names_the_rule_and_next_step() -> None:
    polite = render_draft(CATALOG, "seller_message", "refund_refused", "buyer", "polite", FULL,
                          CONTEXT)
    firm = render_draft(CATALOG, "seller_message", "refund_refused", "buyer", "firm", FULL,
                        CONTEXT)
    obligation = CATALOG.case("refund_refused", "buyer").obligation
    assert obligation in firm.text and obligation not in polite.text
    assert "申请客服介入" in firm.text and "谢谢" in polite.text


def test_dates_carry_the_label_of_their_own_event() -> None:
    facts = DraftFacts(timeline=[TimelineEntry(day=date(2026, 11, 16), event="ruling"),
                                 TimelineEntry(day=date(2026, 11, 18), event="extortion_demand")])
    text = render_draft(CATALOG, "platform_statement", "malicious_review", "seller", "polite",
                        facts).text
    phrases = CATALOG.config.event_phrases["seller"]
    assert f"2026年11月16日，{phrases['ruling']}" in text
    assert f"2026年11月18日，{phrases['extortion_demand']}" in text
    assert "交易成功" not in text


def test_the_timeline_is_in_date_order() -> None:
    facts = DraftFacts(timeline=list(reversed(TIMELINE)))
    text = render_draft(CATALOG, "platform_statement", "ruling_unfair", "buyer", "polite",
                        facts).text
    assert text.index("11月3日") < text.index("11月16日")


def test_the_shop_writes_as_the_shop() -> None:
    text = render_draft(CATALOG, "refund_refusal", "wrong_item_returned", "seller", "polite",
                        FULL).text
    assert "本店" in text and "我是贵店的买家" not in text


def test_an_appeal_names_the_new_evidence_or_asks_for_it() -> None:
    text = render_draft(CATALOG, "ruling_appeal", "ruling_unfair", "buyer", "polite", FULL).text
    assert "1. 开箱视频" in text
    bare = render_draft(CATALOG, "ruling_appeal", "ruling_unfair", "buyer", "polite", DraftFacts())
    assert bare.missing == ["evidence"]


def test_the_police_report_takes_its_subject_from_the_safety_flag() -> None:
    facts = FULL.copy(update={"safety": ["extortion_report"]})
    text = render_draft(CATALOG, "police_report", "malicious_review", "seller", "polite",
                        facts).text
    assert CATALOG.config.police_reasons["extortion_report"] in text


def test_template_syntax_in_facts_is_literal() -> None:
    facts = DraftFacts(item="{{ 7*7 }}", story=["{% for x in y %}"])
    text = render_draft(CATALOG, "seller_message", "quality_problem", "buyer", "polite", facts).text
    assert "{{ 7*7 }}" in text and "49" not in text and "{% for x in y %}" in text


def test_control_characters_are_stripped() -> None:
    facts = DraftFacts(item="耳机\u0000\u200b", story=["坏了\u202e"])
    text = render_draft(CATALOG, "seller_message", "quality_problem", "buyer", "polite", facts).text
    assert "\u0000" not in text and "\u200b" not in text and "\u202e" not in text


def test_a_kind_not_written_for_the_case_is_refused() -> None:
    with pytest.raises(DraftError, match="offered"):
        render_draft(CATALOG, "refund_refusal", "refund_refused", "buyer", "polite", FULL)
    with pytest.raises(DraftError, match="tones"):
        render_draft(CATALOG, "seller_ultimatum", "refund_refused", "buyer", "polite", FULL)
    with pytest.raises(DraftError, match="unknown draft kind"):
        render_draft(CATALOG, "poem", "refund_refused", "buyer", "polite", FULL)


def test_facts_from_the_case_state_reach_the_draft() -> None:
    lexicon = catalog().lexicon
    state = CaseState(case_type="refund_refused", role="buyer")
    state.facts["order_number"] = Fact("order_number", ORDER, 2, "")
    state.facts["shop_name"] = Fact("shop_name", SHOP, 3, "")
    state.lists["problems"] = [Fact("problems", "收到就开线了", 2, ""),
                               Fact("problems", "卖家说是我自己弄坏的", 2, "")]
    state.lists["other_side"] = [Fact("other_side", "卖家说是我自己弄坏的", 2, "")]
    state.events["refund_requested"] = Fact("refund_requested", date(2026, 11, 16), 2, "")
    text = render_draft(CATALOG, "platform_statement", "refund_refused", "buyer", "polite",
                        facts_from_state(state, lexicon)).text
    assert ORDER in text and SHOP in text and "2026年11月16日，我申请退款" in text
    assert text.count("是我自己弄坏的") == 1 and "卖家说：“是我自己弄坏的”" in text


def test_every_lexicon_event_has_a_timeline_phrase_for_both_roles() -> None:
    assert check_lexicon_events(CATALOG, set(catalog().lexicon.events)) == []


def test_a_bad_kinds_file_names_the_file_and_the_entry(tmp_path) -> None:
    copy = tmp_path / "drafts"
    shutil.copytree(ROOT / "data" / "drafts", copy)
    data = yaml.safe_load((copy / "kinds.yml").read_text(encoding="utf-8"))
    data["kinds"]["seller_message"]["needs"] = ["horoscope"]
    (copy / "kinds.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DraftConfigError, match=r"kinds\.yml kinds\.seller_message: unknown need"):
        load_drafts(copy, catalog().cases)


def test_a_case_default_kind_must_be_written_for_the_case(tmp_path) -> None:
    copy = tmp_path / "drafts"
    shutil.copytree(ROOT / "data" / "drafts", copy)
    shutil.copytree(ROOT / "data" / "cases", tmp_path / "cases")
    case_file = tmp_path / "cases" / "refund_refused" / "drafts.yml"
    data = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    data["cases"]["refund_refused.buyer"]["default_kind"] = "refund_refusal"
    case_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DraftConfigError,
                       match=r"refund_refused/drafts\.yml cases\.refund_refused\.buyer"):
        load_drafts(copy, load_case_folders(tmp_path / "cases"))


def test_every_case_type_and_role_of_the_rule_book_has_drafts() -> None:
    book = catalog().rulebook
    entries = {f"{entry.case_type}.{entry.role}" for entry in book.entries()}
    assert entries == set(CATALOG.cases)


# --- house rules ---------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_no_chinese_literals_in_drafting_source(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    offending = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type != tokenize.COMMENT and CJK.search(token.string)
    ]
    assert offending == []


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_drafting_does_not_import_rasa(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names]
    modules += [node.module or "" for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)]
    assert not [m for m in modules if m.split(".")[0] in ("rasa", "rasa_sdk")]


def test_what_the_other_side_said_is_told_once_under_its_first_cue() -> None:
    lexicon = catalog().lexicon
    state = CaseState(case_type="refund_refused", role="buyer")
    state.lists["other_side"] = [Fact("other_side", "卖家说了他说是库存批次问题", 2, ""),
                                 Fact("other_side", "他说是库存批次问题", 2, "")]
    said = facts_from_state(state, lexicon).other_side
    assert [(s.cue, s.words) for s in said] == [("卖家说", "是库存批次问题")]


def test_a_short_text_to_the_police_asks_them_to_act_not_for_a_refund():
    from bot.drafting import render_short
    text = render_short(CATALOG, "police_report", "seller_harassment", "buyer", FULL, CONTEXT).text
    assert len(text) <= CATALOG.config.short_limit
    assert "请依法调查处理" in text and "退还" not in text and ORDER in text


def test_the_time_limit_a_request_gives_is_read_in_days_or_working_days():
    from bot.drafting.request import within_from_words

    drafts = catalog().drafts
    assert within_from_words("给他3天时间退款", drafts) == (3, False)
    assert within_from_words("让他两天内发货", drafts) == (2, False)
    assert within_from_words("两个工作日内答复", drafts) == (2, True)
    assert within_from_words("付款3天了", drafts) is None


def test_the_text_facts_are_the_case_states_single_facts_and_its_item() -> None:
    """One list of the facts a draft prints, checked against the case state's."""
    from bot.drafting.facts import TEXT_FACTS
    from bot.understanding.state import SINGLE_FACTS

    assert set(TEXT_FACTS) == {*SINGLE_FACTS, "item"}
