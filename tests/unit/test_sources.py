"""The sources the rule book cites: every reference resolves to a kind and a readable
citation; the law texts are the reference copies, article by article."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.rulebook import RuleBook, RuleBookError, load_rulebook
from bot.rules_report import STALE_AFTER_DAYS, format_report, report_rows
from bot.sources import SourceError, SourceKind, parse_sources
from tests.data import catalog

REPO = Path(__file__).resolve().parents[2]
LAW = REPO / "data" / "law"
REFERENCE = REPO.parent / "shared" / "reference" / "law"


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return catalog().rulebook


def _load_rulebook(directory: Path) -> RuleBook:
    return load_rulebook(directory, cases=catalog().cases, sources=catalog().sources,
                         holidays=catalog().rulebook.holidays)


def _raw() -> tuple[dict, dict]:
    sources = yaml.safe_load((LAW / "sources.yml").read_text(encoding="utf-8"))
    articles = yaml.safe_load((LAW / "articles.yml").read_text(encoding="utf-8"))["articles"]
    return sources, articles


def test_every_rule_book_entry_has_a_kind_a_resolved_source_and_an_as_of(book) -> None:
    rows = report_rows(book, dt.date(2026, 12, 1))
    assert len(rows) > 100
    for row in rows:
        assert row.kinds and row.refs, row.entry
        assert row.as_of is not None, row.entry
    kinds = {kind for row in rows for kind in row.kinds}
    assert {"law", "regulation", "rule", "platform_rule", "practice"} <= kinds


def test_law_citations_name_the_document_and_article(book) -> None:
    words = catalog().wording
    cites = book.citations()
    law = cites["消保法 第五十五条"]
    assert law.kind is SourceKind.LAW and law.article is not None
    assert law.article.text.startswith("第五十五条") and "五百元" in law.article.text
    assert words.source_tag([law]) == "〔依据：《消费者权益保护法》第五十五条〕"
    rule = cites["淘宝争议处理规则 第六十六条"]
    assert rule.kind is SourceKind.PLATFORM_RULE and rule.needs_check
    assert words.cite_text([rule]) == "依据：《淘宝平台争议处理规则》（2025年8月修订）第六十六条"
    practice = cites["src 000"]
    assert practice.kind is SourceKind.PRACTICE and practice.year == 2022
    assert words.source_tag([practice, cites["src 002"]]) == "〔据2022年的公开文章〕"
    both = words.source_tag([cites["七日无理由退货办法 第十条"], cites["消保法 第二十五条"],
                             practice])
    assert both == ("〔依据：《网络购买商品七日无理由退货暂行办法》第十条、《消费者权益保护法》"
                    "第二十五条；据2022年的公开文章〕")


def test_single_copy_articles_are_marked_for_a_check(book) -> None:
    words = catalog().wording
    cites = book.citations()
    assert cites["七日无理由退货办法 第十条"].needs_check  # one copy only (its README)
    assert cites["实施条例 第四十六条"].needs_check
    assert not cites["消保法 第二十五条"].needs_check  # two copies agree
    seven_days = words.console_line(cites["七日无理由退货办法 第十条"])
    assert "需与官方文本核对" in seven_days
    assert "04_qiri_wuliyou_tuihuo_banfa.md" in seven_days


def test_the_repealed_interim_rules_are_not_citable() -> None:
    sources = catalog().sources
    with pytest.raises(SourceError, match="unknown source"):
        sources.resolve("投诉举报暂行办法 第十四条")
    assert sources.documents["投诉举报处理办法"].effective == dt.date(2026, 4, 15)


def test_an_unknown_article_or_document_is_named() -> None:
    sources = catalog().sources
    with pytest.raises(SourceError, match="no article '第九十九条'"):
        sources.resolve("消保法 第九十九条")
    with pytest.raises(SourceError, match="unknown source"):
        sources.resolve("src 009")


@pytest.mark.parametrize(("change", "message"), [
    (lambda s, a: s["documents"]["淘宝争议处理规则"].pop("revised"), "revision date"),
    (lambda s, a: s["documents"]["消保法"].update(kind="statute"), "unknown kind"),
    (lambda s, a: s["documents"]["消保法"].update(effective="2014-13-01"), "not a date"),
    (lambda s, a: s["documents"]["消保法"]["articles"].append("第五十五"), "article number"),
    (lambda s, a: a["消保法"].pop("第五十五条"), "第五十五条"),
    (lambda s, a: s["practice_articles"].update({"src 005": {}}), "needs a year"),
])
def test_a_broken_sources_file_names_the_entry(change, message) -> None:
    sources, articles = _raw()
    change(sources, articles)
    with pytest.raises(SourceError, match=message):
        parse_sources(sources, articles, LAW / "sources.yml", LAW / "articles.yml")


def test_a_rule_book_reference_that_does_not_resolve_names_file_entry_and_field(tmp_path):
    import shutil

    directory = tmp_path / "rulebook"
    shutil.copytree(REPO / "data" / "rulebook", directory)
    shutil.copytree(REPO / "data" / "cases", tmp_path / "cases")
    path = directory / "timelines.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "source: 实施条例 第四十六条", "source: 实施条例 第四十七条", 1), encoding="utf-8")
    with pytest.raises(RuleBookError) as error:
        _load_rulebook(directory)
    text = str(error.value)
    assert "timelines.yml" in text and "regulator_handling" in text and "第四十七条" in text


def test_a_shared_time_limit_without_as_of_is_refused(tmp_path) -> None:
    import shutil

    directory = tmp_path / "rulebook"
    shutil.copytree(REPO / "data" / "rulebook", directory)
    shutil.copytree(REPO / "data" / "cases", tmp_path / "cases")
    path = directory / "timelines.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    as_of: 2026-11-22\n", "", 1), encoding="utf-8")
    with pytest.raises(RuleBookError, match="as_of is missing"):
        _load_rulebook(directory)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/law is not checked out")
def test_article_texts_are_the_reference_copies() -> None:
    result = subprocess.run([sys.executable, "scripts/import_law.py", "--check"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_cited_article_text_starts_with_its_number() -> None:
    for document in catalog().sources.documents.values():
        for number, article in document.articles.items():
            assert article.text.startswith(number + " "), (document.id, number)


def test_the_report_flags_entries_older_than_twelve_months(book) -> None:
    today = dt.date(2026, 12, 1)
    assert not any(row.stale for row in report_rows(book, today))
    later = today + dt.timedelta(days=STALE_AFTER_DAYS + 30)
    rows = report_rows(book, later)
    assert all(row.stale for row in rows)
    report = format_report(rows, later)
    assert f"stale: {len(rows)}" in report and "regulator_handling" in report
    practice = next(row for row in rows if row.entry == "intervention_available")
    assert practice.practice_only and practice.kinds == ("practice",)
