"""The rules every channel applies to a user turn, in one place (REST, widget, WeChat,
console): a middleware around Rasa's ``on_new_message``.

- One length cap (``MAX_MESSAGE_CHARS``, default 2,000 characters): a longer message is not
  processed or stored; it is answered with :meth:`TurnGuards.too_long_reply` instead.
- One sender cap (``MAX_SENDER_CHARS``) for the ids callers choose.
- One metadata cap (:data:`MAX_METADATA_BYTES`): larger metadata is dropped before the turn,
  so it is neither stored in the event nor sent with every action call.
- One request-size cap (``MAX_REQUEST_BYTES``): Sanic refuses a larger body from its
  ``Content-Length`` before buffering it (:meth:`TurnGuards.limit_request_size`).
- :meth:`TurnGuards.run`: when a custom action failed during the turn (action server down, an
  error or a malformed answer; ``bot.adapters.remote_actions``), the reply says the answer
  may be incomplete; a turn that produced no reply at all gets a short apology. The user is
  never left in silence, in any channel.
- One rate limit per sender (``RATE_PER_SENDER`` messages a minute, :mod:`bot.ratelimit`):
  a message over it is answered with how long to wait, not processed. With ``RATE_PER_IP``
  set, the REST channel and the widget also limit each IP address (:meth:`TurnGuards.ip_wait`;
  behind reverse proxies named in ``TRUSTED_PROXIES``, the client's address is read from
  ``X-Forwarded-For``: :meth:`TurnGuards.client_address`).
- One cap on messages per session (``MAX_TURNS_PER_SESSION``; the count starts again after
  ``SESSION_IDLE_MINUTES`` of quiet): a message past it is answered, not processed.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.adapters import remote_actions
from bot.adapters.startup import install_rasa_process_hooks
from bot.guard_texts import GuardTexts, load_channel_texts
from bot.ratelimit import SessionCounts, TokenBuckets, redis_client
from bot.settings import Settings, load_settings

Handler = Callable[[UserMessage], Awaitable[Any]]
MAX_METADATA_BYTES = 4096
logger = logging.getLogger(__name__)


def metadata_within_cap(metadata: Any, max_bytes: int = MAX_METADATA_BYTES) -> bool:
    """True when ``metadata`` serialises to JSON of at most ``max_bytes`` bytes."""
    try:
        return len(json.dumps(metadata, ensure_ascii=False).encode()) <= max_bytes
    except (TypeError, ValueError, RecursionError):
        return False


@dataclass(frozen=True)
class TurnGuards:
    """The rules of a user turn, with their limits and texts, for every channel."""

    texts: GuardTexts
    max_message_chars: int
    max_sender_chars: int
    max_request_bytes: int
    senders: TokenBuckets | None = None  # None: no rate limit (tests of other rules)
    addresses: TokenBuckets | None = None
    sessions: SessionCounts | None = None  # None: no cap on messages per session
    max_turns_per_session: int = 0
    trusted_proxies: tuple[str, ...] = ()

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The client's address: the peer's, unless the peer is a trusted proxy; then the
        right-most X-Forwarded-For address that is not a trusted proxy."""
        if not self.trusted_proxies or not peer or not _within(peer, self.trusted_proxies):
            return peer
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not _within(hop, self.trusted_proxies):
                return hop
        return hops[0] if hops else peer

    def ip_wait(self, address: str | None) -> int:
        """Seconds a request from ``address`` must wait (0: it may go on)."""
        if self.addresses is None or not address:
            return 0
        return self.addresses.wait("ip:" + address)

    def sender_ok(self, sender: Any) -> TypeGuard[str]:
        """A caller-chosen sender id: text of 1 to ``MAX_SENDER_CHARS`` characters."""
        return (isinstance(sender, str) and bool(sender.strip())
                and len(sender) <= self.max_sender_chars)

    def too_long_reply(self, text: str, limit: int | None = None) -> str | None:
        """The reply for a message over the cap (``limit``, default ``MAX_MESSAGE_CHARS``;
        None when the message is within it)."""
        return self.texts.too_long_reply(text, limit or self.max_message_chars)

    def limit_request_size(self, app: Any) -> None:
        """Make Sanic refuse bodies over MAX_REQUEST_BYTES before reading them."""
        app.config.REQUEST_MAX_SIZE = self.max_request_bytes

    async def run(self, on_new_message: Handler, message: UserMessage) -> bool:
        """Run one user turn under the channel rules; False when the message was refused.

        The refusal and the notices go through the message's own output channel, so each
        channel shows them as it shows any reply."""
        install_rasa_process_hooks()  # failed custom actions become visible here
        collector = message.output_channel
        if message.metadata is not None and not metadata_within_cap(message.metadata):
            logger.warning("dropped the metadata of a message: over %s bytes",
                           MAX_METADATA_BYTES)
            message.metadata = None
        refusal = self.too_long_reply(message.text or "")
        if refusal is None and self.senders is not None:
            seconds = self.senders.wait("sender:" + str(message.sender_id))
            if seconds:
                logger.warning("a sender is over the rate limit: message not processed")
                refusal = self.texts.rate_limited_reply(seconds)
        if refusal is None and self.sessions is not None:
            if self.sessions.count(str(message.sender_id)) > self.max_turns_per_session:
                logger.warning("a conversation is past its cap on messages per session: "
                               "message not processed")
                refusal = self.texts.turn_cap_reply(self.max_turns_per_session,
                                                    self.sessions.idle_seconds // 60)
        if refusal is not None:
            await collector.send_text_message(message.sender_id, refusal)
            return False
        with remote_actions.watching_action_failures() as failed:
            try:
                await on_new_message(message)
            finally:
                if isinstance(collector, CollectingOutputChannel):
                    if failed:
                        await collector.send_text_message(message.sender_id,
                                                          self.texts.actions_down)
                    elif not collector.messages:
                        await collector.send_text_message(message.sender_id,
                                                          self.texts.no_reply)
        return True


def turn_guards(settings: Settings | None = None, texts: GuardTexts | None = None
                ) -> TurnGuards:
    """The turn guards from the settings and ``data/channels/guards.yml`` (a channel calls
    this once, when Rasa creates it)."""
    settings = settings or load_settings()
    shared = redis_client(settings.redis_url)
    return TurnGuards(texts=texts or load_channel_texts(),
                      max_message_chars=settings.max_message_chars,
                      max_sender_chars=settings.max_sender_chars,
                      max_request_bytes=settings.max_request_bytes,
                      senders=TokenBuckets(settings.rate_per_sender, redis=shared),
                      addresses=(TokenBuckets(settings.rate_per_ip, redis=shared)
                                 if settings.rate_per_ip else None),
                      sessions=SessionCounts(settings.session_idle_minutes * 60, redis=shared),
                      max_turns_per_session=settings.max_turns_per_session,
                      trusted_proxies=settings.trusted_proxies)


def _within(address: str, networks: tuple[str, ...]) -> bool:
    """True when ``address`` is an IP address inside one of ``networks``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)
