"""What the Rasa process changes in Rasa when it starts, in one place.

Called by the tracker store (endpoints.yml always names it) and by the REST channel (which
relies on failed custom actions being noticed); every step is idempotent.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from bot.adapters import remote_actions, rule_matching
from bot.log_filters import install_log_filters

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def load_jieba_dictionary() -> None:
    """jieba's main dictionary, which it otherwise loads on the first message (half a
    second of the first user's turn)."""
    import jieba

    jieba.initialize()


async def warm_up_agent(agent: Any, text: str) -> None:
    """Parse one made-up message with the loaded model (nothing stored): what its graph
    loads on first use loads at start-up, not in the first user's turn."""
    try:
        if agent is not None and agent.is_ready():
            await agent.parse_message(text)
    except Exception as error:  # noqa: BLE001 - a warm-up that fails costs only time
        logger.warning("warm-up parse failed: %s", error)


def install_rasa_process_hooks() -> None:
    """PII masking and secret scrubbing in every log, the action-server call changes, the
    early-stopping rule lookup."""
    # Rasa's logs (e.g. --debug) show user messages, Sanic's error log whole URLs
    install_log_filters()
    remote_actions.install()  # kept-alive calls, answer check built once, failures noticed
    rule_matching.install()  # rule lookup that stops once no rule can drop out
    load_jieba_dictionary()  # at start-up (the tracker store is made then), not turn one
