"""scripts/run.sh with stand-ins for Python and Rasa: which secrets it generates, what it
prints and what it puts on the command lines it starts (no model, no servers)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "admin-token-Zq81xKw"

# Stands in for .venv/bin/python: `-c` runs the real Python (secret generation); the
# migration succeeds; the action server waits; any other module (the Rasa launcher) records
# its arguments and environment and exits, which makes run.sh stop.
FAKE_PYTHON = f"""#!/usr/bin/env bash
case "$1" in
  -c) exec "{sys.executable}" "$@" ;;
  -m)
    case "$2" in
      bot.migrate) exit 0 ;;
      actions.server) exec sleep 30 ;;
      *) printf '%s\\n' "$@" > "$RECORD/rasa.argv"; env > "$RECORD/rasa.env"; exit 0 ;;
    esac ;;
esac
exit 3
"""
# Stands in for .venv/bin/rasa (the old way to start Rasa): records the same.
FAKE_RASA = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$RECORD/rasa.argv"; env > "$RECORD/rasa.env"; exit 0
"""


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def run_script(tmp_path: Path, env: dict[str, str]) -> tuple[str, Path]:
    """Run a copy of scripts/run.sh in a throw-away tree; returns (stdout, tree)."""
    tree = tmp_path / "repo"
    (tree / "scripts").mkdir(parents=True)
    for name in ("common.sh", "run.sh"):
        shutil.copy(REPO / "scripts" / name, tree / "scripts" / name)
    (tree / ".venv" / "bin").mkdir(parents=True)
    _executable(tree / ".venv" / "bin" / "python", FAKE_PYTHON)
    _executable(tree / ".venv" / "bin" / "rasa", FAKE_RASA)
    (tree / "models").mkdir()
    (tree / "models" / "m.tar.gz").write_bytes(b"")
    record = tmp_path / "record"
    record.mkdir()
    keep = {k: v for k, v in os.environ.items()
            if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    done = subprocess.run(["bash", str(tree / "scripts" / "run.sh")], env={
        **keep, "RECORD": str(record), "RASA_PORT": "5999", "ACTION_PORT": "5998", **env,
    }, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout, tree


@pytest.fixture
def started(tmp_path: Path) -> tuple[str, Path, Path]:
    stdout, tree = run_script(tmp_path, {"RASA_AUTH_TOKEN": ADMIN_TOKEN})
    return stdout, tree, tmp_path / "record"


def test_the_admin_token_is_neither_printed_nor_on_a_command_line(started) -> None:
    """Issue 24.5: the admin token opens PUT /model; it was printed and passed as
    --auth-token, visible in the process list."""
    stdout, _tree, record = started
    assert ADMIN_TOKEN not in stdout
    assert "RASA_AUTH_TOKEN" in stdout  # where it is, not what it is
    argv = (record / "rasa.argv").read_text()
    assert ADMIN_TOKEN not in argv and "--auth-token" not in argv
    assert f"RASA_AUTH_TOKEN={ADMIN_TOKEN}" in (record / "rasa.env").read_text()


def test_the_rest_token_is_generated_like_the_other_secrets(started) -> None:
    """Issue 24.7: REST_TOKEN was left unset, so the REST channel was open by default."""
    stdout, tree, record = started
    env_file = tree / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert len(values.get("REST_TOKEN", "")) >= 32
    assert "REST_TOKEN" in stdout and values["REST_TOKEN"] not in stdout
    assert f"REST_TOKEN={values['REST_TOKEN']}" in (record / "rasa.env").read_text()
    for name, value in values.items():
        assert value not in stdout, f"{name}'s value was printed"


def test_the_launcher_adds_the_token_inside_the_process() -> None:
    from bot.rasa_run import rasa_arguments

    assert rasa_arguments(["run", "--port", "1"], "t") == ["run", "--port", "1",
                                                           "--auth-token", "t"]
    assert rasa_arguments(["run"], None) == ["run"]
    with pytest.raises(SystemExit):
        rasa_arguments(["run", "--auth-token", "t"], "t")


def test_the_widget_session_secret_is_generated_too(started) -> None:
    """Issue 24.6: the widget's session keys are signed with a generated secret."""
    _stdout, tree, record = started
    values = dict(line.split("=", 1) for line in (tree / ".env").read_text().splitlines())
    assert len(values.get("WEB_SESSION_SECRET", "")) >= 32
    assert f"WEB_SESSION_SECRET={values['WEB_SESSION_SECRET']}" in (
        record / "rasa.env").read_text()
