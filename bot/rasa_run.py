"""Start Rasa with the HTTP API token taken from the environment, not the command line.

``python -m bot.rasa_run run --enable-api ...`` is ``rasa run --enable-api ...`` plus
``--auth-token $RASA_AUTH_TOKEN`` added inside the process: the token never appears in the
process list (``/proc/<pid>/cmdline`` keeps the arguments the process was started with).
It refuses to start when an action could outlive the conversation lock, or when several
Sanic workers would each keep their own locks (no REDIS_URL).
"""

from __future__ import annotations

import sys

from bot.settings import load_settings, serving_problems


def rasa_arguments(argv: list[str], token: str | None) -> list[str]:
    """Rasa's arguments with ``--auth-token`` appended when a token is set."""
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        raise SystemExit("rasa_run: pass the token as RASA_AUTH_TOKEN, not --auth-token")
    return [*argv, "--auth-token", token] if token else list(argv)


def main(argv: list[str] | None = None) -> None:
    """Run Rasa's command line with the token from RASA_AUTH_TOKEN (refused when the
    settings would lose turns: see :func:`bot.settings.serving_problems`)."""
    settings = load_settings()
    problems = serving_problems(settings)
    if problems:
        raise SystemExit("rasa_run: " + "; ".join(problems))
    arguments = rasa_arguments(sys.argv[1:] if argv is None else argv, settings.auth_token)
    sys.argv = ["rasa", *arguments]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
