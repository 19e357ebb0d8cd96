"""The conversation suites end to end: both servers as `make run` starts them.

Eight suites, each with its own floors: the scenario files beside this module (their
failures were read and fixed, so they are regression sets), and ``issue23/``, ``issue25/``,
``session11/``, ``drafts_case_files/``, ``session13/``, ``session14/`` and ``session15/``,
the sets helpers wrote blind (first-run figures in docs/quality.md and the issue notes;
read since, so regression sets too). Every kind of check that has cases must reach its
floor; no draft or case file of any suite may hold a number the user never gave
(``nothing_invented``, floor 1.0 everywhere).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations.suite import CLOCK, HERE, Result, run_suite
from tests.e2e.test_rest_conversation import REST_TOKEN, TOKEN, running_servers

# Floors per kind of check, a little under the rates measured when they were set
# (docs/quality.md). Raise them as the assistant gets better; never lower them to make a
# change pass.
FLOORS = {
    "case": 0.85, "role": 0.87, "facts": 0.80, "events": 0.88, "safety": 0.70,
    "no_dead_end": 0.97, "question": 0.92, "no_repeat": 0.70, "caveat_once": 0.95,
    "dated_limits": 0.90, "fits_screen": 0.98,
    "draft_kind": 0.85, "draft_tone": 0.95, "draft_facts": 0.92, "draft_no_placeholder": 0.95,
    "cites": 0.80, "no_unsure": 0.97, "fold": 1.0, "nothing_invented": 1.0,
}
ISSUE23 = HERE / "issue23"
ISSUE23_FLOORS = {
    "case": 0.71, "role": 0.74, "facts": 0.79, "events": 0.78, "safety": 0.75,
    "no_dead_end": 0.98, "question": 0.98, "no_repeat": 0.93, "caveat_once": 0.98,
    "dated_limits": 0.80, "fits_screen": 0.98, "draft_kind": 0.55, "draft_tone": 0.6,
    "draft_facts": 0.80, "draft_no_placeholder": 0.97, "cites": 0.68, "answer": 0.74,
    "no_unsure": 0.98, "no_role_question": 0.94, "step_fits": 0.90, "fold": 1.0,
    "nothing_invented": 1.0,
}
ISSUE25 = HERE / "issue25"
ISSUE25_FLOORS = {
    "case": 0.90, "role": 0.90, "facts": 0.82, "events": 0.85, "no_dead_end": 0.98,
    "question": 0.97, "no_repeat": 0.75, "caveat_once": 0.97, "fits_screen": 0.97,
    "draft_kind": 0.85, "draft_facts": 0.87, "draft_no_placeholder": 0.97,
    "draft_not_invented": 0.93, "draft_short": 0.95, "draft_differs": 0.80,
    "confirm_facts": 0.90, "case_file": 0.93,
    "reply_contains": 0.95, "no_unsure": 0.98, "fold": 1.0, "nothing_invented": 1.0,
}
DRAFTS = HERE / "drafts_case_files"
DRAFTS_FLOORS = {
    "case": 0.93, "role": 0.92, "facts": 0.88, "events": 0.75, "safety": 0.45,
    "no_dead_end": 0.97, "question": 0.95, "no_repeat": 0.90, "caveat_once": 0.97,
    "dated_limits": 0.95, "fits_screen": 0.98, "draft_kind": 0.68, "draft_tone": 0.85,
    "draft_facts": 0.87, "draft_no_placeholder": 0.95, "draft_not_invented": 0.82,
    "draft_short": 0.65, "draft_differs": 0.6, "confirm_facts": 0.6, "case_file": 0.93,
    "reply_contains": 0.95, "no_unsure": 0.98, "fold": 1.0, "nothing_invented": 1.0,
}
SESSION11 = HERE / "session11"
SESSION11_FLOORS = {
    "case": 0.92, "role": 0.95, "facts": 0.86, "events": 0.86, "no_dead_end": 0.98,
    "question": 0.97, "no_repeat": 0.80, "caveat_once": 0.97, "dated_limits": 0.95,
    "fits_screen": 0.97, "draft_kind": 0.82, "draft_facts": 0.90, "cites": 0.80,
    "confirm_facts": 0.85, "case_file": 0.95, "reminder": 0.90, "no_unsure": 0.98,
    "fold": 1.0, "nothing_invented": 1.0,
}

SESSION13 = HERE / "session13"
SESSION13_FLOORS = {
    "case": 0.94, "role": 0.84, "facts": 0.78, "events": 0.84, "safety": 0.92,
    "no_dead_end": 0.98, "question": 0.97, "no_repeat": 0.87, "caveat_once": 0.97,
    "dated_limits": 0.95, "fits_screen": 0.98, "draft_kind": 0.69, "draft_tone": 0.85,
    "draft_facts": 0.86, "draft_no_placeholder": 0.95, "cites": 0.70, "no_unsure": 0.98,
    "fold": 1.0, "draft_not_invented": 0.90, "draft_short": 0.95, "draft_differs": 0.80,
    "confirm_facts": 0.76, "case_file": 0.95, "reply_contains": 0.95,
    "nothing_invented": 1.0, "reminder": 0.95,
}
SESSION14 = HERE / "session14"
SESSION14_FLOORS = {
    "case": 0.97, "role": 0.96, "facts": 0.85, "events": 0.83, "safety": 0.80,
    "no_dead_end": 0.98, "question": 0.97, "no_repeat": 0.84, "caveat_once": 0.97,
    "dated_limits": 0.95, "fits_screen": 0.98, "draft_kind": 0.86, "draft_tone": 0.93,
    "draft_facts": 0.86, "draft_no_placeholder": 0.95, "cites": 0.80, "no_unsure": 0.98,
    "fold": 1.0, "draft_not_invented": 0.85, "draft_short": 0.95, "draft_differs": 0.93,
    "confirm_facts": 0.95, "case_file": 0.95, "reply_contains": 0.95,
    "nothing_invented": 1.0, "reminder": 0.95,
}

SESSION15 = HERE / "session15"
SESSION15_FLOORS = {
    "case": 0.95, "role": 0.95, "facts": 0.75, "events": 0.78, "safety": 0.75,
    "no_dead_end": 0.98, "question": 0.97, "no_repeat": 0.76, "caveat_once": 0.97,
    "dated_limits": 0.93, "fits_screen": 0.98, "draft_kind": 0.86, "draft_tone": 0.95,
    "draft_facts": 0.84, "draft_no_placeholder": 0.95, "cites": 0.75, "no_unsure": 0.98,
    "fold": 1.0, "draft_not_invented": 0.80, "draft_short": 0.95, "draft_differs": 0.76,
    "confirm_facts": 0.95, "case_file": 0.95, "reply_contains": 0.95,
    "nothing_invented": 1.0, "reminder": 0.95,
}


@pytest.fixture(scope="module")
def servers(repo_root, latest_model, server_env, tmp_path_factory):
    env = dict(server_env, FIXED_CLOCK=CLOCK.isoformat())
    log = tmp_path_factory.mktemp("suite") / "servers.log"
    with running_servers(repo_root, env, log) as running:
        yield running


def _play(servers: dict, folder: Path, out: Path) -> Result:
    result = run_suite(servers["rasa"], TOKEN, out, folder=folder, rest_token=REST_TOKEN)
    out.with_suffix(".table.txt").write_text(result.table() + "\n", encoding="utf-8")
    print(result.table())
    return result


def _below(result: Result, floors: dict[str, float]) -> dict[str, float]:
    return {kind: rate for kind, floor in floors.items()
            if (rate := result.rate(kind)) is not None and rate < floor}


SUITES = [  # (folder, floors, transcript name, every floored check must have cases)
    pytest.param(HERE, FLOORS, "conversations", False, id="main"),
    pytest.param(ISSUE23, ISSUE23_FLOORS, "issue23", True, id="issue23"),
    pytest.param(ISSUE25, ISSUE25_FLOORS, "issue25", True, id="issue25"),
    pytest.param(SESSION11, SESSION11_FLOORS, "session11", True, id="session11"),
    pytest.param(DRAFTS, DRAFTS_FLOORS, "drafts_case_files", True, id="drafts_case_files"),
    pytest.param(SESSION13, SESSION13_FLOORS, "session13", True, id="session13"),
    pytest.param(SESSION14, SESSION14_FLOORS, "session14", True, id="session14"),
    pytest.param(SESSION15, SESSION15_FLOORS, "session15", True, id="session15"),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("folder", "floors", "name", "all_checked"), SUITES)
def test_conversation_suite(servers, repo_root, folder, floors, name, all_checked):
    result = _play(servers, folder, repo_root / "results" / f"{name}.txt")
    if all_checked:
        assert all(result.rate(kind) is not None for kind in floors), result.table()
    low = _below(result, floors)
    assert not low, f"below the floor: {low}\n{result.table()}\n{dict(result.failed)}"
