"""Where a screenshot's lines stand (bot/uploads/layout.py), on fixed OCR results: a
label's value on its row, a chat's wrapped bubbles by side, name tags and button bars left
out; and what the reading makes of them."""

from __future__ import annotations

from bot.uploads.layout import bubbles, paired_rows, rows
from bot.uploads.ocr import OcrLine, OcrResult
from bot.uploads.reading import kind_of, read_screenshot
from tests.data import catalog


def line(text: str, left: float, top: float, right: float, bottom: float) -> OcrLine:
    return OcrLine(text, (left, top, right, bottom), 0.95)


ORDER = OcrResult((
    line("18:07", 37, 10, 129, 46), line("订单详情", 377, 84, 546, 135),
    line("商品总价", 52, 883, 180, 924), line("¥570.00", 753, 886, 869, 921),
    # the value's box starts a little above its label's, and a button sits between them
    line("¥490.00", 719, 1122, 872, 1166), line("实付款（含运费）", 52, 1124, 311, 1167),
    line("订单号", 52, 1301, 150, 1345), line("复制", 795, 1302, 862, 1344),
    line("22782564425690599", 264, 1307, 549, 1338),
    line("创建时间", 53, 1447, 179, 1485), line("2026/08/30 22:12", 262, 1449, 507, 1485),
), 923, 2000)

CHAT = OcrResult((
    line("20:21", 26, 5, 105, 39), line("禾田电器旗舰店", 248, 71, 471, 107),
    line("昨天12:54", 307, 175, 412, 202),
    line("糖糖", 103, 200, 158, 234),  # a name tag above the bubble, a little to its left
    line("亲，非常抱歉，目前仓库订单", 124, 243, 494, 278),
    line("较多，会按顺序尽快发出的哦。", 124, 285, 504, 317),
    line("页面上写的是48小时内发货，", 224, 380, 575, 413),
    line("已经超过了。", 223, 419, 381, 455),
    line("糖糖", 103, 470, 158, 504),
    line("亲亲理解您的心情，我这边帮", 124, 515, 494, 550),
    line("您加急处理。", 124, 557, 281, 590),
    line("催发货", 30, 1126, 107, 1160), line("修改地址", 137, 1126, 234, 1160),
    line("发票", 262, 1125, 319, 1162),
), 720, 1280)

TRACKING = OcrResult((
    line("物流信息", 378, 86, 543, 134), line("中通快递：73896700065196", 189, 503, 586, 536),
    line("已签收", 115, 699, 223, 741),
    line("【武汉市】您的快件已签收，签收人：家人签收。如有", 134, 756, 836, 789),
    line("疑问请联系快递员（130****8780)，感谢使用", 115, 798, 861, 835),
    line("2026-11-0913:30:51", 116, 895, 371, 922),
    line("派送中", 111, 970, 224, 1016),
    line("【武汉市】快递员正在为您派件", 135, 1029, 701, 1062),
    line("2026-11-0908:33:51", 116, 1125, 372, 1152),
), 923, 2000)


def test_a_labels_value_is_read_from_its_row():
    found = rows(ORDER)
    assert "实付款（含运费） ¥490.00" in found
    assert "订单号 22782564425690599 复制" in found
    assert paired_rows(ORDER) >= 4


def test_an_order_page_gives_its_number_amount_and_dates():
    text = read_screenshot(ORDER, catalog().uploads, 2026).text
    assert "22782564425690599" in text and "490" in text and "2026年8月30日" in text


def test_a_chats_wrapped_bubbles_by_side_without_names_or_buttons():
    found = bubbles(CHAT, frozenset(catalog().uploads.chat_skip))
    assert [b.text for b in found if b.left] == [
        "亲，非常抱歉，目前仓库订单较多，会按顺序尽快发出的哦。",
        "亲亲理解您的心情，我这边帮您加急处理。"]
    assert [b.text for b in found if not b.left] == ["页面上写的是48小时内发货，已经超过了。"]
    assert kind_of(CHAT, catalog().uploads) == "chat"


def test_a_tracking_entry_is_dated_by_the_time_below_its_lines():
    text = read_screenshot(TRACKING, catalog().uploads, 2026).text
    assert "2026年11月9日签收" in text
    assert "快递单号73896700065196" in text  # "中通快递：…": the carrier labels the waybill
