"""The intent registry (data/understanding/intents.yml) and the case-type folders are the one
list of intents: domain.yml, the training data, the held-out split and the rules agree."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bot.datafiles import DATA_DIR
from bot.nlu_examples import read_examples
from bot.rulebook import load_case_folders
from bot.understanding.intents import (
    IntentRegistryError,
    intent_registry,
    load_intents,
)

REGISTRY = intent_registry()
CASE_TYPES = frozenset(load_case_folders(DATA_DIR / "cases"))
RASA_OWN = frozenset({"nlu_fallback"})  # predicted by Rasa below the threshold; no examples


def _domain(repo_root) -> dict:
    return yaml.safe_load((repo_root / "domain.yml").read_text(encoding="utf-8"))


def _counts(repo_root, folder: str) -> Counter:
    files = sorted((repo_root / folder).glob("*.yml"))
    return Counter(intent for _, intent in read_examples(files))


def test_every_domain_intent_is_a_case_type_or_registered_once(repo_root):
    domain = set(_domain(repo_root)["intents"])
    assert not CASE_TYPES & REGISTRY.names
    assert domain == CASE_TYPES | (REGISTRY.names - RASA_OWN)


def test_every_intent_meets_its_training_floor(repo_root):
    counts = _counts(repo_root, "data/nlu")
    floor = yaml.safe_load((DATA_DIR / "understanding" / "intents.yml").read_text(
        encoding="utf-8"))["examples_floor"]
    floors = {**{case: floor for case in CASE_TYPES}, **REGISTRY.floors}
    short = {name: counts[name] for name, least in floors.items() if counts[name] < least}
    assert not short, f"fewer training examples than the floor: {short}"
    assert set(counts) <= set(floors), f"examples of unknown intents: {set(counts) - set(floors)}"


def test_the_held_out_split_covers_every_trained_intent(repo_root):
    counts = _counts(repo_root, "tests/nlu")
    trained = CASE_TYPES | {name for name, least in REGISTRY.floors.items() if least > 0}
    thin = {name: counts[name] for name in trained if counts[name] < 10}
    assert not thin, f"fewer than 10 held-out examples: {thin}"


def test_the_case_rule_lists_every_case_type_and_the_answers(repo_root):
    rules = yaml.safe_load((repo_root / "data/rules/cases.yml").read_text(encoding="utf-8"))
    steps = {rule["rule"]: rule["steps"] for rule in rules["rules"]}
    opening = {item["intent"] for item in steps["a case type opens or continues the case"][0]["or"]}
    assert opening == CASE_TYPES
    answers = {item["intent"] for item in
               steps["details, free-text answers and unclear messages go to the case"][0]["or"]}
    assert answers == REGISTRY.members("answer")


def test_no_case_replies_are_domain_responses(repo_root):
    responses = set(_domain(repo_root)["responses"])
    assert set(REGISTRY.no_case_replies.values()) <= responses
    assert set(REGISTRY.replies.values()) <= responses


def test_an_intent_with_its_own_reply_is_answered_by_the_chat_action(repo_root):
    """Each such intent's rule runs action_chat_reply (which says the reply after any safety
    line), never the response alone."""
    rules = yaml.safe_load((repo_root / "data/rules/conversation.yml").read_text(
        encoding="utf-8"))["rules"]
    action_after = {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in rules
                    if "intent" in rule["steps"][0]}
    assert REGISTRY.replies and all(action_after.get(intent) == "action_chat_reply"
                                    for intent in REGISTRY.replies)


@pytest.mark.parametrize("text, problem", [
    ("intents: {greet: {groups: [chat]}}\nexamples_floor: 40\n", "unknown group 'chat'"),
    ("intents: {greet: {}}\nexamples_floor: 40\n", "needs groups"),
    ("intents: {greet: {groups: []}}\n", "examples_floor"),
    ("intents: [greet]\nexamples_floor: 40\n", "a mapping"),
])
def test_a_bad_registry_names_the_file_and_the_entry(tmp_path, text, problem):
    path = tmp_path / "intents.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IntentRegistryError, match=problem) as raised:
        load_intents(path)
    assert "intents.yml" in str(raised.value)
