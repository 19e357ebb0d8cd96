"""The training data and the held-out split: coverage, size, and no leakage."""

from __future__ import annotations

from collections import Counter

import yaml

from bot.nlu_examples import read_examples

CASE_AND_QUESTION_INTENTS = {
    "ruling_unfair", "refund_refused", "seller_harassment", "not_shipped", "not_received",
    "not_as_described", "quality_problem", "counterfeit", "broken_promise", "staff_complaint",
    "external_escalation", "lawsuit", "accused_of_harassment", "wrong_item_returned",
    "listing_violation", "image_theft", "malicious_review", "logistics_claim", "ask_deadline",
    "ask_next_step", "ask_evidence", "request_draft", "request_case_file", "check_progress",
    "human_handoff",
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "inform", "out_of_scope",
    "resume_case", "list_cases", "delete_my_data",
    "set_reminder", "list_reminders", "cancel_reminder",
}
REMINDER_INTENTS = {"set_reminder", "list_reminders", "cancel_reminder"}


def _train(repo_root):
    return read_examples(sorted((repo_root / "data" / "nlu").glob("*.yml")))


def _test(repo_root):
    return read_examples(sorted((repo_root / "tests" / "nlu").glob("*.yml")))


def test_every_public_intent_is_in_the_domain_and_has_40_examples(repo_root):
    domain = yaml.safe_load((repo_root / "domain.yml").read_text(encoding="utf-8"))
    assert CASE_AND_QUESTION_INTENTS <= set(domain["intents"])
    counts = Counter(intent for _, intent in _train(repo_root))
    for intent in CASE_AND_QUESTION_INTENTS:
        floor = 80 if intent == "out_of_scope" else 60 if intent in REMINDER_INTENTS else 40
        assert counts[intent] >= floor, f"{intent}: {counts[intent]} examples"


def test_held_out_split_covers_every_intent(repo_root):
    counts = Counter(intent for _, intent in _test(repo_root))
    for intent in CASE_AND_QUESTION_INTENTS:
        assert counts[intent] >= 10, f"{intent}: {counts[intent]} held-out examples"


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
