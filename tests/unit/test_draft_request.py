"""bot.drafting.request: the kind and tone a request asks for, read as a person reads it."""

from __future__ import annotations

import pytest

from bot.drafting.request import CaseSide, read_request
from tests.data import catalog, readers

CATALOG = catalog().drafts
REFUND = CaseSide("refund_refused", "buyer", frozenset({"refund_requested"}), "platform_request")
RULING = CaseSide("ruling_unfair", "buyer", frozenset({"ruling"}), "appeal")
HARASSED = CaseSide("accused_of_harassment", "seller", frozenset(), "explain_and_appeal")
SWAPPED = CaseSide("wrong_item_returned", "seller", frozenset({"return_signed"}),
                   "dispute_evidence")
QUALITY = CaseSide("quality_problem", "buyer", frozenset({"signed"}), "platform_request")


def read(words: str, side: CaseSide, **previous):
    """The request as the turn reads it: with the style model's reading of its words."""
    return read_request(words, CATALOG, side, style=readers().style(words), **previous)


@pytest.mark.parametrize(("words", "side", "kind"), [
    ("帮我写个给小二看的情况说明", REFUND, "platform_statement"),
    ("我想向市场监管局投诉，帮我写一下", REFUND, "regulator_complaint"),
    ("帮我写一份去消协投诉的材料", REFUND, "consumer_association"),
    ("帮我再申诉一次", RULING, "ruling_appeal"),
    ("结果不公平，帮我写个申诉", REFUND, "ruling_appeal"),
    ("给卖家发个最后通牒", REFUND, "seller_ultimatum"),
    ("帮我写个发给卖家的消息", REFUND, "seller_message"),
    ("申请售后时填的理由帮我写下", QUALITY, "after_sale_reason"),
    ("报警要写啥材料帮我弄一下", REFUND, "police_report"),
    ("起诉前想先发个催告函", REFUND, "demand_letter"),
    ("买家申请退款，帮我写拒绝退款的理由", SWAPPED, "refund_refusal"),
    ("帮我写申诉", HARASSED, "complaint_appeal"),
    ("帮我写个给小二的举证说明", SWAPPED, "platform_statement"),
    ("幫我寫個給小二看的情況說明", REFUND, "platform_statement"),
])
def test_the_words_choose_the_kind(words, side, kind) -> None:
    request = read(words, side)
    assert (request.kind, request.chosen_by) == (kind, "words")


@pytest.mark.parametrize(("words", "tone"), [
    ("给卖家写一段，狠一点", "firm"), ("给卖家写一段，别客气", "firm"),
    ("给卖家写一段，不要太客气", "firm"), ("给卖家写一段，客气点", "polite"),
    ("给卖家写一段，别太凶", "polite"), ("给卖家写一段", "polite"),
])
def test_the_words_choose_the_tone(words, tone) -> None:
    assert read(words, REFUND).tone == tone


def test_an_ultimatum_is_always_firm() -> None:
    assert read("给卖家下最后通牒，语气客气点", REFUND).tone == "firm"


def test_an_ambiguous_request_gets_the_kind_of_the_current_rung() -> None:
    request = read("帮我写个投诉", RULING)
    assert (request.kind, request.chosen_by) == ("ruling_appeal", "rung")
    assert read("帮我写个投诉", QUALITY).kind == "after_sale_reason"


def test_a_redraft_keeps_the_kind_and_changes_the_tone() -> None:
    request = read("狠一点", REFUND, previous_kind="regulator_complaint",
                           previous_tone="polite")
    assert (request.kind, request.tone, request.chosen_by) == (
        "regulator_complaint", "firm", "previous")
    again = read("再写一份", REFUND, previous_kind="seller_message",
                         previous_tone="firm")
    assert (again.kind, again.tone) == ("seller_message", "firm")


def test_a_button_addressee_picks_a_kind_for_that_addressee() -> None:
    request = read('/request_draft{"addressee": "regulator"}', REFUND,
                           addressee="regulator")
    assert request.kind == "regulator_complaint"


def test_a_kind_the_case_does_not_have_is_reported() -> None:
    request = read("帮我写个最后通牒", SWAPPED)  # a buyer's text, asked by a shop
    assert request.unavailable == "seller_ultimatum"
    assert request.kind == "platform_statement"


@pytest.mark.parametrize(("words", "kind"), [
    ("给卖家写个最后通牒，48小时内不给换我就投诉到12315", "seller_ultimatum"),
    ("给他发个最后通牒，狠一点", "seller_ultimatum"),
    ("起诉前先给他发个催告函吧，律师函那种", "demand_letter"),
    ("帮我写个发给卖家的消息，说不行我就去消协", "seller_message"),
])
def test_the_object_of_write_is_the_kind(words, kind) -> None:
    assert read(words, REFUND).kind == kind


def test_a_writing_word_alone_is_a_draft_request_only_after_a_draft() -> None:
    from bot.drafting.request import asks_for_draft

    assert not asks_for_draft("店名叫木匠世家家居，加上去", CATALOG)
    assert asks_for_draft("店名叫木匠世家家居，加上去", CATALOG, redraft=True)
    assert asks_for_draft("我有截图，帮我写个举证说明", CATALOG)
    assert not asks_for_draft("卖家说写错地址了", CATALOG)


# --- variants, the lawyer's letter, a mention of another step, a blocked seller ----------

BLOCKED = CaseSide("refund_refused", "buyer", frozenset({"refund_requested"}), "platform_request",
                   frozenset({"blocked"}))


@pytest.mark.parametrize(("words", "variant"), [
    ("短一点，微信发给卖家", "short"), ("能不能一句话说完", "short"), ("太长了", "short"),
    ("换个语气", "rewrite"), ("换种说法再写一版", "rewrite"), ("帮我写个给小二的情况说明", None),
])
def test_the_words_ask_for_a_variant(words, variant) -> None:
    assert read(words, REFUND).variant == variant


def test_a_rewrite_takes_the_other_tone() -> None:
    request = read("换个语气", REFUND, previous_kind="seller_message",
                           previous_tone="polite")
    assert (request.kind, request.tone) == ("seller_message", "firm")


def test_a_lawyers_letter_is_the_letter_in_the_users_name_and_says_so() -> None:
    request = read("帮我发个律师函吓吓他", REFUND)
    assert (request.kind, request.lawyer) == ("demand_letter", True)


def test_a_complaint_that_names_12315_as_the_next_step_is_not_a_complaint_to_12315() -> None:
    request = read("帮我写个投诉，里面提一下我会去12315", REFUND)
    assert request.kind == "platform_statement"
    assert read("帮我写个12315的投诉", REFUND).kind == "regulator_complaint"


def test_a_blocked_buyers_message_to_the_seller_goes_to_the_platform() -> None:
    request = read("给卖家发个最后通牒", BLOCKED)
    assert (request.kind, request.instead_of) == ("platform_statement", "seller_ultimatum")
    assert read("给卖家发个最后通牒", REFUND).kind == "seller_ultimatum"


def test_asks_for_the_case_file() -> None:
    from bot.drafting.request import asks_for_case_file
    assert asks_for_case_file("帮我把经过整理一下，我要交给12315", CATALOG)
    assert asks_for_case_file("把我的案件材料汇总一份", CATALOG)
    assert not asks_for_case_file("帮我写个给小二的情况说明", CATALOG)


def test_a_tone_the_kind_has_not_takes_the_same_readers_kind_that_has_it() -> None:
    request = read("换个语气，客气一点", REFUND, previous_kind="seller_ultimatum",
                           previous_tone="firm")
    assert (request.kind, request.tone) == ("seller_message", "polite")


@pytest.mark.parametrize(("words", "document"), [
    ("能帮我弄个报案材料吗", True), ("帮我写个12315的投诉", True),
    ("帮我把经过整理一下，我要交给12315", False), ("把我的案件材料汇总一份", False),
])
def test_a_named_document_is_a_draft_not_the_case_file(words, document) -> None:
    from bot.drafting.request import asks_for_case_file, names_a_document
    assert names_a_document(words, CATALOG) is document
    assert asks_for_case_file(words, CATALOG) is (not document)

