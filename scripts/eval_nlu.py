"""NLU report on the held-out split: the trained model against a character n-gram baseline.

Parses every example of ``tests/nlu/*.yml`` with the newest model in ``models/`` and, in
the same run, trains a scikit-learn baseline (character 1-4-gram TF-IDF + logistic
regression on normalized text) on ``data/nlu/*.yml``. Prints a summary table, writes
``reports/nlu_report.md`` and the model's confusion matrix ``reports/nlu_confusion.png``.

It is a report, not a gate: once it has run, the exit code is 0 whatever the figures.
Run it with ``make eval``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRAIN_DIR = ROOT / "data" / "nlu"
HELD_OUT_DIR = ROOT / "tests" / "nlu"
MODELS_DIR = ROOT / "models"
REPORTS_DIR = ROOT / "reports"
REPORT_MD = REPORTS_DIR / "nlu_report.md"
CONFUSION_PNG = REPORTS_DIR / "nlu_confusion.png"
BLIND_FILE = ROOT / "tests" / "nlu_blind" / "messages.yml"
BLIND_CONFUSION_PNG = REPORTS_DIR / "nlu_blind_confusion.png"

# The plain baseline: character 1-4-grams over the whole message (across word boundaries),
# TF-IDF, logistic regression; fixed before looking at either test set, not tuned on them.
BASELINE_NGRAMS = (1, 4)
BASELINE_C = 10.0
BASELINE_RANDOM_STATE = 2026
TOP_CONFUSIONS = 15

# Rasa entity markup in training examples: [surface](entity) or [surface]{"entity": ...}.
_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

Example = tuple[str, str]


@dataclass(frozen=True)
class Summary:
    """Headline figures of one classifier on one set of examples."""

    n: int
    accuracy: float
    macro_f1: float


@dataclass(frozen=True)
class IntentRow:
    """Precision, recall, F1 and support of one intent for one classifier."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Confusion:
    """One (true, predicted) error pair, how often it occurs, and a first example."""

    true: str
    predicted: str
    count: int
    example: str


@dataclass(frozen=True)
class SubsetAccuracy:
    """Accuracy on a subset of the examples (NaN when the subset is empty)."""

    n: int
    accuracy: float


# --------------------------------------------------------------------------- data


def ensure_repo_on_path(root: Path = ROOT) -> None:
    """Make ``bot`` importable when run as ``python scripts/eval_nlu.py``."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def quiet_libraries() -> None:
    """Silence TensorFlow, deprecation warnings and Rasa's per-message debug logs.

    Without Rasa's CLI, structlog is unconfigured and prints every parsed message.
    Call before TensorFlow / Rasa are imported.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    ignore_deprecations()


def ignore_deprecations() -> None:
    """Put "ignore" filters for deprecation warnings in front of all others.

    Needed again after importing sanic (it adds a "once" filter for DeprecationWarning)
    and after Rasa's logging setup (a "once" filter for UserWarning, which pyparsing's
    deprecation warnings also are).
    """
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)


def strip_entity_markup(text: str) -> str:
    """``我的订单[123](order_number)`` -> ``我的订单123`` (plain text as a user types it)."""
    return _ENTITY_MARKUP.sub(r"\1", text)


def read_split(folder: Path) -> list[Example]:
    """All (text, intent) pairs of the NLU YAML files in ``folder``, markup removed."""
    ensure_repo_on_path()
    from bot.nlu_examples import read_examples

    return [
        (strip_entity_markup(text), intent)
        for text, intent in read_examples(sorted(folder.glob("*.yml")))
    ]


def newest_model(models_dir: Path = MODELS_DIR) -> Path | None:
    """The most recently written ``*.tar.gz`` in ``models_dir``, or None."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def is_traditional(text: str, to_simplified: Callable[[str], str] | None = None) -> bool:
    """True when Traditional→Simplified conversion changes the text."""
    if to_simplified is None:
        ensure_repo_on_path()
        from bot.chinese_forms import to_simplified
    return to_simplified(text) != text


# --------------------------------------------------------------------------- metrics


def summarize(expected: Sequence[str], predicted: Sequence[str]) -> Summary:
    """Accuracy and macro-F1, the mean F1 over the intents present in ``expected``.

    Labels that only occur as predictions (``nlu_fallback``) count as misses but are not
    averaged in as an extra class with F1 0.
    """
    from sklearn.metrics import f1_score

    if not expected:
        return Summary(0, float("nan"), float("nan"))
    labels = sorted(set(expected))
    accuracy = sum(e == p for e, p in zip(expected, predicted, strict=True)) / len(expected)
    macro = f1_score(expected, predicted, labels=labels, average="macro", zero_division=0)
    return Summary(len(expected), accuracy, float(macro))


def per_intent_rows(
    expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> list[IntentRow]:
    """One row per intent (default: the intents in ``expected``, sorted)."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(expected)) if labels is None else list(labels)
    if not labels:
        return []
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    return [
        IntentRow(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]


def subset_accuracy(
    expected: Sequence[str], predicted: Sequence[str], mask: Sequence[bool]
) -> SubsetAccuracy:
    """Accuracy over the examples where ``mask`` is True."""
    pairs = [(e, p) for e, p, keep in zip(expected, predicted, mask, strict=True) if keep]
    if not pairs:
        return SubsetAccuracy(0, float("nan"))
    return SubsetAccuracy(len(pairs), sum(e == p for e, p in pairs) / len(pairs))


def worst_confusions(
    texts: Sequence[str],
    expected: Sequence[str],
    predicted: Sequence[str],
    top: int = TOP_CONFUSIONS,
) -> list[Confusion]:
    """The ``top`` most frequent (true, predicted) errors, most frequent first.

    Ties are broken by true then predicted intent name, so the order is stable; the
    example is the first held-out text with that confusion.
    """
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    for text, want, got in zip(texts, expected, predicted, strict=True):
        if want == got:
            continue
        counts[(want, got)] += 1
        first.setdefault((want, got), text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    return [Confusion(t, p, n, first[(t, p)]) for (t, p), n in ranked[:top]]


def confusion_labels(expected: Sequence[str], predicted: Sequence[str]) -> list[str]:
    """Matrix axis: the true intents sorted, then prediction-only labels (nlu_fallback)."""
    true_labels = sorted(set(expected))
    extra = sorted(set(predicted) - set(true_labels))
    return true_labels + extra


# --------------------------------------------------------------------------- classifiers


def train_baseline(
    texts: Sequence[str],
    intents: Sequence[str],
    normalizer: Callable[[str], str] | None = None,
    random_state: int = BASELINE_RANDOM_STATE,
) -> tuple[Any, float]:
    """Fit char 1-4-gram TF-IDF + logistic regression; returns (pipeline, seconds).

    Text goes through ``normalizer`` (default ``bot.chinese_forms.normalize``: Traditional →
    Simplified, full-width → half-width) both here and at prediction time.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if normalizer is None:
        ensure_repo_on_path()
        from bot.chinese_forms import normalize as normalizer
    pipeline = make_pipeline(
        TfidfVectorizer(
            analyzer="char",
            ngram_range=BASELINE_NGRAMS,
            sublinear_tf=True,
            preprocessor=normalizer,
            lowercase=False,
        ),
        LogisticRegression(C=BASELINE_C, max_iter=5000, random_state=random_state),
    )
    started = time.perf_counter()
    pipeline.fit(list(texts), list(intents))
    return pipeline, time.perf_counter() - started


def predict_baseline(pipeline: Any, texts: Sequence[str]) -> list[str]:
    """Intent predicted by a fitted baseline for each text."""
    if not texts:
        return []
    return [str(label) for label in pipeline.predict(list(texts))]


def parse_with_model(model_path: Path, texts: Sequence[str]) -> tuple[list[str], float, float]:
    """Intent of each text from the Rasa model; returns (intents, load s, parse s/message)."""
    import jieba
    import sanic  # noqa: F401  (imported first: it installs its own warning filter)

    ignore_deprecations()
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    ignore_deprecations()
    jieba.setLogLevel(logging.WARNING)
    started = time.perf_counter()
    agent = Agent.load(str(model_path))
    load_seconds = time.perf_counter() - started

    async def parse_all() -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    started = time.perf_counter()
    intents = asyncio.run(parse_all())
    per_message = (time.perf_counter() - started) / max(len(texts), 1)
    return intents, load_seconds, per_message


# --------------------------------------------------------------------------- output


def _fmt(value: float) -> str:
    """Three decimals, or an en dash for NaN (an empty subset)."""
    return "–" if value != value else f"{value:.3f}"


def summary_rows(
    model: Summary,
    baseline: Summary,
    model_trad: SubsetAccuracy,
    baseline_trad: SubsetAccuracy,
    model_simp: SubsetAccuracy,
    baseline_simp: SubsetAccuracy,
) -> list[tuple[str, str, str]]:
    """(metric, model, baseline) rows of the headline table."""
    return [
        ("examples", str(model.n), str(baseline.n)),
        ("accuracy", _fmt(model.accuracy), _fmt(baseline.accuracy)),
        ("macro-F1", _fmt(model.macro_f1), _fmt(baseline.macro_f1)),
        (f"accuracy, Traditional (n={model_trad.n})",
         _fmt(model_trad.accuracy), _fmt(baseline_trad.accuracy)),
        (f"accuracy, Simplified (n={model_simp.n})",
         _fmt(model_simp.accuracy), _fmt(baseline_simp.accuracy)),
    ]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain fixed-width table for the terminal (first column left, others right)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] | None = None
) -> str:
    """A GitHub markdown table; ``|`` in cells is escaped.

    ``numeric`` marks right-aligned columns (default: all but the first).
    """
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    if numeric is None:
        numeric = [i > 0 for i in range(len(headers))]
    align = ["---:" if flag else "---" for flag in numeric]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def side_by_side_rows(
    model_rows: Sequence[IntentRow], baseline_rows: Sequence[IntentRow]
) -> list[list[str]]:
    """Per-intent rows: intent, support, then model P/R/F1 and baseline P/R/F1."""
    baseline_by_intent = {row.intent: row for row in baseline_rows}
    table = []
    for row in model_rows:
        base = baseline_by_intent.get(row.intent)
        base_cells = (
            [_fmt(base.precision), _fmt(base.recall), _fmt(base.f1)] if base else ["–"] * 3
        )
        table.append([row.intent, str(row.support),
                      _fmt(row.precision), _fmt(row.recall), _fmt(row.f1), *base_cells])
    return table


def save_confusion_png(
    expected: Sequence[str], predicted: Sequence[str], path: Path, title: str
) -> None:
    """Confusion matrix of ``predicted`` against ``expected`` as a PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    labels = confusion_labels(expected, predicted)
    matrix = confusion_matrix(expected, predicted, labels=labels)
    # Drop rows of prediction-only labels (always zero) but keep them as columns.
    n_true = len(set(expected))
    matrix = matrix[:n_true]
    size = max(6.0, 0.42 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size + 1.5, size * n_true / len(labels) + 1.5))
    shown = np.where(matrix > 0, matrix, np.nan)
    image = ax.imshow(shown, cmap="Blues", aspect="auto")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="examples")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n_true), labels=labels[:n_true], fontsize=8)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    ax.set_title(title, fontsize=10)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(np.arange(-0.5, len(labels), 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_true, 1), minor=True)
    ax.grid(which="minor", color="#dddddd", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


@dataclass
class Report:
    """Everything the markdown report shows."""

    model_name: str
    n_train: int
    n_held_out: int
    summary: list[tuple[str, str, str]]
    per_intent: list[list[str]]
    confusions: list[Confusion]
    fallback_count: int
    model_load_seconds: float
    model_parse_ms: float
    baseline_train_seconds: float
    baseline_predict_ms: float
    generated: str


def render_markdown(report: Report) -> str:
    """The markdown report (reports/nlu_report.md)."""
    confusion_rows = [
        [c.true, c.predicted, str(c.count), c.example] for c in report.confusions
    ]
    parts = [
        "# NLU report: held-out split",
        "",
        f"Model `{report.model_name}` against a baseline trained in the same run on the same "
        f"training data ({report.n_train} examples from `data/nlu/`); "
        f"{report.n_held_out} held-out examples from `tests/nlu/`. Generated {report.generated}.",
        "",
        "Baseline: scikit-learn TF-IDF over character 1–4-grams of the whole message "
        "(`char`, sublinear tf) + "
        f"LogisticRegression (C={BASELINE_C:g}, random_state={BASELINE_RANDOM_STATE}), on text "
        "normalized by `bot.chinese_forms.normalize` (Traditional → Simplified, full-width → "
        "half-width). Macro-F1 averages over the true intents only; the model's "
        "`nlu_fallback` predictions count as misses.",
        "",
        "## Summary",
        "",
        markdown_table(["", "model", "baseline"], report.summary),
        "",
        "An example is Traditional when `bot.chinese_forms.to_simplified(text) != text`.",
        f"The model answered `nlu_fallback` on {report.fallback_count} held-out example(s).",
        "",
        "## Timing",
        "",
        markdown_table(
            ["", "value"],
            [
                ["model load", f"{report.model_load_seconds:.1f} s"],
                ["model parse, per message", f"{report.model_parse_ms:.1f} ms"],
                ["baseline training", f"{report.baseline_train_seconds:.1f} s"],
                ["baseline prediction, per message", f"{report.baseline_predict_ms:.2f} ms"],
            ],
        ),
        "",
        "## Per intent",
        "",
        markdown_table(
            ["intent", "support", "model P", "model R", "model F1",
             "baseline P", "baseline R", "baseline F1"],
            report.per_intent,
        ),
        "",
        f"## Worst confusions of the model (top {TOP_CONFUSIONS})",
        "",
        markdown_table(["true", "predicted", "count", "example"], confusion_rows,
                       numeric=[False, False, True, False])
        if confusion_rows else "No errors.",
        "",
        "Confusion matrix: `reports/nlu_confusion.png` (not committed).",
        "",
        "## Reproduce",
        "",
        "```",
        "make eval",
        "```",
        "",
        "(`make eval` trains first if config, domain or data changed, then runs "
        "`scripts/eval_nlu.py` against the newest model in `models/`.)",
        "",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------- main


def main() -> int:
    """Run the evaluation, print the summary, write the report; 0 once it has run."""
    started = time.perf_counter()
    quiet_libraries()
    ensure_repo_on_path()
    from bot.chinese_forms import normalize, to_simplified

    model_path = newest_model()
    if model_path is None:
        print("eval: no trained model in models/: run `make train` first", file=sys.stderr)
        return 1
    train = read_split(TRAIN_DIR)
    held_out = read_split(HELD_OUT_DIR)
    if not train or not held_out:
        print("eval: no training or held-out examples found", file=sys.stderr)
        return 1
    texts = [text for text, _ in held_out]
    expected = [intent for _, intent in held_out]

    print(f"eval: baseline on {len(train)} training examples ...", flush=True)
    pipeline, baseline_train_seconds = train_baseline(
        [t for t, _ in train], [i for _, i in train], normalizer=normalize
    )
    predict_started = time.perf_counter()
    baseline_predicted = predict_baseline(pipeline, texts)
    baseline_predict_ms = 1000 * (time.perf_counter() - predict_started) / len(texts)

    print(f"eval: parsing {len(texts)} held-out examples with {model_path.name} ...",
          flush=True)
    model_predicted, load_seconds, parse_seconds = parse_with_model(model_path, texts)

    traditional = [is_traditional(text, to_simplified) for text in texts]
    simplified = [not flag for flag in traditional]
    model_summary = summarize(expected, model_predicted)
    baseline_summary = summarize(expected, baseline_predicted)
    summary = summary_rows(
        model_summary,
        baseline_summary,
        subset_accuracy(expected, model_predicted, traditional),
        subset_accuracy(expected, baseline_predicted, traditional),
        subset_accuracy(expected, model_predicted, simplified),
        subset_accuracy(expected, baseline_predicted, simplified),
    )
    per_intent = side_by_side_rows(
        per_intent_rows(expected, model_predicted), per_intent_rows(expected, baseline_predicted)
    )
    confusions = worst_confusions(texts, expected, model_predicted)

    save_confusion_png(
        expected, model_predicted, CONFUSION_PNG,
        f"{model_path.name}: held-out confusion matrix "
        f"(accuracy {_fmt(model_summary.accuracy)}, n={len(expected)})",
    )
    report = Report(
        model_name=model_path.name,
        n_train=len(train),
        n_held_out=len(held_out),
        summary=summary,
        per_intent=per_intent,
        confusions=confusions,
        fallback_count=sum(p == "nlu_fallback" for p in model_predicted),
        model_load_seconds=load_seconds,
        model_parse_ms=1000 * parse_seconds,
        baseline_train_seconds=baseline_train_seconds,
        baseline_predict_ms=baseline_predict_ms,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    REPORT_MD.write_text(render_markdown(report), encoding="utf-8")

    print()
    print(text_table(["held-out NLU", "model", "baseline"], summary))
    print()
    print(f"model {model_path.name}: load {load_seconds:.1f} s, "
          f"parse {1000 * parse_seconds:.1f} ms/message, "
          f"{report.fallback_count} nlu_fallback; baseline train {baseline_train_seconds:.1f} s")
    if confusions:
        print("worst confusions of the model:")
        for c in confusions[:5]:
            print(f"  {c.count:>2} x {c.true} -> {c.predicted}: {c.example}")
    blind_report(model_path, pipeline)
    print(f"wrote {REPORT_MD.relative_to(ROOT)}, {CONFUSION_PNG.relative_to(ROOT)} and "
          f"{BLIND_CONFUSION_PNG.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")
    return 0


def blind_report(model_path: Path, baseline: Any) -> None:
    """The blind set (tests/nlu_blind): model and baseline overall, per subset and per
    intent (recall), and the model's confusion matrix."""
    import yaml

    blind = yaml.safe_load(BLIND_FILE.read_text(encoding="utf-8"))
    texts, expected = [m["text"] for m in blind], [m["intent"] for m in blind]
    print(f"eval: parsing {len(texts)} blind messages ...", flush=True)
    model, _load, parse_seconds = parse_with_model(model_path, texts)
    base = predict_baseline(baseline, texts)
    rows = []
    for subset in ["all", *sorted({m["subset"] for m in blind})]:
        keep = [subset in ("all", m["subset"]) for m in blind]
        got, ref = subset_accuracy(expected, model, keep), subset_accuracy(expected, base, keep)
        rows.append([subset, str(got.n), _fmt(got.accuracy), _fmt(ref.accuracy)])
    model_summary, base_summary = summarize(expected, model), summarize(expected, base)
    rows.append(["macro-F1", str(len(texts)), _fmt(model_summary.macro_f1),
                 _fmt(base_summary.macro_f1)])
    print()
    print(text_table(["blind NLU", "n", "model", "baseline"], rows))
    beside = [m for m, p in zip(blind, model, strict=True) if m["subset"] == "two_in_one"]
    print(f"model parse {1000 * parse_seconds:.1f} ms/message; "
          f"{sum(p == 'nlu_fallback' for p in model)} nlu_fallback; two-in-one: "
          f"{len(beside)} messages labelled with their case")
    recall = per_intent_rows(expected, model)
    print("lowest recall (model): " + ", ".join(
        f"{row.intent} {_fmt(row.recall)}" for row in sorted(recall, key=lambda r: r.recall)[:8]))
    save_confusion_png(expected, model, BLIND_CONFUSION_PNG,
                       f"{model_path.name}: blind set (accuracy "
                       f"{_fmt(model_summary.accuracy)}, n={len(texts)})")


if __name__ == "__main__":
    sys.exit(main())
