"""The SQL tracker store, plus erasure: a conversation that ran the erase action is deleted.

``action_delete_my_data`` (after the user confirmed) removes the user's cases in the
action server; the conversation itself lives here, in Rasa's process, so this store drops
every stored event of that conversation instead of saving the turn. The next message
starts a fresh conversation.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.store.privacy import install_pii_filter

ERASE_ACTION = "action_delete_my_data"
logger = logging.getLogger(__name__)


def erased_in_last_turn(tracker: DialogueStateTracker) -> bool:
    """True when the erase action ran after the latest user message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
            return True
    return False


class ErasingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (``url``/``host`` is a full SQLAlchemy URL) that honours erasure."""

    def __init__(self, *args: Any, url: str | None = None, **kwargs: Any) -> None:
        if url and not kwargs.get("host"):
            kwargs["host"] = url
        install_pii_filter()  # Rasa's logs (e.g. --debug) show user messages: mask PII
        super().__init__(*args, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erased_in_last_turn(tracker):
            removed = self.erase(tracker.sender_id)
            logger.info("erased a conversation on request (%s events)", removed)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; returns how many."""
        with self.session_scope() as session:
            removed = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(removed or 0)
