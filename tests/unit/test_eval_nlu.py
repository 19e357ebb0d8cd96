"""scripts/eval_nlu.py: the pure pieces, on tiny in-memory data (no trained model)."""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval_nlu.py"


@pytest.fixture(scope="module")
def ev():
    """The script loaded as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("eval_nlu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


# --------------------------------------------------------------------------- metrics


def test_summarize_accuracy_and_macro_f1_over_true_intents_only(ev):
    expected = ["a", "a", "b", "b"]
    predicted = ["a", "nlu_fallback", "b", "a"]
    summary = ev.summarize(expected, predicted)
    assert summary.n == 4
    assert summary.accuracy == pytest.approx(0.5)
    # a: P 1/2, R 1/2, F1 0.5; b: P 1, R 1/2, F1 2/3. nlu_fallback is not averaged in.
    assert summary.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)


def test_summarize_empty_is_nan(ev):
    summary = ev.summarize([], [])
    assert summary.n == 0 and math.isnan(summary.accuracy)


def test_per_intent_rows(ev):
    expected = ["a", "a", "a", "b", "c"]
    predicted = ["a", "a", "b", "b", "a"]
    rows = {row.intent: row for row in ev.per_intent_rows(expected, predicted)}
    assert list(rows) == ["a", "b", "c"]
    assert rows["a"].precision == pytest.approx(2 / 3)
    assert rows["a"].recall == pytest.approx(2 / 3)
    assert rows["a"].support == 3
    assert rows["b"].precision == pytest.approx(0.5)
    assert rows["b"].recall == pytest.approx(1.0)
    assert rows["b"].f1 == pytest.approx(2 / 3)
    assert (rows["c"].precision, rows["c"].recall, rows["c"].f1, rows["c"].support) == (
        0.0, 0.0, 0.0, 1)


def test_side_by_side_rows_puts_model_then_baseline(ev):
    model = ev.per_intent_rows(["a", "b"], ["a", "a"])
    baseline = ev.per_intent_rows(["a", "b"], ["a", "b"])
    rows = ev.side_by_side_rows(model, baseline)
    assert rows[0] == ["a", "1", "0.500", "1.000", "0.667", "1.000", "1.000", "1.000"]
    assert rows[1] == ["b", "1", "0.000", "0.000", "0.000", "1.000", "1.000", "1.000"]


def test_subset_accuracy(ev):
    expected = ["a", "b", "c", "d"]
    predicted = ["a", "x", "c", "x"]
    result = ev.subset_accuracy(expected, predicted, [True, True, False, False])
    assert (result.n, result.accuracy) == (2, 0.5)
    empty = ev.subset_accuracy(expected, predicted, [False] * 4)
    assert empty.n == 0 and math.isnan(empty.accuracy)


def test_summary_rows_and_text_table(ev):
    rows = ev.summary_rows(
        ev.Summary(4, 0.75, 0.7), ev.Summary(4, 0.5, 0.4),
        ev.SubsetAccuracy(1, 1.0), ev.SubsetAccuracy(1, 0.0),
        ev.SubsetAccuracy(3, 2 / 3), ev.SubsetAccuracy(0, float("nan")),
    )
    assert rows[1] == ("accuracy", "0.750", "0.500")
    assert rows[3] == ("accuracy, Traditional (n=1)", "1.000", "0.000")
    assert rows[4] == ("accuracy, Simplified (n=3)", "0.667", "–")
    table = ev.text_table(["", "model", "baseline"], rows).splitlines()
    assert len(table) == 2 + len(rows)
    assert len({len(line) for line in table[:2]}) == 1  # header and rule line up


def test_markdown_table_escapes_pipes_and_aligns(ev):
    table = ev.markdown_table(["k", "n", "text"], [["a|b", "1", "x"]],
                              numeric=[False, True, False])
    lines = table.splitlines()
    assert lines[1] == "|---|---:|---|"
    assert "a\\|b" in lines[2]


# --------------------------------------------------------------------------- Traditional


def test_is_traditional_with_an_injected_converter(ev):
    table = str.maketrans({"貨": "货", "賣": "卖"})

    def convert(text):
        return text.translate(table)

    assert ev.is_traditional("賣家發假貨", convert)
    assert not ev.is_traditional("卖家发假货", convert)
    assert not ev.is_traditional("", convert)


def test_is_traditional_with_opencc(ev):
    pytest.importorskip("opencc")
    assert ev.is_traditional("賣家不給退款")
    assert not ev.is_traditional("卖家不给退款")
    assert not ev.is_traditional("ok 123")


# --------------------------------------------------------------------------- confusions


def test_worst_confusions_ranked_by_count_then_name(ev):
    texts = ["t1", "t2", "t3", "t4", "t5", "t6", "t7"]
    expected = ["a", "a", "b", "b", "b", "c", "c"]
    predicted = ["b", "b", "a", "c", "b", "a", "x"]
    ranked = ev.worst_confusions(texts, expected, predicted)
    assert [(c.true, c.predicted, c.count) for c in ranked] == [
        ("a", "b", 2), ("b", "a", 1), ("b", "c", 1), ("c", "a", 1), ("c", "x", 1)]
    assert ranked[0].example == "t1"  # the first text with that confusion
    assert [c.count for c in ev.worst_confusions(texts, expected, predicted, top=2)] == [2, 1]


def test_worst_confusions_no_errors(ev):
    assert ev.worst_confusions(["x"], ["a"], ["a"]) == []


def test_confusion_labels_put_prediction_only_labels_last(ev):
    assert ev.confusion_labels(["b", "a"], ["a", "nlu_fallback"]) == ["a", "b", "nlu_fallback"]


# --------------------------------------------------------------------------- data helpers


def test_strip_entity_markup(ev):
    assert ev.strip_entity_markup("订单[123456](order_number)没到") == "订单123456没到"
    assert ev.strip_entity_markup('退[50元]{"entity": "amount"}') == "退50元"
    assert ev.strip_entity_markup("没有标注") == "没有标注"


def test_read_split_and_newest_model(ev, tmp_path):
    (tmp_path / "a.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n'
        "    - 订单[123](order_number)\n",
        encoding="utf-8",
    )
    assert ev.read_split(tmp_path) == [("你好", "greet"), ("订单123", "greet")]
    assert ev.newest_model(tmp_path) is None
    old, new = tmp_path / "old.tar.gz", tmp_path / "new.tar.gz"
    old.write_bytes(b"")
    new.write_bytes(b"")
    os.utime(old, (1_000, 1_000))
    os.utime(new, (2_000, 2_000))
    assert ev.newest_model(tmp_path) == new


# --------------------------------------------------------------------------- baseline


def test_baseline_trains_and_predicts_on_a_toy_set(ev):
    texts = ["卖家不发货", "一直不发货", "还没发货呢", "你好", "您好呀", "早上好",
             "假货", "收到假货了", "这是假货"]
    intents = ["not_shipped"] * 3 + ["greet"] * 3 + ["counterfeit"] * 3
    pipeline, seconds = ev.train_baseline(texts, intents, normalizer=lambda text: text)
    assert seconds >= 0
    assert ev.predict_baseline(pipeline, ["怎么还不发货", "你好啊", "买到假货"]) == [
        "not_shipped", "greet", "counterfeit"]
    assert ev.predict_baseline(pipeline, []) == []


def test_baseline_applies_the_normalizer(ev):
    texts = ["不发货", "没发货", "你好", "您好"]
    intents = ["not_shipped", "not_shipped", "greet", "greet"]
    table = str.maketrans({"發": "发", "貨": "货"})
    pipeline, _ = ev.train_baseline(texts, intents, normalizer=lambda t: t.translate(table))
    assert ev.predict_baseline(pipeline, ["不發貨"]) == ["not_shipped"]


def test_render_markdown_has_the_sections(ev):
    report = ev.Report(
        model_name="m.tar.gz", n_train=10, n_held_out=4,
        summary=[("accuracy", "0.750", "0.500")],
        per_intent=[["a", "2", "1.000", "0.500", "0.667", "1.000", "1.000", "1.000"]],
        confusions=[ev.Confusion("a", "b", 1, "例子")],
        fallback_count=0, model_load_seconds=1.0, model_parse_ms=2.0,
        baseline_train_seconds=0.5, baseline_predict_ms=0.1, generated="2026-01-01 00:00",
    )
    text = ev.render_markdown(report)
    for heading in ("## Summary", "## Per intent", "## Worst confusions", "## Reproduce"):
        assert heading in text
    assert "make eval" in text and "例子" in text and "m.tar.gz" in text


def test_save_confusion_png(ev, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "sub" / "cm.png"
    ev.save_confusion_png(["a", "a", "b"], ["a", "nlu_fallback", "b"], path, "toy")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
