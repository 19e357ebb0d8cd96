"""Play one folder of scenarios against freshly started servers and print the table.

``python -m tests.conversations.play FOLDER OUT`` starts both servers as ``make run`` does
(free ports, throw-away SQLite stores, FIXED_CLOCK at the suite's moment), plays every
``*.yml`` in FOLDER, writes the transcripts to OUT (failures and per-file tables beside it)
and prints the pass rate per kind of check. Used for first runs of blind sets.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.conversations.suite import CLOCK, run_suite, write_reports
from tests.e2e.test_rest_conversation import REST_TOKEN, TOKEN, running_servers
from tests.processes import free_port

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    folder, out = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items()
               if k not in {"DB_URL", "REDIS_URL", "ACTION_ENDPOINT_URL"}}
        env.update(RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()),
                   RASA_AUTH_TOKEN=TOKEN, REST_TOKEN=REST_TOKEN, FIXED_CLOCK=CLOCK.isoformat(),
                   RATE_PER_SENDER="100000",
                   DB_URL=f"sqlite:///{scratch}/tracker.db",
                   CASES_DB_URL=f"sqlite:///{scratch}/cases.db")
        with running_servers(REPO, env, Path(scratch) / "servers.log") as servers:
            by_file: dict = {}
            result = run_suite(servers["rasa"], TOKEN, out, by_file=by_file, folder=folder,
                               rest_token=REST_TOKEN)
    print(result.table())
    write_reports(out, result, by_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
