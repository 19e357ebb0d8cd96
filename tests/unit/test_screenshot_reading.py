"""Reading generated screenshots offline with the packaged OCR models: field accuracy for
order number, amount and date on clean, blurred, rotated and low-resolution images, each
value then read back by the same understanding as typed text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

import pytest

from bot.dates import SHANGHAI
from bot.understanding.extract import read_message
from bot.uploads.ocr import model_paths, new_engine, read_image_bytes
from bot.uploads.reading import kind_of, read_screenshot
from tests.data import catalog
from tests.fixtures.screenshots import FONT, fixture_set

pytestmark = pytest.mark.skipif(not FONT.is_file() and not __import__("os").environ.get("CI"),
                                reason="fonts-noto-cjk is missing (make install-system)")
NOW = dt.datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)


@lru_cache(maxsize=1)
def _read_all():
    engine, rules, lexicon = new_engine(), catalog().uploads, catalog().lexicon
    found = []
    for shot in fixture_set():
        result = read_image_bytes(engine, shot.png)
        reading = read_screenshot(result, rules, 2026)
        found.append((shot, result, reading, read_message(reading.text, NOW, lexicon)))
    return found


def test_the_models_are_the_packaged_ones():
    paths = model_paths()
    assert all(path.is_file() and "site-packages" in str(path) for path in paths.values())


def test_every_image_is_told_its_kind():
    wrong = [(shot.name, reading.kind) for shot, _r, reading, _s in _read_all()
             if reading.kind != shot.kind]
    assert not wrong


def test_order_pages_field_accuracy():
    pages = [(shot, said) for shot, _r, _reading, said in _read_all() if shot.kind == "order_page"]
    assert len(pages) == 4
    right = {"order_number": 0, "amount": 0, "date": 0}
    for shot, said in pages:
        right["order_number"] += said.order_number == shot.order_number
        right["amount"] += said.amount is not None and Decimal(said.amount) == Decimal(shot.amount)
        right["date"] += any(found.event == shot.event and found.day == shot.date
                             for found in said.dates)
    # every field right on at least 3 of the 4 (clean, blurred, rotated, low resolution)
    assert all(count >= 3 for count in right.values()), right


def test_tracking_pages_give_the_waybill_and_the_signed_date():
    for shot, _r, _reading, said in _read_all():
        if shot.kind == "tracking":
            assert said.tracking_number == shot.extra["tracking_number"]
            assert any(f.event == "signed" and f.day == shot.date for f in said.dates), shot.name


def test_a_chat_gives_the_other_sides_words_not_mine():
    for shot, _r, reading, _said in _read_all():
        if shot.kind == "chat":
            for quote in shot.quotes:
                assert quote in reading.text, (shot.name, reading.text)
            assert "我要退款" not in reading.text and "收到就是坏的" not in reading.text


def test_a_photo_without_words_is_goods():
    from bot.uploads.ocr import OcrResult

    assert kind_of(OcrResult((), 800, 600), catalog().uploads) == "goods"


def test_a_yuan_sign_read_as_a_letter_still_gives_the_amount():
    from bot.uploads.ocr import OcrLine, OcrResult

    lines = (OcrLine("订单详情", (10, 10, 100, 30), 0.99),
             OcrLine("实付款V2521.80", (10, 50, 200, 70), 0.9),
             OcrLine("订单编号：6904358788273045739", (10, 90, 240, 110), 0.9))
    reading = read_screenshot(OcrResult(lines, 250, 366), catalog().uploads, 2026)
    assert "实付2521.80元" in reading.text and "订单号6904358788273045739" in reading.text
    assert "实付" not in read_screenshot(OcrResult(
        (OcrLine("订单详情", (1, 1, 2, 2), 1.0), OcrLine("实付款VIP会员", (1, 3, 9, 9), 1.0)),
        250, 366), catalog().uploads, 2026).text
