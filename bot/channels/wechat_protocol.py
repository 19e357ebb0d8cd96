"""WeChat Official Account protocol pieces, kept free of Rasa so they can be unit-tested.

Everything here is plain Python on top of wechatpy: signature checks, the request XML
parser, the retry de-duplication cache, numbered buttons and digit replies, splitting long
replies and the channel's texts (``data/channels/wechat.yml``). Clocks are injectable. The
access token and customer-service messages are in ``wechat_client`` (on wechatpy's client).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import xmltodict
from wechatpy.utils import WeChatSigner

from bot.channels.wechat_state import MemoryStore, SharedStore
from bot.datafiles import data_path, parse_yaml

DEFAULT_API_BASE = "https://api.weixin.qq.com"
#: WeChat's limit for one text message (passive reply or customer-service message).
TEXT_LIMIT = 2000
MAX_BODY_BYTES = 64 * 1024
DEFAULT_TIMESTAMP_TOLERANCE = 300.0
#: WeChat waits 5 s for a passive reply, then retries; answer a little before that.
DEFAULT_REPLY_DEADLINE = 4.5

DEFAULT_TEXTS_PATH = data_path("channels", "wechat.yml")

logger = logging.getLogger(__name__)


class MalformedMessage(ValueError):
    """The request body is not a WeChat XML message we can read."""


class WeChatAPIError(RuntimeError):
    """A WeChat API call failed (``errcode`` -1 for transport errors)."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


# --- signatures and timestamps -------------------------------------------------------


def compute_signature(*parts: str) -> str:
    """SHA-1 over the sorted, concatenated parts: wechatpy's ``WeChatSigner``.

    ``(token, timestamp, nonce)`` gives the URL ``signature``; adding the ``Encrypt``
    element gives the safe-mode ``msg_signature``.
    """
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_valid(token: str, signature: str | None, timestamp: str, nonce: str,
                    *extra: str) -> bool:
    """Whether ``signature`` signs ``token``, ``timestamp``, ``nonce`` (and ``extra``).

    Computes the same digest as ``wechatpy.utils.check_signature`` (and, with the
    ``Encrypt`` text as ``extra``, as ``WeChatCrypto``), but compares in constant time
    with :func:`hmac.compare_digest` instead of ``!=``.
    """
    if not token or not signature:
        return False
    expected = compute_signature(token, timestamp or "", nonce or "", *extra)
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode())


def timestamp_fresh(timestamp: str | None, now: float,
                    tolerance: float = DEFAULT_TIMESTAMP_TOLERANCE) -> bool:
    """Whether a request's Unix ``timestamp`` is within ``tolerance`` seconds of ``now``."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit():
        return False
    return abs(now - int(timestamp)) <= tolerance


# --- senders ---------------------------------------------------------------------------

#: A WeChat conversation's id is ``wx-<openid>``: no sender can name a widget (``web-``),
#: REST (``rest-``) or console conversation.
CONVERSATION_PREFIX = "wx-"
#: WeChat's OpenIDs are 28 characters of letters, digits, ``_`` and ``-``; some room is left.
OPENID_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def is_openid(value: str) -> bool:
    """Whether ``value`` has the characters and length of an OpenID."""
    return value.isascii() and OPENID_PATTERN.fullmatch(value) is not None


def conversation_id(openid: str) -> str:
    """The conversation of a WeChat user."""
    return CONVERSATION_PREFIX + openid


def openid_of(conversation: str) -> str | None:
    """The user of a WeChat conversation id (None for another channel's conversation)."""
    if not conversation.startswith(CONVERSATION_PREFIX):
        return None
    openid = conversation[len(CONVERSATION_PREFIX):]
    return openid if is_openid(openid) else None


# --- XML -------------------------------------------------------------------------------


def parse_xml(data: bytes | str) -> dict[str, Any]:
    """The children of the ``<xml>`` root as a dict; raises :class:`MalformedMessage`.

    DTDs are refused outright (no entity expansion of any kind).
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedMessage("body is not UTF-8") from exc
    if "<!DOCTYPE" in data.upper() or "<!ENTITY" in data.upper():
        raise MalformedMessage("DTDs are not accepted")
    try:
        parsed = xmltodict.parse(data, disable_entities=True)
    except Exception as exc:  # expat errors, empty input
        raise MalformedMessage(f"not XML: {exc}") from exc
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise MalformedMessage("no <xml> root element")
    return dict(root)


# Fields read as text (wechatpy lowercases MsgType and Event): an element or a repeated
# element here makes the message malformed, not a crash inside the parser.
TEXT_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "EventKey",
               "Content", "MsgId", "MsgID", "Recognition", "Encrypt")


def check_text_fields(fields: Mapping[str, Any]) -> None:
    """Raise :class:`MalformedMessage` when a field of :data:`TEXT_FIELDS` is not text."""
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise MalformedMessage(f"<{name}> must be text")


def cdata_safe(text: str) -> str:
    """``text`` for a ``<![CDATA[...]]>`` section: each ``]]>`` closes the section after
    ``]]`` and opens a new one for the ``>``, so the text reads back unchanged."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def field(fields: Mapping[str, Any], name: str) -> str:
    """A text field of a parsed message ('' when missing or not text)."""
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def dedup_key(fields: Mapping[str, Any]) -> str | None:
    """Identity of a pushed message for retry de-duplication.

    Messages carry ``MsgId``; events do not, so they are identified by sender, creation
    time and event name (WeChat's own recommendation).
    """
    msg_id = field(fields, "MsgId") or field(fields, "MsgID")
    if msg_id:
        return f"msg:{msg_id}"
    sender, created = field(fields, "FromUserName"), field(fields, "CreateTime")
    if sender and created:
        return f"event:{sender}:{created}:{field(fields, 'Event').lower()}"
    return None


class DedupCache:
    """Remembers message keys for ``ttl`` seconds so WeChat's retries are handled once.

    WeChat retries a push up to three times when it gets no answer within 5 s, and with
    several replicas a retry can land on another one: give them one shared ``store``
    (``wechat_state.RedisStore``). Without one, the keys stay in this process.
    """

    def __init__(self, maxsize: int = 10_000, ttl: float = 300.0,
                 clock: Callable[[], float] = time.monotonic,
                 store: SharedStore | None = None):
        self.ttl = ttl
        self._store = store if store is not None else MemoryStore(maxsize, clock)

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is seen (and records it); False for repeats. Fails
        open: when the shared store is down, the message is handled (maybe twice)."""
        try:
            return self._store.add("dedup:" + key, "1", self.ttl)
        except Exception as error:  # noqa: BLE001 - e.g. Redis down: answer, never drop
            logger.warning("wechat: dedupe store unavailable (%s): handled anyway",
                           type(error).__name__)
            return True

    def forget(self, key: str) -> None:
        """Forget ``key`` (a turn that failed), so WeChat's retry of it is handled."""
        try:
            self._store.delete("dedup:" + key)
        except Exception as error:  # noqa: BLE001 - the retry is then answered "success"
            logger.warning("wechat: could not forget a failed message (%s)",
                           type(error).__name__)

    def __len__(self) -> int:
        # Only the in-memory store has a length (len() of a RedisStore raises TypeError).
        return len(cast(Sized, self._store))


# --- texts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelTexts:
    """The channel's own Chinese texts, from ``data/channels/wechat.yml``."""

    subscribe_text: str
    unsupported: Mapping[str, str]
    invalid: str
    button_line: str
    button_hint: str
    part_label: str
    case_file_link: str

    def unsupported_reply(self, msg_type: str) -> str:
        return self.unsupported.get(msg_type.lower()) or self.unsupported["default"]


def load_texts(path: Path = DEFAULT_TEXTS_PATH) -> ChannelTexts:
    """Read and check the WeChat channel's texts."""
    data = parse_yaml(Path(path).read_text(encoding="utf-8"))
    try:
        unsupported = {str(k).lower(): str(v).strip() for k, v in data["unsupported"].items()}
        texts = ChannelTexts(
            subscribe_text=str(data["subscribe_text"]).strip(),
            unsupported=unsupported,
            invalid=str(data["invalid"]).strip(),
            button_line=str(data["buttons"]["line"]),
            button_hint=str(data["buttons"].get("hint") or "").strip(),
            part_label=str(data["part_label"]),
            case_file_link=str(data["case_file_link"]).strip(),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: missing or malformed entry: {exc}") from exc
    if "default" not in unsupported:
        raise ValueError(f"{path}: unsupported.default is required")
    # fail now, not when the first user hits the format string
    texts.button_line.format(index=1, title="")
    texts.part_label.format(index=1, total=2)
    texts.case_file_link.format(url="", hours=24)
    return texts


# --- buttons ---------------------------------------------------------------------------

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CHOICE = re.compile(
    r"^\s{0,5}第?\s{0,3}([0-9]{1,3})\s{0,3}(?:个|项|号)?\s{0,3}[.。、．,，)）]?\s{0,5}$")


def parse_choice(text: str | None) -> int | None:
    """The number in a reply such as ``"2"``, ``" ２ "``, ``"2."`` or ``"第2个"``."""
    if not text:
        return None
    match = _CHOICE.match(text.translate(_FULLWIDTH_DIGITS))
    return int(match.group(1)) if match else None


def button_payload(button: Mapping[str, Any]) -> str:
    """What choosing a button sends to the bot: its payload, else its title."""
    return str(button.get("payload") or button.get("title") or "").strip()


class ButtonMemory:
    """Per user, the payloads of the buttons last shown, so "1" / "２" can choose one.

    Kept in ``store`` (shared by the replicas when it is Redis) for ``ttl`` seconds.
    """

    def __init__(self, maxsize: int = 10_000, ttl: float = 24 * 3600.0,
                 clock: Callable[[], float] = time.monotonic,
                 store: SharedStore | None = None):
        self.ttl = ttl
        self._store = store if store is not None else MemoryStore(maxsize, clock)

    def update(self, user: str, payloads: Sequence[str]) -> None:
        """Remember the buttons of the bot's latest turn (none: forget)."""
        if payloads:
            self._store.put("buttons:" + user, json.dumps(list(payloads), ensure_ascii=False),
                            self.ttl)
        else:
            self._store.delete("buttons:" + user)

    def resolve(self, user: str, text: str | None) -> str | None:
        """The payload ``text`` chooses, or None when it is not a valid choice."""
        choice = parse_choice(text)
        if choice is None:
            return None
        stored = self._store.get("buttons:" + user)
        payloads = json.loads(stored) if stored else []
        if not isinstance(payloads, list) or not 1 <= choice <= len(payloads):
            return None
        return str(payloads[choice - 1])


def compose_reply(messages: Iterable[Mapping[str, Any]],
                  texts: ChannelTexts) -> tuple[str, list[str]]:
    """All bot messages of one turn as one text, and the payloads of its numbered buttons.

    Buttons (and quick replies) become lines ``"1. title"`` numbered across the turn,
    followed once by the hint; images and attachments are sent as their URLs.
    """
    blocks: list[str] = []
    payloads: list[str] = []
    hint_after: int | None = None
    for message in messages:
        lines: list[str] = []
        text = message.get("text")
        custom = message.get("custom")
        if not text and isinstance(custom, Mapping) and isinstance(custom.get("text"), str):
            text = custom["text"]
        if isinstance(text, str) and text.strip():
            lines.append(text.strip())
        buttons = message.get("buttons") or message.get("quick_replies") or []
        for button in buttons:
            if not isinstance(button, Mapping):
                continue
            payloads.append(button_payload(button))
            title = str(button.get("title") or button.get("payload") or "").strip()
            lines.append(texts.button_line.format(index=len(payloads), title=title))
        for key in ("image", "attachment"):
            value = message.get(key)
            if isinstance(value, str) and value.strip():
                lines.append(value.strip())
        if lines:
            blocks.append("\n".join(lines))
            if buttons:
                hint_after = len(blocks) - 1
    if hint_after is not None and texts.button_hint:
        blocks[hint_after] += "\n" + texts.button_hint
    return "\n\n".join(blocks), payloads


# --- splitting -------------------------------------------------------------------------

# a sentence: up to and including its end punctuation (plus closing quotes), or a line
_SENTENCE = re.compile(r".*?(?:[。！？!?；;…]+[”’」』）)\]\"']*|\n+|$)", re.S)
_SOFT_BREAK = re.compile(r"[，,、：:\s]")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s]


def _hard_split(sentence: str, budget: int) -> list[str]:
    """Cut an over-long sentence, preferring commas and spaces near the end of a piece."""
    pieces = []
    while len(sentence) > budget:
        window = sentence[:budget]
        cut = max((m.end() for m in _SOFT_BREAK.finditer(window)), default=0)
        if cut < budget // 2:
            cut = budget
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    if sentence:
        pieces.append(sentence)
    return pieces


def _pack(text: str, budget: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for sentence in _sentences(text):
        for piece in _hard_split(sentence, budget):
            if len(current) + len(piece) <= budget:
                current += piece
            else:
                if current.strip():
                    parts.append(current)
                current = piece
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def split_text(text: str, limit: int = TEXT_LIMIT, label: str = "") -> list[str]:
    """Split ``text`` at sentence boundaries into parts of at most ``limit`` characters.

    When more than one part is needed each is prefixed with ``label`` formatted with
    ``index`` and ``total`` (e.g. "（1/3）"), and the label counts towards the limit.
    """
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    total = 2
    while True:
        room = len(label.format(index=total, total=total)) if label else 0
        budget = limit - room
        if budget < 1:
            raise ValueError("limit too small for the part label")
        parts = _pack(text, budget)
        if len(str(len(parts))) <= len(str(total)):
            break
        total = len(parts)
    if len(parts) == 1:
        return parts
    n = len(parts)
    return [(label.format(index=i, total=n) if label else "") + p
            for i, p in enumerate(parts, start=1)]
