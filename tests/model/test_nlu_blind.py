"""Intent accuracy on the blind test set, against the plain baseline trained in the same run.

``tests/nlu_blind/messages.yml`` was written by a helper from the intent catalog and the
domain brief alone, never from the training data; nothing is trained on it. The model must
stay above the floor and at least LEAD points above the baseline (char 1-4-grams over the
whole message, TF-IDF, logistic regression: ``scripts/eval_nlu.train_baseline``).
"""

from __future__ import annotations

import asyncio

import pytest
import yaml

# Set a little under the accuracy measured when they were set (README, "Quality, measured").
# Session 9 added 1,667 training examples: the model rose 0.944 -> 0.950 here, the baseline
# (trained on the same data) 0.914 -> 0.935, so the lead fell from 0.030 to 0.015; issue 29's
# bar (+0.03 on a new blind set) is not met, and this floor says where it stands.
ACCURACY_FLOOR = 0.94
LEAD = 0.01


@pytest.mark.model
def test_blind_intent_accuracy_and_lead_over_the_baseline(repo_root, latest_model, capsys):
    from rasa.core.agent import Agent
    from sklearn.metrics import f1_score

    from scripts.eval_nlu import TRAIN_DIR, predict_baseline, read_split, train_baseline

    blind = yaml.safe_load((repo_root / "tests" / "nlu_blind" / "messages.yml")
                           .read_text(encoding="utf-8"))
    texts, expected = [m["text"] for m in blind], [m["intent"] for m in blind]
    agent = Agent.load(str(latest_model))

    async def predict() -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    predicted = asyncio.run(predict())
    train = read_split(TRAIN_DIR)
    baseline, _seconds = train_baseline([t for t, _ in train], [i for _, i in train])
    base_predicted = predict_baseline(baseline, texts)

    def accuracy(guesses: list[str]) -> float:
        return sum(g == e for g, e in zip(guesses, expected, strict=True)) / len(expected)

    model_acc, base_acc = accuracy(predicted), accuracy(base_predicted)
    with capsys.disabled():
        for subset in sorted({m["subset"] for m in blind}):
            rows = [i for i, m in enumerate(blind) if m["subset"] == subset]
            got = sum(predicted[i] == expected[i] for i in rows) / len(rows)
            base = sum(base_predicted[i] == expected[i] for i in rows) / len(rows)
            print(f"  {subset:<12} n={len(rows):>3} model {got:.3f} baseline {base:.3f}")
        print(f"blind NLU: {len(texts)} messages, model accuracy {model_acc:.3f} macro-F1 "
              f"{f1_score(expected, predicted, average='macro', zero_division=0):.3f}, "
              f"baseline {base_acc:.3f} (floor {ACCURACY_FLOOR}, lead {LEAD})")
    assert model_acc >= ACCURACY_FLOOR, f"accuracy {model_acc:.3f} < floor {ACCURACY_FLOOR}"
    assert model_acc - base_acc >= LEAD, f"lead {model_acc - base_acc:.3f} < {LEAD}"
