"""``python -m bot.reminders``: the reminder runner (see :mod:`bot.reminders.runner`)."""

from __future__ import annotations

import logging
import signal
import threading

from bot.reminders.runner import serve
from bot.settings import load_settings


def main() -> int:
    """Run until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    serve(load_settings(), stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
