"""WeChat Official Account (公众号) input channel for Rasa 3.6.

credentials.yml::

    bot.channels.wechat.WeChatInput:
      token: ${WECHAT_TOKEN}            # server configuration token (required)
      app_id: ${WECHAT_APP_ID}          # needed for safe mode and for late replies
      app_secret: ${WECHAT_APP_SECRET}  # needed for late replies (customer-service API)
      aes_key: ${WECHAT_AES_KEY}        # EncodingAESKey: set = safe (AES) mode
      api_base: ${WECHAT_API_BASE}      # default https://api.weixin.qq.com

Empty values mean unset; without a token the channel answers 503. Optional keys:
``reply_deadline`` (s, default 4.5), ``timestamp_tolerance`` (s, 300),
``max_input_chars`` (MAX_MESSAGE_CHARS, 2000), ``dedup_ttl`` (s, 300).

With ``REDIS_URL`` set, the handled-message keys, the buttons last shown to each user and
the access token live in Redis, shared by every replica (:mod:`bot.channels.wechat_state`);
otherwise in this process.

Routes (under ``/webhooks/wechat``): ``GET /`` health, ``GET /webhook`` URL verification
(echostr), ``POST /webhook`` messages, ``GET /case-file/<token>`` the PDF of a case file
(a WeChat message cannot carry a file: the reply links to it with a token signed for the
user's conversation that expires; only when ``PUBLIC_BASE_URL`` is set). A text message
goes to the bot; when its answer is ready within the deadline it is returned as the
passive XML reply, otherwise the request is answered ``success`` and the answer is
delivered through the customer-service message API. A long answer's first part is the
passive reply and the rest goes through that API, each part retried with backoff (what
still fails is kept in ``undelivered`` and logged).
A turn that raises gets the apology as its passive reply, and its message key is
forgotten so that WeChat's retry is handled. The dedupe store fails open (Redis down: the
message is handled), the replay guard fails closed (refused). Protocol details live in
:mod:`bot.channels.wechat_protocol`.

A user's conversation is ``wx-<openid>``: ``FromUserName`` must look like an OpenID and
equal the URL's ``openid`` (else 400 / 403), and its prefix keeps it apart from every other
channel's conversations (migration ``0002_wechat_namespace`` renamed the older ones).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from requests.adapters import BaseAdapter
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply

from bot.channels.case_files import case_file_links, pdf_response
from bot.channels.guards import TurnGuards, turn_guards
from bot.channels.reminders import ReminderDesk
from bot.channels.web import current_agent
from bot.channels.wechat_client import AccountClient
from bot.channels.wechat_protocol import (
    DEFAULT_API_BASE,
    DEFAULT_REPLY_DEADLINE,
    DEFAULT_TIMESTAMP_TOLERANCE,
    MAX_BODY_BYTES,
    TEXT_LIMIT,
    ButtonMemory,
    ChannelTexts,
    DedupCache,
    MalformedMessage,
    WeChatAPIError,
    cdata_safe,
    check_text_fields,
    compose_reply,
    conversation_id,
    dedup_key,
    field,
    is_openid,
    load_texts,
    openid_of,
    parse_xml,
    signature_valid,
    split_text,
    timestamp_fresh,
)
from bot.channels.wechat_state import RedisStore, ReplayGuard, SharedStore
from bot.channels.wechat_uploads import READING_KEY, upload_image
from bot.drafting.case_file import CASE_FILE_MARK
from bot.settings import load_settings
from bot.uploads.service import Uploads, uploads_from_settings

logger = logging.getLogger(__name__)

SUCCESS = "success"
SEND_ATTEMPTS = 3  # customer-service sends: tries per part
SEND_BACKOFF_SECONDS = 0.5  # then 1 s, 2 s …
UNDELIVERED_KEPT = 1000


class TurnFailed(Exception):
    """Handling a message raised: the user gets the apology, WeChat's retry is handled."""


@dataclass(frozen=True)
class Undelivered:
    """A part of an answer the customer-service API did not take after every retry."""

    conversation_id: str
    text: str
    error: str
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan"})


def shared_store(redis_url: str | None) -> SharedStore | None:
    """The replicas' shared store when ``REDIS_URL`` is set, else None (in process)."""
    return RedisStore.from_url(redis_url) if redis_url else None


class _BodyTooLarge(Exception):
    pass


class WeChatCollector(CollectingOutputChannel):
    """Collects one turn's bot messages (texts are kept whole, not split at blank lines)."""

    @classmethod
    def name(cls) -> str:
        return WeChatInput.name()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


class WeChatPushOutput(CollectingOutputChannel):
    """Sends each bot message at once through the customer-service API.

    Returned by :meth:`WeChatInput.get_output_channel` for messages Rasa sends on its own
    (e.g. ``/conversations/wx-<openid>/trigger_intent`` with ``output_channel=latest``);
    a conversation of another channel gets nothing.
    """

    def __init__(self, channel: WeChatInput) -> None:
        super().__init__()
        self._channel = channel

    @classmethod
    def name(cls) -> str:
        return WeChatInput.name()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))

    async def _persist_message(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        openid = openid_of(str(message.get("recipient_id", "")))
        if openid is None:
            logger.warning("wechat: not a WeChat conversation (wx-<openid>); nothing sent")
            return
        await self._channel.deliver(openid, [message], whole_turn=False)


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat Official Account, plain or safe (AES) mode."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> WeChatInput:
        creds = dict(credentials or {})

        def text(key: str) -> str:
            value = creds.get(key)
            value = "" if value is None else str(value).strip()
            return "" if value.startswith("${") else value

        def number(key: str, default: float) -> float:
            value = text(key)
            return float(value) if value else default

        return cls(
            token=text("token"),
            app_id=text("app_id"),
            app_secret=text("app_secret"),
            aes_key=text("aes_key"),
            api_base=text("api_base") or DEFAULT_API_BASE,
            reply_deadline=number("reply_deadline", DEFAULT_REPLY_DEADLINE),
            timestamp_tolerance=number("timestamp_tolerance", DEFAULT_TIMESTAMP_TOLERANCE),
            max_input_chars=int(number("max_input_chars", load_settings().max_message_chars)),
            dedup_ttl=number("dedup_ttl", 300.0),
            store=shared_store(load_settings().redis_url),
            require_aes=load_settings().wechat_require_aes,
        )

    def __init__(
        self,
        token: str,
        app_id: str = "",
        app_secret: str = "",
        aes_key: str = "",
        api_base: str = DEFAULT_API_BASE,
        *,
        reply_deadline: float = DEFAULT_REPLY_DEADLINE,
        timestamp_tolerance: float = DEFAULT_TIMESTAMP_TOLERANCE,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_input_chars: int | None = None,
        dedup_ttl: float = 300.0,
        dedup_size: int = 10_000,
        texts: ChannelTexts | None = None,
        guards: TurnGuards | None = None,
        transport: BaseAdapter | None = None,
        clock: Callable[[], float] = time.time,
        store: SharedStore | None = None,
        require_aes: bool = False,
        reminders: ReminderDesk | None = None,
    ) -> None:
        self.token = token
        self.reminders = reminders or ReminderDesk()
        self.require_aes = require_aes
        self.app_id = app_id
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.reply_deadline = reply_deadline
        self.timestamp_tolerance = timestamp_tolerance
        self.max_body_bytes = max_body_bytes
        self.max_input_chars = max_input_chars or load_settings().max_message_chars
        self.texts = texts or load_texts()
        self.guards = guards or turn_guards()
        self.case_file_links = case_file_links()
        self._clock = clock
        self.undelivered: deque[Undelivered] = deque(maxlen=UNDELIVERED_KEPT)
        self._dedup = DedupCache(maxsize=dedup_size, ttl=dedup_ttl, store=store)
        self._replays = ReplayGuard(ttl=timestamp_tolerance * 2, store=store)
        self.buttons = ButtonMemory(store=store)
        self._background: set[asyncio.Task] = set()
        self._uploads: Uploads | None = None

        self.crypto: WeChatCrypto | None = None
        if aes_key:
            if not app_id:
                raise ValueError("wechat: aes_key (safe mode) needs app_id")
            try:
                self.crypto = WeChatCrypto(token, aes_key, app_id)
            except Exception as exc:  # wrong length or not base64
                raise ValueError("wechat: aes_key must be the 43-character EncodingAESKey") \
                    from exc

        self.client: AccountClient | None = None
        if app_id and app_secret:
            self.client = AccountClient(app_id, app_secret, self.api_base, store=store,
                                        transport=transport)

        if not token:
            logger.warning("wechat channel: no token configured, the webhook answers 503")
        elif require_aes and self.crypto is None:
            logger.warning("wechat channel: plain mode is refused (WECHAT_REQUIRE_AES or "
                           "APP_ENV=production) and no aes_key is set: every message is "
                           "refused")
        elif self.client is None:
            logger.warning("wechat channel: no app_id/app_secret, replies that miss the "
                           "%.1f s deadline cannot be delivered", reply_deadline)

    @property
    def uploads(self) -> Uploads:
        """The evidence uploads service (made from the settings on first use)."""
        if self._uploads is None:
            self._uploads = uploads_from_settings(load_settings())
        return self._uploads

    # --- Rasa hooks --------------------------------------------------------------------

    def get_output_channel(self) -> OutputChannel | None:
        return WeChatPushOutput(self) if self.client else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.token else "not configured"})

        @bp.route("/case-file/<token:str>", methods=["GET"], name="case_file")
        async def case_file(request: Request, token: str) -> HTTPResponse:
            conversation = self.case_file_links.conversation(token)
            if conversation is None or openid_of(conversation) is None:
                return response.json({"error": "bad_link",
                                      "detail": "the link is not valid or has expired; ask "
                                                "for the case file again"}, status=403)
            store = getattr(current_agent(request), "tracker_store", None)
            tracker = None if store is None else await store.retrieve(conversation)
            return await pdf_response(tracker.events if tracker is not None else [])

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.token:
                return response.text("wechat channel not configured", status=503)
            args = request.args
            timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
            if not timestamp_fresh(timestamp, self._clock(), self.timestamp_tolerance):
                return response.text("stale timestamp", status=403)
            signature = args.get("signature") or ""
            if not signature_valid(self.token, signature, timestamp, nonce):
                return response.text("invalid signature", status=403)
            echostr = args.get("echostr", "")
            # This URL's signature would sign a plain-mode POST too: record it as used.
            if not self._replays.allowed(timestamp, nonce, signature,
                                         b"GET-verify\n" + echostr.encode("utf-8")):
                logger.warning("wechat: a signed URL was used again for verification; "
                               "refused")
                return response.text("replayed request", status=403)
            return response.text(echostr)

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if not self.token:
                return response.text("wechat channel not configured", status=503)
            try:
                body = await self._read_body(request)
            except _BodyTooLarge:
                return response.text("body too large", status=400)
            return await self._handle_post(request, body, on_new_message)

        return bp

    # --- request handling ----------------------------------------------------------------

    async def _read_body(self, request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            raise _BodyTooLarge
        stream = request.stream
        assert stream is not None  # Sanic sets it while the (stream=True) route runs
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await stream.read()
            if chunk is None:
                break
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    async def _handle_post(self, request: Request, body: bytes,
                           on_new_message: Callable[[UserMessage], Awaitable[Any]]
                           ) -> HTTPResponse:
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not timestamp_fresh(timestamp, self._clock(), self.timestamp_tolerance):
            return response.text("stale timestamp", status=403)

        if self.crypto is not None:
            try:
                outer = parse_xml(body)
            except MalformedMessage:
                return response.text("malformed XML", status=400)
            encrypted = field(outer, "Encrypt")
            if not signature_valid(self.token, args.get("msg_signature"), timestamp, nonce,
                                   encrypted):
                return response.text("invalid signature", status=403)
            if not encrypted:
                return response.text("no Encrypt element", status=400)
            try:
                xml = self.crypto.decrypt_message(
                    {"Encrypt": encrypted}, args.get("msg_signature"), timestamp, nonce
                )
            except InvalidSignatureException:
                return response.text("invalid signature", status=403)
            except Exception:  # wrong key or app id, bad padding, not base64
                logger.warning("wechat: could not decrypt a signed message")
                return response.text("cannot decrypt", status=400)
        else:
            if self.require_aes:
                return response.text("plain mode refused: use safe mode (AES)", status=403)
            if not signature_valid(self.token, args.get("signature"), timestamp, nonce):
                return response.text("invalid signature", status=403)
            xml = body
        signature = args.get("msg_signature") or args.get("signature") or ""
        if not self._replays.allowed(timestamp, nonce, signature, body):
            logger.warning("wechat: a signed URL was used again with another body; refused")
            return response.text("replayed request", status=403)

        try:
            fields = parse_xml(xml)
            check_text_fields(fields)
            if not field(fields, "MsgType") or not field(fields, "FromUserName"):
                raise MalformedMessage("MsgType and FromUserName are required")
            message = parse_message(xml if isinstance(xml, str) else xml.decode("utf-8"))
        except (MalformedMessage, AttributeError, KeyError, TypeError, ValueError):
            return response.text("malformed message", status=400)
        sender = str(fields.get("FromUserName"))  # as sent: no stripping
        if not is_openid(sender):
            return response.text("FromUserName is not an OpenID", status=400)
        if not hmac.compare_digest(sender.encode(), (args.get("openid") or "").encode()):
            logger.warning("wechat: FromUserName differs from the URL's openid; refused")
            return response.text("FromUserName does not match openid", status=403)

        key = dedup_key(fields)
        if key is not None and not self._dedup.first_time(key):
            logger.debug("wechat: repeated delivery %s ignored", key)
            return response.text(SUCCESS)

        try:
            reply = await self._dispatch(message, fields, on_new_message)
        except TurnFailed:
            # the apology now, and WeChat's retry of this message is handled, not dropped
            if key is not None:
                self._dedup.forget(key)
            reply = self.guards.texts.no_reply
        if reply is None:
            return response.text(SUCCESS)
        return self._passive_reply(message, reply, nonce)

    async def _dispatch(self, message: Any, fields: Mapping[str, Any],
                        on_new_message: Callable[[UserMessage], Awaitable[Any]]
                        ) -> str | None:
        """The passive reply text for a message, or None to answer ``success``."""
        msg_type = field(fields, "MsgType").lower()
        openid = field(fields, "FromUserName")
        msg_id = field(fields, "MsgId") or None
        if msg_type == "event":
            if str(getattr(message, "event", "")).lower() in SUBSCRIBE_EVENTS:
                return await self._converse(openid, self.texts.subscribe_text, None,
                                            on_new_message)
            return None  # unsubscribe, menu clicks, template-message reports, ...
        if msg_type == "image" and self.client is not None and field(fields, "MediaId"):
            self._spawn(upload_image(self, openid, field(fields, "MediaId"), msg_id,
                                     on_new_message, conversation_id(openid)))
            return self.texts.unsupported_reply(READING_KEY)
        if msg_type == "voice" and field(fields, "Recognition"):
            text = field(fields, "Recognition")  # speech recognition, when enabled
        elif msg_type == "text":
            text = field(fields, "Content")
        else:
            return self.texts.unsupported_reply(msg_type)
        if not text:
            return self.texts.invalid
        refusal = self.guards.too_long_reply(text, self.max_input_chars)
        if refusal is not None:
            return refusal
        text = self.buttons.resolve(openid, text) or text
        return await self._converse(openid, text, msg_id, on_new_message)

    async def _converse(self, openid: str, text: str, msg_id: str | None,
                        on_new_message: Callable[[UserMessage], Awaitable[Any]]
                        ) -> str | None:
        collector = WeChatCollector()
        user_message = UserMessage(text, collector, conversation_id(openid),
                                   input_channel=self.name(), message_id=msg_id)
        task = asyncio.ensure_future(self.guards.run(on_new_message, user_message))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.reply_deadline)
        except asyncio.CancelledError:  # WeChat hung up: still deliver the answer later
            self._spawn(self._deliver_when_done(task, openid, collector))
            raise
        if task not in done:
            if self.client is None:
                logger.warning("wechat: the bot's answer missed the deadline and there are "
                               "no app credentials to send it later; it is dropped")
            self._spawn(self._deliver_when_done(task, openid, collector))
            return None
        if task.exception() is not None:
            logger.error("wechat: handling a message failed", exc_info=task.exception())
            raise TurnFailed from task.exception()
        # reminders held for this user (past the 48-hour window) come first, once
        held = [{"text": text} for text in
                await self.reminders.held_texts(conversation_id(openid))]
        text, payloads = compose_reply(
            held + self._with_case_file_link(openid, collector.messages), self.texts)
        self.buttons.update(openid, payloads)
        parts = split_text(text, TEXT_LIMIT, self.texts.part_label)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        if self.client is None:
            logger.warning("wechat: a %d-part answer without app credentials: only the "
                           "first part can be sent", len(parts))
            return parts[0]
        # the first part as the passive reply (it arrives even when the customer-service
        # API fails or the account lacks it), the rest through that API
        self._spawn(self._send_parts(openid, parts[1:]))
        return parts[0]

    def _passive_reply(self, message: Any, text: str, nonce: str) -> HTTPResponse:
        # every value goes inside CDATA unescaped: a "]]>" in it must not end the section
        xml = TextReply(content=cdata_safe(text), source=cdata_safe(str(message.target)),
                        target=cdata_safe(str(message.source))).render()
        if self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, nonce, str(int(self._clock())))
        return response.text(xml, content_type="application/xml; charset=utf-8")

    # --- asynchronous delivery -----------------------------------------------------------

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver_when_done(self, task: asyncio.Future, openid: str,
                                 collector: WeChatCollector) -> None:
        try:
            await task
        except Exception:
            logger.exception("wechat: handling a message failed")
            return
        if self.client is not None:
            await self.deliver(openid, collector.messages)

    async def deliver(self, openid: str, messages: list[dict[str, Any]],
                      whole_turn: bool = True) -> None:
        """Send bot messages through the customer-service API (buttons numbered).

        ``whole_turn``: the messages are the bot's complete answer, so their buttons (or
        none) replace the remembered ones; otherwise only new buttons are remembered.
        """
        text, payloads = compose_reply(self._with_case_file_link(openid, messages), self.texts)
        if whole_turn or payloads:
            self.buttons.update(openid, payloads)
        await self._send_parts(openid, split_text(text, TEXT_LIMIT, self.texts.part_label))

    def _with_case_file_link(self, openid: str, messages: list[dict[str, Any]]
                             ) -> list[dict[str, Any]]:
        """The messages with a case file's mark replaced by the link to its PDF (signed for
        this conversation, expiring), when ``PUBLIC_BASE_URL`` says where users reach us."""
        settings = load_settings()
        shown: list[dict[str, Any]] = []
        for message in messages:
            custom = message.get("custom")
            if isinstance(custom, dict) and custom.get(CASE_FILE_MARK):
                if settings.public_base_url:
                    token = self.case_file_links.token(conversation_id(openid))
                    url = f"{settings.public_base_url}/webhooks/wechat/case-file/{token}"
                    shown.append({"text": self.texts.case_file_link.format(
                        url=url, hours=self.case_file_links.hours)})
                continue
            shown.append(message)
        return shown

    async def _send_parts(self, openid: str, parts: list[str]) -> None:
        """Send each part through the customer-service API, each retried with backoff; a
        part that still fails is recorded in ``undelivered`` and the next ones are sent."""
        if self.client is None or not openid:
            return
        for number, part in enumerate(parts, start=1):
            for attempt in range(SEND_ATTEMPTS):
                try:
                    await asyncio.to_thread(self.client.send_text, openid, part)
                    break
                except WeChatAPIError as exc:
                    if attempt + 1 < SEND_ATTEMPTS:
                        await asyncio.sleep(SEND_BACKOFF_SECONDS * 2 ** attempt)
                        continue
                    logger.error("wechat: customer-service send failed %d times (part %d "
                                 "of %d): %s", SEND_ATTEMPTS, number, len(parts), exc)
                    self.undelivered.append(Undelivered(conversation_id(openid), part,
                                                        str(exc)))
