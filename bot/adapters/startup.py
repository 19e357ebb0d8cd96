"""What the Rasa process changes in Rasa when it starts, in one place.

Called by the tracker store (endpoints.yml always names it) and by the REST channel (which
relies on failed custom actions being noticed); every step is idempotent.
"""

from __future__ import annotations

from functools import lru_cache

from bot.adapters import remote_actions, rule_matching
from bot.log_filters import install_log_filters


@lru_cache(maxsize=1)
def load_jieba_dictionary() -> None:
    """jieba's main dictionary, which it otherwise loads on the first message (half a
    second of the first user's turn)."""
    import jieba

    jieba.initialize()


def install_rasa_process_hooks() -> None:
    """PII masking and secret scrubbing in every log, the action-server call changes, the
    early-stopping rule lookup."""
    # Rasa's logs (e.g. --debug) show user messages, Sanic's error log whole URLs
    install_log_filters()
    remote_actions.install()  # kept-alive calls, answer check built once, failures noticed
    rule_matching.install()  # rule lookup that stops once no rule can drop out
    load_jieba_dictionary()  # at start-up (the tracker store is made then), not turn one
