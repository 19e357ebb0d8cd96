"""Intent accuracy on the blind sets, against the plain baseline trained in the same run.

Each set in ``tests/nlu_blind/`` was written by a helper from the intent catalog and the
domain brief alone, never from the training data; nothing is trained on them. The model
must stay above each set's floor and at least its lead above the baseline (char 1-4-grams
over the whole message, TF-IDF, logistic regression: ``scripts/eval_nlu.train_baseline``),
and, where a set names them, above a floor on every intent's recall and on a subset.
The figures: ``docs/quality.md``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml


@dataclass(frozen=True)
class Bar:
    """What one blind set must show (set a little under the figures measured)."""

    accuracy: float
    lead: float
    min_recall: float = 0.0
    subsets: dict[str, float] = field(default_factory=dict)


# messages.yml and session9.yml have been read: regression sets. session12.yml was played
# twice in session 12 (first runs in docs/quality.md); its misses were not read. Measured
# now: messages 0.967 / 0.960, session9 0.985 / 0.977, session12 0.973 / 0.970 (lowest
# recall 0.864, mixed 0.988).
BARS = {
    "messages.yml": Bar(accuracy=0.95, lead=0.0),
    "session9.yml": Bar(accuracy=0.97, lead=0.0),
    "session12.yml": Bar(accuracy=0.96, lead=-0.005, min_recall=0.80,
                         subsets={"mixed": 0.85}),
}


@pytest.fixture(scope="module")
def predictors(latest_model) -> dict[str, Any]:
    """The model and the baseline trained on the same data, loaded once."""
    from rasa.core.agent import Agent

    from scripts.eval_nlu import TRAIN_DIR, predict_baseline, read_split, train_baseline

    agent = Agent.load(str(latest_model))
    train = read_split(TRAIN_DIR)
    baseline, _seconds = train_baseline([t for t, _ in train], [i for _, i in train])

    def model(texts: list[str]) -> list[str]:
        async def parse() -> list[str]:
            return [(await agent.parse_message(text))["intent"]["name"] for text in texts]
        return asyncio.run(parse())

    return {"model": model, "baseline": lambda texts: predict_baseline(baseline, texts)}


def _rate(rows: list[int], guesses: list[str], expected: list[str]) -> float:
    return sum(guesses[i] == expected[i] for i in rows) / len(rows)


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(BARS))
def test_blind_intent_accuracy_and_lead_over_the_baseline(name, repo_root, predictors, capsys):
    from sklearn.metrics import f1_score

    bar = BARS[name]
    blind = yaml.safe_load((repo_root / "tests" / "nlu_blind" / name).read_text(encoding="utf-8"))
    texts, expected = [m["text"] for m in blind], [m["intent"] for m in blind]
    predicted, base_predicted = predictors["model"](texts), predictors["baseline"](texts)
    everything = list(range(len(blind)))
    model_acc = _rate(everything, predicted, expected)
    base_acc = _rate(everything, base_predicted, expected)
    subsets = {subset: [i for i, m in enumerate(blind) if m.get("subset") == subset]
               for subset in sorted({m.get("subset", "-") for m in blind})}
    recalls = {intent: _rate([i for i, e in enumerate(expected) if e == intent], predicted,
                             expected) for intent in set(expected)}
    with capsys.disabled():
        for subset, rows in subsets.items():
            print(f"  {name} {subset:<12} n={len(rows):>3} model "
                  f"{_rate(rows, predicted, expected):.3f} baseline "
                  f"{_rate(rows, base_predicted, expected):.3f}")
        print(f"blind NLU {name}: {len(texts)} messages, model accuracy {model_acc:.3f} "
              f"macro-F1 {f1_score(expected, predicted, average='macro', zero_division=0):.3f},"
              f" baseline {base_acc:.3f}, lowest recall {min(recalls.values()):.3f} ({bar})")
    assert model_acc >= bar.accuracy, f"accuracy {model_acc:.3f} < floor {bar.accuracy}"
    assert model_acc - base_acc >= bar.lead, f"lead {model_acc - base_acc:.3f} < {bar.lead}"
    low = {intent: round(r, 3) for intent, r in recalls.items() if r < bar.min_recall}
    assert not low, f"recall under {bar.min_recall}: {low}"
    for subset, floor in bar.subsets.items():
        got = _rate(subsets[subset], predicted, expected)
        assert got >= floor, f"{subset} {got:.3f} < {floor}"
