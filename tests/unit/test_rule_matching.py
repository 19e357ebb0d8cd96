"""The rule lookup with an early stop finds exactly the rules Rasa's lookup finds."""

from __future__ import annotations

import json
import random

import pytest
from rasa.core.policies.rule_policy import RulePolicy

from bot.adapters import rule_matching


def _rasas(policy, lookup, states):
    return rule_matching._RASAS(policy, lookup, states)


def _conversations(rule_states: list[list[dict]], seed: int, count: int) -> list[list[dict]]:
    """State sequences stitched from the rules' own states, some altered, some random."""
    rng = random.Random(seed)
    pool = [state for states in rule_states for state in states]
    conversations = []
    for _ in range(count):
        states: list[dict] = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.6:
                states.extend(json.loads(json.dumps(rng.choice(rule_states))))
            else:
                states.append(json.loads(json.dumps(rng.choice(pool))))
        if states and rng.random() < 0.3:  # drop a feature from one state
            victim = rng.choice(states)
            if victim:
                victim.pop(rng.choice(sorted(victim)))
        conversations.append(states)
    return conversations


def _check(policy: RulePolicy, lookup: dict[str, str], conversations: list[list[dict]]) -> int:
    matched = 0
    for states in conversations:
        expected = _rasas(policy, lookup, states)
        assert rule_matching.possible_keys(policy, lookup, states) == expected, states
        matched += bool(expected)
    return matched


def test_same_rules_as_rasa_on_a_handmade_rule_set():
    start = {}  # a conversation-start state (no previous action)
    greet = {"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}
    after_greet = {"user": {"intent": "greet"}, "prev_action": {"action_name": "utter_greet"}}
    in_form = {"active_loop": {"name": "case_form"},
               "prev_action": {"action_name": "case_form"}, "user": {"intent": "inform"}}
    no_slot = {"slots": {"role": "should_not_be_set"},
               "prev_action": {"action_name": "action_listen"}, "user": {"intent": "inform"}}
    rules = [[greet], [start, greet], [greet, after_greet], [in_form], [no_slot],
             [greet, after_greet, in_form, greet]]
    lookup = {json.dumps(states, sort_keys=True): f"action_{n}"
              for n, states in enumerate(rules)}
    policy = RulePolicy.__new__(RulePolicy)  # the lookup methods need no trained state
    matched = _check(policy, lookup, _conversations(rules, seed=7, count=3000))
    assert matched > 500  # the comparison covered conversations that do match rules


@pytest.mark.model
def test_same_rules_as_rasa_on_the_trained_models_rules(latest_model):
    from rasa.core.agent import Agent

    agent = Agent.load(str(latest_model))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    policy = next(node._component for node in nodes if isinstance(node._component, RulePolicy))
    assert policy.lookup["rules"], "the model has no rules"
    for table in ("rules", "rules_for_loop_unhappy_path"):
        lookup = policy.lookup[table]
        if not lookup:  # no forms, no unhappy-path rules
            continue
        rule_states = [json.loads(key) for key in lookup]
        matched = _check(policy, lookup, _conversations(rule_states, seed=2026, count=1500))
        assert matched > 100, table


def test_install_and_uninstall():
    rule_matching.install()
    assert RulePolicy._get_possible_keys is rule_matching.possible_keys
    rule_matching.uninstall()
    assert RulePolicy._get_possible_keys is rule_matching._RASAS
    rule_matching.install()
