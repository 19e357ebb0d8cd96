"""The blind conversation suite end to end: both servers as `make run` starts them."""

from __future__ import annotations

import pytest

from tests.conversations.suite import CLOCK, run_suite
from tests.e2e.test_rest_conversation import REST_TOKEN, TOKEN, running_servers

# Floors per kind of check, a little under the rates measured when they were set
# (README, "Conversations"). Raise them as the assistant gets better; never lower them
# to make a change pass.
FLOORS = {
    "case": 0.85, "role": 0.87, "facts": 0.80, "events": 0.88, "safety": 0.70,
    "no_dead_end": 0.97, "question": 0.92, "no_repeat": 0.70, "caveat_once": 0.95,
    "dated_limits": 0.90, "fits_screen": 0.98,
    "draft_kind": 0.85, "draft_tone": 0.95, "draft_facts": 0.72, "draft_no_placeholder": 0.95,
    "cites": 0.80,
}


@pytest.mark.e2e
def test_blind_conversations(repo_root, latest_model, server_env, tmp_path):
    env = dict(server_env, FIXED_CLOCK=CLOCK.isoformat())
    with running_servers(repo_root, env, tmp_path / "servers.log") as servers:
        result = run_suite(servers["rasa"], TOKEN, repo_root / "results" / "conversations.txt",
                           rest_token=REST_TOKEN)
    print(result.table())
    low = {kind: result.rate(kind) for kind, floor in FLOORS.items()
           if result.rate(kind) is not None and result.rate(kind) < floor}
    assert not low, f"below the floor: {low}\n{result.table()}\n{dict(result.failed)}"
