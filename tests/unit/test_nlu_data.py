"""The training data and the held-out split: no leakage, no example with two intents (each
intent's floor and held-out coverage: tests/unit/test_intent_registry.py)."""

from __future__ import annotations

from bot.nlu_examples import read_examples


def _train(repo_root):
    return read_examples(sorted((repo_root / "data" / "nlu").glob("*.yml")))


def _test(repo_root):
    return read_examples(sorted((repo_root / "tests" / "nlu").glob("*.yml")))


def test_held_out_split_never_appears_in_training(repo_root):
    def key(text: str) -> str:
        return "".join(ch for ch in text if ch.isalnum())

    train = {key(text) for text, _ in _train(repo_root)}
    leaked = [text for text, _ in _test(repo_root) if key(text) in train]
    assert not leaked, f"held-out examples also in training: {leaked[:10]}"


def test_no_training_example_has_two_intents(repo_root):
    seen: dict[str, str] = {}
    clashes = []
    for text, intent in _train(repo_root):
        if seen.setdefault(text, intent) != intent:
            clashes.append((text, seen[text], intent))
    assert not clashes, clashes[:10]


def test_about_a_tenth_is_traditional_chinese(repo_root):
    from bot.chinese_forms import to_simplified

    texts = [text for text, _ in _train(repo_root)]
    traditional = sum(1 for text in texts if to_simplified(text) != text)
    assert traditional / len(texts) >= 0.05, f"{traditional} of {len(texts)}"
