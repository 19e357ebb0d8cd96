"""The rules every channel applies to a user turn, in one place (REST, widget, WeChat,
console): a middleware around Rasa's ``on_new_message``.

- One length cap (``MAX_MESSAGE_CHARS``, default 2,000 characters): a longer message is not
  processed or stored; it is answered with :func:`too_long_reply` instead.
- One sender cap (``MAX_SENDER_CHARS``) for the ids callers choose.
- One request-size cap (``MAX_REQUEST_BYTES``): Sanic refuses a larger body from its
  ``Content-Length`` before buffering it (:func:`limit_request_size`).
- :func:`guarded_turn`: when a custom action failed during the turn (action server down, an
  error or a malformed answer; ``bot.adapters.remote_actions``), the reply says the answer
  may be incomplete; a turn that produced no reply at all gets a short apology. The user is
  never left in silence, in any channel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.adapters import remote_actions
from bot.adapters.startup import install_rasa_process_hooks
from bot.channels.texts import actions_down_text, no_reply_text, too_long_reply
from bot.settings import load_settings

Handler = Callable[[UserMessage], Awaitable[Any]]


def sender_ok(sender: Any) -> bool:
    """A caller-chosen sender id: text of 1 to ``MAX_SENDER_CHARS`` characters."""
    return (isinstance(sender, str) and bool(sender.strip())
            and len(sender) <= load_settings().max_sender_chars)


def limit_request_size(app: Any) -> None:
    """Make Sanic refuse bodies over MAX_REQUEST_BYTES before reading them."""
    app.config.REQUEST_MAX_SIZE = load_settings().max_request_bytes


async def guarded_turn(on_new_message: Handler, message: UserMessage) -> bool:
    """Run one user turn under the channel rules; False when the message was refused.

    The refusal and the notices go through the message's own output channel, so each
    channel shows them as it shows any reply."""
    install_rasa_process_hooks()  # failed custom actions become visible here
    collector = message.output_channel
    refusal = too_long_reply(message.text or "")
    if refusal is not None:
        await collector.send_text_message(message.sender_id, refusal)
        return False
    with remote_actions.watching_action_failures() as failed:
        try:
            await on_new_message(message)
        finally:
            if isinstance(collector, CollectingOutputChannel):
                if failed:
                    await collector.send_text_message(message.sender_id, actions_down_text())
                elif not collector.messages:
                    await collector.send_text_message(message.sender_id, no_reply_text())
    return True
