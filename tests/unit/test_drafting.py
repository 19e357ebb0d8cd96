"""bot.drafting: complaint and appeal drafts from data/drafts/ templates."""

from __future__ import annotations

import ast
import io
import re
import tokenize
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bot.drafting import (
    FACT_NAMES,
    DraftContext,
    DraftError,
    DraftFacts,
    case_event_keys,
    case_facts,
    default_addressee,
    fact_placeholder,
    render_draft,
    split_parts,
    supported_addressees,
    supported_cases,
    supported_tones,
)

DRAFTING_SOURCE = Path(__file__).resolve().parents[2] / "bot" / "drafting.py"

BUYER_ONLY = {"refund_refused", "seller_harassment", "not_shipped", "not_received",
              "not_as_described", "quality_problem", "counterfeit", "broken_promise",
              "external_escalation", "lawsuit"}
SELLER_ONLY = {"accused_of_harassment", "wrong_item_returned", "listing_violation",
               "image_theft", "malicious_review"}
BOTH_ROLES = {"ruling_unfair", "staff_complaint", "logistics_claim"}

CASES = supported_cases()
TONES = supported_tones()
CASE_ADDRESSEES = [(c, r, a) for c, r in CASES for a in supported_addressees(c, r)]
COMBOS = [(c, r, a, t) for c, r, a in CASE_ADDRESSEES for t in TONES]
FIRM_COMBOS = [combo for combo in COMBOS if combo[3] == "firm"]


ORDER_NUMBER = "3312345678901234567"
ITEM = "无线降噪耳机 X2"
AMOUNT = "299.00"
WHAT_HAPPENED = "收到后发现左耳没有声音，联系客服后一直没有回复"
DEMAND = "退货退款并由卖家承担退货运费"
SHOP = "星河数码专营店"
EVIDENCE = ["旺旺聊天截图", "开箱视频"]
TRACKING = "SF1234567890"
CONTACT = "张三 13800000000"

FULL_CONTEXT = DraftContext(
    rule_reference="《淘宝平台争议处理规则》",
    deadline_text="按规则，对方应在3个工作日内答复",
    next_step="拨打12315消费者投诉热线",
    reply_by=date(2026, 11, 25),
)
REPLY_BY_TEXT = "2026年11月25日"

PLACEHOLDER = re.compile(r"【[^】]*】")
LEFTOVERS = ("{{", "}}", "{%", "%}", "{#", "None", "undefined", "Undefined")
DANGLING = re.compile(
    r"[，、；：,;:][。！？，、；]|。。|(^|\n)[，。；：、]|根据[，。]|「」|（）|：$")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def case_dates(case_type: str, role: str) -> dict[str, date]:
    """Distinct dates for every event the case mentions."""
    keys = case_event_keys(case_type, role)
    return {key: date(2026, 10, 1 + 3 * i) for i, key in enumerate(keys)}


def formatted(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def full_facts(case_type: str, role: str) -> DraftFacts:
    return DraftFacts(
        order_number=ORDER_NUMBER, item=ITEM, amount=AMOUNT,
        event_dates=case_dates(case_type, role), what_happened=WHAT_HAPPENED,
        demand=DEMAND, shop_name=SHOP, evidence=EVIDENCE, tracking_number=TRACKING,
        contact=CONTACT,
    )


def expected_strings(case_type: str, role: str, addressee: str) -> list[str]:
    strings = [ORDER_NUMBER, ITEM, AMOUNT, WHAT_HAPPENED, DEMAND, SHOP, TRACKING, *EVIDENCE]
    strings += [formatted(d) for d in case_dates(case_type, role).values()]
    if addressee != "seller":  # no need to send the seller one's own phone number
        strings.append(CONTACT)
    return strings


def assert_clean(text: str) -> None:
    for leftover in LEFTOVERS:
        assert leftover not in text, leftover
    match = DANGLING.search(text)
    assert match is None, f"dangling punctuation {match.group()!r} in:\n{text}"


# --- the table -----------------------------------------------------------------------


def test_table_covers_every_case_type_with_its_roles() -> None:
    expected = {(c, "buyer") for c in BUYER_ONLY | BOTH_ROLES}
    expected |= {(c, "seller") for c in SELLER_ONLY | BOTH_ROLES}
    assert set(CASES) == expected
    assert len(CASES) == len(set(CASES))


@pytest.mark.parametrize("case_type,role", CASES)
def test_default_addressee_is_offered_first(case_type: str, role: str) -> None:
    offered = supported_addressees(case_type, role)
    assert offered[0] == default_addressee(case_type, role)
    assert len(offered) == len(set(offered))
    assert set(offered) <= {"seller", "platform", "regulator"}


@pytest.mark.parametrize("case_type,role", CASES)
def test_seller_side_cases_only_appeal_to_the_platform(case_type: str, role: str) -> None:
    if role == "seller":
        assert supported_addressees(case_type, role) == ["platform"]


def test_number_of_combinations() -> None:
    assert len(COMBOS) == 84
    assert TONES == ["polite", "firm"]


# --- every combination ---------------------------------------------------------------


@pytest.mark.parametrize("context", [None, FULL_CONTEXT], ids=["no-context", "context"])
@pytest.mark.parametrize("case_type,role,addressee,tone", COMBOS)
def test_all_facts_present(case_type: str, role: str, addressee: str, tone: str,
                           context: DraftContext | None) -> None:
    draft = render_draft(case_type, role, addressee, tone, full_facts(case_type, role),
                         context)
    assert draft.missing == []
    for expected in expected_strings(case_type, role, addressee):
        assert expected in draft.text, expected
    assert PLACEHOLDER.search(draft.text) is None, draft.text
    assert_clean(draft.text)
    assert draft.parts == [draft.text]
    assert (draft.case_type, draft.role, draft.addressee, draft.tone) == (
        case_type, role, addressee, tone)


@pytest.mark.parametrize("case_type,role,addressee,tone", COMBOS)
def test_no_facts_shows_placeholders(case_type: str, role: str, addressee: str,
                                     tone: str) -> None:
    draft = render_draft(case_type, role, addressee, tone, DraftFacts())
    assert draft.missing
    for name in draft.missing:
        assert fact_placeholder(name) in draft.text, name
    needed = {"what_happened", "demand"} | {
        f"event_dates.{key}" for key in case_event_keys(case_type, role)}
    if addressee != "seller":  # formal texts ask for every fact the case needs
        needed |= set(case_facts(case_type, role))
    if addressee == "regulator":
        needed.add("contact")
    assert needed <= set(draft.missing)
    order = [name for name in FACT_NAMES if name != "event_dates"]
    ranks = [order.index(n) if not n.startswith("event_dates.") else order.index("amount")
             + 0.5 for n in draft.missing]
    assert ranks == sorted(ranks)
    assert_clean(draft.text)


@pytest.mark.parametrize("case_type,role,addressee", CASE_ADDRESSEES)
def test_polite_and_firm_differ(case_type: str, role: str, addressee: str) -> None:
    facts = full_facts(case_type, role)
    polite = render_draft(case_type, role, addressee, "polite", facts, FULL_CONTEXT)
    firm = render_draft(case_type, role, addressee, "firm", facts, FULL_CONTEXT)
    assert polite.text != firm.text
    assert REPLY_BY_TEXT in polite.text  # polite asks for a solution by a date


@pytest.mark.parametrize("case_type,role,addressee,tone", FIRM_COMBOS)
def test_firm_uses_rule_deadline_and_next_step(case_type: str, role: str, addressee: str,
                                               tone: str) -> None:
    facts = full_facts(case_type, role)
    draft = render_draft(case_type, role, addressee, tone, facts, FULL_CONTEXT)
    assert FULL_CONTEXT.rule_reference in draft.text
    assert FULL_CONTEXT.deadline_text in draft.text
    assert FULL_CONTEXT.next_step in draft.text
    assert REPLY_BY_TEXT in draft.text
    bare = render_draft(case_type, role, addressee, tone, facts, None)
    assert FULL_CONTEXT.rule_reference not in bare.text
    assert FULL_CONTEXT.next_step not in bare.text
    assert_clean(bare.text)


@pytest.mark.parametrize(
    "context",
    [DraftContext(rule_reference="《淘宝规则》"), DraftContext(next_step="向12315投诉。"),
     DraftContext(reply_by=date(2026, 12, 1)), DraftContext(deadline_text="约3天")],
    ids=["rule", "next-step", "reply-by", "deadline"],
)
@pytest.mark.parametrize("case_type,role,addressee,tone", FIRM_COMBOS)
def test_firm_with_partial_context_is_clean(case_type: str, role: str, addressee: str,
                                            tone: str, context: DraftContext) -> None:
    draft = render_draft(case_type, role, addressee, tone, full_facts(case_type, role),
                         context)
    assert_clean(draft.text)


@pytest.mark.parametrize("case_type,role,addressee,tone", COMBOS)
def test_long_what_happened_splits_into_labeled_parts(case_type: str, role: str,
                                                      addressee: str, tone: str) -> None:
    long_text = "".join(f"第{i}次联系卖家，卖家仍然没有给出处理结果。" for i in range(1, 301))
    assert len(long_text) > 5000
    facts = full_facts(case_type, role).copy(update={"what_happened": long_text})
    draft = render_draft(case_type, role, addressee, tone, facts)
    assert long_text in draft.text
    assert_parts_cover(draft.text, draft.parts, 2000)
    assert len(draft.parts) >= 3


def assert_parts_cover(text: str, parts: list[str], limit: int) -> None:
    """Each part fits, carries its label, and the bodies rebuild the text in order."""
    total = len(parts)
    bodies = []
    for index, part in enumerate(parts, start=1):
        assert len(part) <= limit
        label = f"（{index}/{total}）\n"
        assert part.startswith(label), part[:20]
        body = part[len(label):]
        assert body and not body.isspace()
        bodies.append(body)
    assert re.sub(r"\s", "", "".join(bodies)) == re.sub(r"\s", "", text)
    position = 0
    for body in bodies:
        found = text.find(body, position)
        assert found >= 0
        position = found + len(body)


@pytest.mark.parametrize("case_type,role,addressee", [
    ("refund_refused", "buyer", "seller"), ("refund_refused", "buyer", "regulator"),
    ("accused_of_harassment", "seller", "platform"), ("logistics_claim", "seller", "platform"),
])
def test_one_huge_sentence_is_cut_hard(case_type: str, role: str, addressee: str) -> None:
    huge = "没" * 5000
    facts = full_facts(case_type, role).copy(update={"what_happened": huge})
    draft = render_draft(case_type, role, addressee, "firm", facts, FULL_CONTEXT)
    assert huge in draft.text
    assert_parts_cover(draft.text, draft.parts, 2000)


def test_split_parts_with_small_limit_and_two_digit_labels() -> None:
    text = "一句话，说完了。" * 40 + "\n" + "长" * 130 + "。\n最后一句"
    parts = split_parts(text, max_chars=30)
    assert len(parts) >= 10
    assert_parts_cover(text, parts, 30)


def test_short_text_is_one_unlabeled_part() -> None:
    assert split_parts("很短。", max_chars=2000) == ["很短。"]


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize("case_type,role,addressee", [
    ("accused_of_harassment", "seller", "seller"),
    ("malicious_review", "seller", "regulator"),
    ("logistics_claim", "seller", "seller"),
    ("staff_complaint", "buyer", "seller"),
    ("refund_refused", "buyer", "police"),
])
def test_unsupported_addressee_raises_listing_supported(case_type: str, role: str,
                                                        addressee: str) -> None:
    with pytest.raises(DraftError) as error:
        render_draft(case_type, role, addressee, "polite", DraftFacts())
    message = str(error.value)
    assert addressee in message
    for supported in supported_addressees(case_type, role):
        assert supported in message


def test_unknown_case_role_tone_and_event_raise() -> None:
    with pytest.raises(DraftError, match="case_type"):
        render_draft("no_such_case", "buyer", "seller", "polite", DraftFacts())
    with pytest.raises(DraftError, match="buyer"):
        render_draft("refund_refused", "seller", "platform", "polite", DraftFacts())
    with pytest.raises(DraftError, match="polite"):
        render_draft("refund_refused", "buyer", "platform", "rude", DraftFacts())
    with pytest.raises(DraftError, match="birthday"):
        render_draft("refund_refused", "buyer", "platform", "polite",
                     DraftFacts(event_dates={"birthday": date(2026, 1, 1)}))
    with pytest.raises(DraftError):
        supported_addressees("refund_refused", "seller")


# --- facts as plain text -------------------------------------------------------------


def test_template_syntax_in_facts_is_literal() -> None:
    facts = DraftFacts(item="{{ 7*7 }}", what_happened="{% for x in range(3) %}x{% endfor %}",
                       demand="{# note #} {{ config }}", shop_name="{{ fact('item') }}")
    for addressee in supported_addressees("refund_refused", "buyer"):
        for tone in TONES:
            text = render_draft("refund_refused", "buyer", addressee, tone, facts).text
            assert "{{ 7*7 }}" in text
            assert "49" not in text
            assert "{% for x in range(3) %}x{% endfor %}" in text
            assert "xxx" not in text
            assert "{# note #} {{ config }}" in text
            assert "{{ fact('item') }}" in text


def test_control_characters_are_stripped() -> None:
    facts = DraftFacts(order_number="33\x0012\u200b34", item="耳机\x1b[31m\u202e",
                       what_happened="第一行\r\n第二行\x07", evidence=["截图\x08", "\x00"])
    draft = render_draft("quality_problem", "buyer", "platform", "polite", facts)
    assert "331234" in draft.text
    assert "第一行\n第二行。" in draft.text
    for char in draft.text:
        assert char == "\n" or unicodedata.category(char) not in ("Cc", "Cf"), repr(char)
    assert "1. 截图" in draft.text and "2." not in draft.text


def test_dates_render_as_real_dates() -> None:
    facts = DraftFacts(event_dates={"payment": date(2026, 11, 8),
                                    "refund_requested": date(2026, 11, 18)})
    draft = render_draft("refund_refused", "buyer", "seller", "polite", facts)
    assert "2026年11月8日" in draft.text and "2026年11月18日" in draft.text
    assert "event_dates.payment" not in draft.missing


def test_dates_outside_the_case_are_listed_with_labels() -> None:
    facts = DraftFacts(event_dates={"payment": date(2026, 11, 8),
                                    "trade_completed": date(2026, 11, 12)})
    draft = render_draft("not_shipped", "buyer", "platform", "polite", facts)
    assert "交易成功日期为2026年11月12日" in draft.text


def test_amount_gets_a_unit_only_when_bare() -> None:
    bare = render_draft("not_shipped", "buyer", "seller", "polite", DraftFacts(amount="299"))
    assert "299元" in bare.text
    given = render_draft("not_shipped", "buyer", "seller", "polite", DraftFacts(amount="¥299"))
    assert "¥299" in given.text and "¥299元" not in given.text


def test_user_punctuation_is_not_doubled() -> None:
    facts = DraftFacts(what_happened="卖家一直不回复。", demand="请尽快退款！")
    for addressee in supported_addressees("refund_refused", "buyer"):
        text = render_draft("refund_refused", "buyer", addressee, "firm", facts).text
        assert "不回复。" in text and "不回复。。" not in text
        assert "退款！" in text and "退款！。" not in text


def test_partial_facts_only_missing_the_rest() -> None:
    facts = DraftFacts(order_number=ORDER_NUMBER, demand=DEMAND)
    draft = render_draft("not_received", "buyer", "regulator", "polite", facts)
    assert "order_number" not in draft.missing and "demand" not in draft.missing
    assert draft.missing[:3] == ["item", "amount", "event_dates.payment"]
    assert ORDER_NUMBER in draft.text


# --- house rules ---------------------------------------------------------------------


def test_no_chinese_literals_in_drafting_source() -> None:
    source = DRAFTING_SOURCE.read_text(encoding="utf-8")
    offending = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type != tokenize.COMMENT and CJK.search(token.string)
    ]
    assert offending == []


def test_drafting_does_not_import_rasa() -> None:
    tree = ast.parse(DRAFTING_SOURCE.read_text(encoding="utf-8"))
    modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names]
    modules += [node.module or "" for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)]
    assert not [m for m in modules if m.split(".")[0] in ("rasa", "rasa_sdk")]
