"""PII masking: phone numbers and ID numbers masked, order numbers and other digits left alone.

ID numbers below are synthetic; their check digits are computed (ISO 7064 MOD 11-2).
"""

from __future__ import annotations

import io
import logging

import pytest

from bot.store.privacy import (
    PiiMaskingFilter,
    id18_checksum_ok,
    install_pii_filter,
    is_id15,
    is_id18,
    mask_pii,
)

MASKED = [
    # mobile numbers
    ("13812345678", "138******78"),
    ("我的手机13812345678，谢谢", "我的手机138******78，谢谢"),
    ("电话 138 1234 5678", "电话 138 **** **78"),
    ("电话138-1234-5678。", "电话138-****-**78。"),
    ("１３９１２３４５６７８", "１３９******７８"),
    ("１３９－１２３４－５６７８", "１３９－****－**７８"),
    ("+8619912345678", "+86199******78"),
    ("+86 166 1234 5678", "+86 166 **** **78"),
    ("13812345678,13987654321", "138******78,139******21"),
    ("call 15012345678 or 18600001111", "call 150******78 or 186******11"),
    # landlines with an area code
    ("座机010-12345678", "座机010-******78"),
    ("(0571)88886666", "(057*)******66"),
    ("（０２１）６２３４５６７８", "（０２１）******７８"),
    ("0755 2345678 转 123", "075* *****78 转 123"),
    ("客服电话：020-87654321", "客服电话：020-******21"),
    # 18-character ID numbers: real birth date and valid check digit (X / x allowed)
    ("身份证11010519491231002X", "身份证110*************2X"),
    ("身份证号：11010519491231002x。", "身份证号：110*************2x。"),
    ("id 440304199003071248 ok", "id 440*************48 ok"),
    ("310115198511204566", "310*************66"),
    ("５１０１０８２０００１２３１７８９３", "５１０*************９３"),
    # 15-digit ID numbers (first generation): real 19YYMMDD birth date
    ("旧身份证 110105491231002", "旧身份证 110**********02"),
    # country code without "+", dots as separators, an ID number in groups
    ("8613812345678", "86138******78"),
    ("86 138 1234 5678", "86 138 **** **78"),
    ("电话138.1234.5678", "电话138.****.**78"),
    ("+86 138.1234.5678", "+86 138.****.**78"),
    ("身份证 110105 19491231 002X", "身份证 110*** ******** **2X"),
    # bank cards: Luhn-valid with a card prefix, named as a card or written in groups
    ("卡号6222021234567890128", "卡号622**************28"),
    ("6222 0212 3456 7890 128", "622* **** **** **** *28"),
    # e-mail addresses keep their first character and the domain
    ("邮箱 zhang.san99@example.com", "邮箱 z**********@example.com"),
]

UNCHANGED = [
    "订单号3512345678901234567",  # 19 digits
    "订单号：1234567890123456",  # 16 digits
    "订单 12345678901234567",  # 17 digits
    "订单号 35123456789012345678",  # 20 digits
    "订单号351234567890123451",  # 18 digits, birth part 56789012 is no date
    "订单号351201202413012346",  # 18 digits, month 13
    "订单号110105194912310021",  # 18 digits, real date but wrong check digit
    "订单号４４０３０４１９９００３０７１２３４５",  # full-width, 19 digits
    "订单号284561381234567892",  # a mobile number hidden inside an order number
    "淘宝订单 4403041990030712345",  # an ID number followed by more digits
    "138123456789",  # 12 digits: not a mobile number
    "订单号 123456789012345",  # 15 digits, birth part 789012 is no date
    "运单号 SF1234567890123",
    "金额 299.00 元，2026-02-01 付款，12 天前",
    "退款 1380 元，共 5678 件",
    "订单号6222021234567890128",  # a Luhn-valid card-like order number, not named a card
    "",
]


# The gaps a review found (issue 24, item 9).
MASKED_GAPS = [
    # "0086" for the country code
    ("008613812345678", "0086138******78"),
    ("0086 138 1234 5678", "0086 138 **** **78"),
    ("手机 0086-13812345678", "手机 0086-138******78"),
    # ID numbers grouped 6-4-4-4, or with a wrong check digit named as an ID number
    ("身份证 110105 1949 1231 002X", "身份证 110*** **** **** **2X"),
    ("身份证110105194912310021", "身份证110*************21"),
    ("身份证号码是 110105194912310021", "身份证号码是 110*************21"),
    # bank cards after 账号 / 我的卡, with or without the Luhn check, or grouped 6-13
    ("账号6222021234567890128", "账号622**************28"),
    ("我的卡是 6222021234567890123", "我的卡是 622**************23"),
    ("收款账户 9558801234567890123", "收款账户 955**************23"),
    ("622202 1234567890128", "622*** ***********28"),
    # a landline with its local number in groups
    ("座机010 8765 4321", "座机010 **** **21"),
    ("电话 0571-8888 6666", "电话 057*-**** **66"),
]


@pytest.mark.parametrize(("text", "expected"), MASKED_GAPS)
def test_masks_the_numbers_the_review_found(text: str, expected: str) -> None:
    assert mask_pii(text) == expected
    assert mask_pii(expected) == expected


def test_a_card_after_a_json_escaped_card_word_is_masked() -> None:
    logged = '{"text": "\\u5361\\u53f76222021234567890128"}'
    assert mask_pii(logged) == '{"text": "\\u5361\\u53f7622**************28"}'
    named_id = '{"text": "\\u8eab\\u4efd\\u8bc1 110105194912310021"}'
    assert "110*************21" in mask_pii(named_id)


def test_full_width_digits_escaped_in_json_are_masked() -> None:
    escaped = "".join(f"\\uff1{digit}" for digit in "13812345678")
    logged = '{"text": "' + escaped + '"}'
    assert mask_pii(logged) == '{"text": "１３８******７８"}'



@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masks_personal_numbers(text: str, expected: str) -> None:
    assert mask_pii(text) == expected
    assert len(mask_pii(text)) == len(text)


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_order_numbers_and_other_digits_alone(text: str) -> None:
    assert mask_pii(text) == text


def test_masking_is_idempotent() -> None:
    for _text, expected in MASKED:
        assert mask_pii(expected) == expected


@pytest.mark.parametrize(
    ("number", "checksum", "id18"),
    [
        ("11010519491231002X", True, True),
        ("11010519491231002x", True, True),
        ("440304199003071248", True, True),
        ("110105194912310021", False, False),
        ("351201202413012346", True, False),  # valid check digit, month 13
        ("351234567890123451", True, False),  # valid check digit, year 7890
        ("1101051949123100", False, False),
    ],
)
def test_id18_validation(number: str, checksum: bool, id18: bool) -> None:
    assert id18_checksum_ok(number) is checksum
    assert is_id18(number) is id18


def test_id15_validation() -> None:
    assert is_id15("110105491231002")
    assert not is_id15("110105491331002")  # month 13
    assert not is_id15("11010549123100X")


# ---- logging -------------------------------------------------------------------------------


@pytest.fixture
def captured() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(PiiMaskingFilter())
    logger = logging.getLogger(f"test_privacy.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    return logger, stream


def test_filter_masks_message_and_string_args(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info(
        "user 13812345678 said %s about order %s", "打 021-62345678 找我", "3512345678901234567"
    )
    logger.info("%(who)s: %(id)s", {"who": "buyer", "id": "11010519491231002X"})
    logger.info("rung %d of %d", 2, 5)
    assert stream.getvalue().splitlines() == [
        "user 138******78 said 打 021-******78 找我 about order 3512345678901234567",
        "buyer: 110*************2X",
        "rung 2 of 5",
    ]


def test_filter_masks_non_string_args_and_tracebacks(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("phone %d, order %d", 13812345678, 3512345678901234567)
    try:
        raise ValueError("bad phone 13987654321")
    except ValueError:
        logger.exception("failed for %s", "15012345678")
    out = stream.getvalue()
    assert "phone 138******78, order 3512345678901234567" in out
    assert "failed for 150******78" in out
    assert "ValueError: bad phone 139******21" in out
    for raw in ("13812345678", "13987654321", "15012345678"):
        assert raw not in out


def test_filter_keeps_every_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s", ("440304199003071248",),
                               None)
    assert PiiMaskingFilter().filter(record) is True
    assert record.getMessage() == "id 440*************48"


def test_install_pii_filter_adds_one_filter_per_handler() -> None:
    logger = logging.getLogger("test_privacy.install")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        install_pii_filter(logger)
        install_pii_filter(logger)
        assert sum(isinstance(f, PiiMaskingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
