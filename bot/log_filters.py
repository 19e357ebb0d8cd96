"""The filters every log handler of a process gets: personal numbers masked
(:class:`bot.store.privacy.PiiMaskingFilter`) and secrets or ids in URLs scrubbed
(:class:`SecretScrubbingFilter`: ``token=``, ``access_token=``, ``sender=``, ``openid=``,
``signature=``, ``msg_signature=``, WeChat's ``media_id=``, and the id of an uploaded image
in ``/uploads/<id>``).

:func:`install_log_filters` adds both to the handlers of the root logger and of every logger
with handlers of its own (Sanic's ``sanic.error`` and ``sanic.access`` have theirs, which a
filter on the root's handlers never sees). Idempotent; cheap enough to call every turn, so
handlers configured later are covered too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from bot.store.privacy import PiiMaskingFilter, rewrite_traces

SCRUBBED = "***"
SECRET_PARAMETERS = ("token", "access_token", "sender", "openid", "signature",
                     "msg_signature", "media_id")
_SECRET_PARAMETER = re.compile(
    rf"(?<![A-Za-z0-9_])({'|'.join(SECRET_PARAMETERS)})=[^&\s'\"<>;,)\]}}]+", re.IGNORECASE)


_UPLOAD_PATH = re.compile(r"(/uploads/)[0-9a-f]{24}")


def scrub_secrets(text: str) -> str:
    """``text`` with the value of every secret URL parameter, and every uploaded image's
    id in a path, replaced by ``***``."""
    return _UPLOAD_PATH.sub(rf"\1{SCRUBBED}", _SECRET_PARAMETER.sub(rf"\1={SCRUBBED}", text))


class SecretScrubbingFilter(logging.Filter):
    """Scrubs secret URL parameters from a record's message and traceback; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = None  # a broken format string is logging's own error to report
        if message is not None and (_SECRET_PARAMETER.search(message)
                                    or _UPLOAD_PATH.search(message)):
            record.msg, record.args = scrub_secrets(message), ()
        rewrite_traces(record, scrub_secrets)
        return True


def _loggers_with_handlers() -> Iterator[logging.Logger]:
    yield logging.getLogger()
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.handlers:
            yield logger


def install_log_filters() -> None:
    """Add both filters to every handler of every logger that has handlers."""
    kinds: tuple[type[logging.Filter], ...] = (SecretScrubbingFilter, PiiMaskingFilter)
    for logger in _loggers_with_handlers():
        for handler in list(logger.handlers):
            present: list[Any] = handler.filters
            for kind in kinds:
                if not any(isinstance(f, kind) for f in present):
                    handler.addFilter(kind())
