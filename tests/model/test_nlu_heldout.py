"""Intent accuracy and macro-F1 of the trained model on the held-out split."""

from __future__ import annotations

import asyncio

import pytest

from bot.nlu_examples import read_examples

# Raise as the data grows; the run fails when the model falls below it. The logistic
# regression trains deterministically (0.949 on the current data), DIET moved by +-1 point.
ACCURACY_FLOOR = 0.93


@pytest.mark.model
def test_held_out_intent_accuracy(repo_root, latest_model, capsys):
    from rasa.core.agent import Agent
    from sklearn.metrics import classification_report, f1_score

    examples = read_examples(sorted((repo_root / "tests" / "nlu").glob("*.yml")))
    agent = Agent.load(str(latest_model))

    async def predict() -> list[str]:
        return [
            (await agent.parse_message(text))["intent"]["name"] for text, _ in examples
        ]

    predicted = asyncio.run(predict())
    expected = [intent for _, intent in examples]
    accuracy = sum(p == e for p, e in zip(predicted, expected, strict=False)) / len(expected)
    macro_f1 = f1_score(expected, predicted, average="macro", zero_division=0)
    misses = [(t, e, p) for (t, e), p in zip(examples, predicted, strict=True) if p != e]
    with capsys.disabled():  # the figures belong in the test log, pass or fail
        print("\n" + classification_report(expected, predicted, zero_division=0))
        for text, want, got in misses:
            print(f"  miss: {want} -> {got}: {text}")
        print(f"held-out NLU: {len(expected)} examples, accuracy {accuracy:.3f}, "
              f"macro-F1 {macro_f1:.3f} (floor {ACCURACY_FLOOR})")
    assert accuracy >= ACCURACY_FLOOR, f"accuracy {accuracy:.3f} < floor {ACCURACY_FLOOR}"
