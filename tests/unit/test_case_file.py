"""The case file (bot/drafting/case_file.py) and its PDF (bot/drafting/case_pdf.py): every
fact given in its section, nothing the user did not give, and a PDF that shows Chinese."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.drafting import DraftFacts, Said, TimelineEntry
from bot.drafting.case_file import CaseFileParts, render_case_file
from bot.drafting.case_pdf import CaseFileFontMissing, case_file_pdf
from bot.settings import load_settings
from tests.data import catalog

PARTS = CaseFileParts(case_label="卖家拒绝或拖延退款", today="2026年11月20日",
                      my_side="买家（本人）", other_side="卖家",
                      evidence_checklist="按规则要准备：\n• 订单号",
                      next_step="现在这一步：申请客服介入。",
                      deadline_rows=("• 申请客服介入：11月21日起",),
                      drafts_written="给卖家的消息", footer="以上根据你的陈述整理。")
FACTS = DraftFacts(order_number="4817263950018273", item="牛仔裤", amount="89",
                   timeline=[TimelineEntry(day=dt.date(2026, 11, 18), event="refund_requested"),
                             TimelineEntry(day=dt.date(2026, 11, 12), event="signed")],
                   story=["2026年11月12日收到就开线了。", "我2026年11月18日申请的退款。"],
                   other_side=[Said(cue="卖家说", words="穿过了不给退")],
                   evidence=["开箱视频"], wants=["退款"])


def test_every_fact_is_in_its_section_and_the_timeline_is_in_order():
    text = render_case_file(catalog().drafts, "buyer", FACTS, PARTS)
    for value in ("4817263950018273", "牛仔裤", "89元", "收到就开线了", "卖家说：“穿过了不给退”",
                  "开箱视频", "给卖家的消息", "以上根据你的陈述整理"):
        assert value in text, (value, text)
    assert text.index("2026年11月12日，") < text.index("2026年11月18日，")


def test_a_sum_demanded_of_a_shop_is_no_demand_of_its_own():
    """An extortioner's 800元 is the other side's demand: the shop's own demand section
    says none was given, with no placeholder."""
    facts = DraftFacts(order_number="1029384756102938", demand_amount="800")
    text = render_case_file(catalog().drafts, "seller", facts, PARTS)
    demand = text[text.index("【诉求】"):text.index("【下一步与期限】")]
    assert demand.count("【") == 1 and "还没有说诉求" in demand, demand


def test_a_case_with_no_facts_says_what_is_missing_and_invents_nothing():
    text = render_case_file(catalog().drafts, "buyer", DraftFacts(), PARTS)
    assert "订单号：" not in text and "【" in text  # section heads only, no placeholders
    rest = text.replace("2026年11月20日", "").replace("11月21日", "")
    assert not any(ch.isdigit() for ch in rest)


def test_the_pdf_embeds_a_cjk_font_and_renders_to_a_picture(tmp_path: Path):
    settings = load_settings()
    text = render_case_file(catalog().drafts, "buyer", FACTS, PARTS)
    pdf = case_file_pdf(text, settings.case_file_font, settings.case_file_font_index)
    assert pdf.startswith(b"%PDF") and b"/FontFile" in pdf  # the font is embedded
    assert b"NotoSansCJK" in pdf or b"NotoSansCJKsc" in pdf
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: run make install-system (poppler-utils)")
    (tmp_path / "case.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1",
                    str(tmp_path / "case.pdf"), str(tmp_path / "page")], check=True)
    from PIL import Image
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(1 for value in page.getdata() if value < 128)
    assert dark > 800, "the page shows the text"


def test_a_missing_font_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CaseFileFontMissing, match="install-system"):
        case_file_pdf("案件材料", tmp_path / "none.ttc")
