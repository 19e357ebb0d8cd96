"""Secrets and ids in URLs are scrubbed from every log handler, Sanic's error log included."""

from __future__ import annotations

import io
import logging

from bot.adapters.startup import install_rasa_process_hooks

SECRETS = ("tok123", "sig456", "o-abc789", "alice", "acc999")


def test_url_secrets_are_scrubbed_from_sanics_error_log() -> None:
    """Issue 24.5: Sanic's error log has its own handler, which the PII filter never reached,
    and it logs the whole URL (``?token=`` of the admin API) with the traceback."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    error_log = logging.getLogger("sanic.error")
    error_log.addHandler(handler)
    try:
        install_rasa_process_hooks()
        try:
            raise ValueError("bad call /wechat/webhook?signature=sig456&openid=o-abc789")
        except ValueError:
            error_log.exception("Exception occurred while handling uri: %s",
                                "'http://h/model/parse?token=tok123&x=1'")
        error_log.error("sender=%s", "alice")
        error_log.warning("GET /cgi-bin/menu?access_token=acc999 failed")
    finally:
        error_log.removeHandler(handler)
    shown = stream.getvalue()
    for secret in SECRETS:
        assert secret not in shown, shown
    assert "token=" in shown and "x=1" in shown  # the name stays, only the value goes


def test_url_secrets_are_scrubbed_from_the_root_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_rasa_process_hooks()
        logging.getLogger("rasa.server").warning("GET /conversations/x?token=%s", "tok123")
    finally:
        root.removeHandler(handler)
    assert "tok123" not in stream.getvalue()
