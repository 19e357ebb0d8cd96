"""Every environment variable the project reads, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with :func:`load_settings`."""

    rasa_port: int
    action_port: int
    auth_token: str | None
    db_url: str
    case_db_url: str | None
    redis_url: str | None
    action_endpoint_url: str | None
    data_dir: Path
    # Every message is taken to arrive at this moment (FIXED_CLOCK, ISO 8601); tests and demos.
    fixed_clock: datetime | None = None
    # One cap for every channel: longer messages are answered, not processed.
    max_message_chars: int = 2000
    max_sender_chars: int = 128
    # Sanic refuses larger request bodies before reading them (raise it to upload models).
    max_request_bytes: int = 1024 * 1024
    # A stored event over this many bytes (JSON) is stored without its metadata.
    max_event_bytes: int = 64 * 1024
    # REST channel token (unset: the REST channel is open; keep it off the public network).
    rest_token: str | None = None
    # Signs the widget's session keys (bot/channels/web_session.py); the same on every replica.
    web_session_secret: str | None = None
    # A widget session expires after this many minutes without a message.
    web_session_idle_minutes: int = 60
    # The agent console's own token (never the Rasa admin token).
    console_token: str | None = None
    # Shared secret between Rasa and the action server (required when APP_ENV=production).
    action_server_token: str | None = None
    production: bool = False
    # Refuse WeChat's plain mode (only safe mode, AES, is accepted); always in production.
    wechat_require_aes: bool = False
    # Rasa waits this long for an action; below the conversation lock's lifetime
    # (TICKET_LOCK_LIFETIME, Rasa's default 60 s), so a slow turn never overlaps the next.
    action_timeout_seconds: int = 20
    lock_lifetime_seconds: int = 60
    # Sanic workers of the Rasa process (SANIC_WORKERS): more than one needs REDIS_URL.
    sanic_workers: int = 1
    # Threads the action server runs turns in (off its event loop).
    action_workers: int = 4
    # Rate limits, messages a minute (token buckets; in Redis when REDIS_URL is set). Per IP
    # only when set: behind a reverse proxy every client has the proxy's address.
    rate_per_sender: int = 30
    rate_per_ip: int | None = None
    # Addresses (IPs or CIDR networks) of reverse proxies whose X-Forwarded-For is believed:
    # behind them, the per-IP limit counts the client's own address.
    trusted_proxies: tuple[str, ...] = ()
    # A conversation's cap on messages per session; the count starts again after
    # SESSION_IDLE_MINUTES without a message (the domain's session_expiration_time).
    max_turns_per_session: int = 300
    session_idle_minutes: int = 120
    # The CJK font the case file PDF embeds (Debian's fonts-noto-cjk; a .ttc is a collection:
    # CASE_FILE_FONT_INDEX picks Simplified Chinese in Noto Sans CJK).
    case_file_font: Path = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    case_file_font_index: int = 2
    # Where users reach this service (https://…, no trailing slash): WeChat's case file link
    # is built on it; unset, WeChat gets the case file as text only.
    public_base_url: str | None = None
    case_file_link_hours: int = 24
    # Evidence uploads (bot/uploads): the folder, or an S3-compatible bucket when its URL is
    # set (s3://bucket/prefix; UPLOAD_S3_ENDPOINT for a non-AWS endpoint); the caps; the OCR
    # pool's threads and how long a reading may take.
    upload_dir: Path = REPO_ROOT / "var" / "uploads"
    upload_s3_url: str | None = None
    upload_s3_endpoint: str | None = None
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_pixels: int = 40_000_000
    upload_max_per_case: int = 20
    ocr_workers: int = 2
    ocr_seconds: int = 30
    # Reminders (bot.reminders): how often the scheduler looks for due ones; the WeChat
    # template for reminders past the 48-hour window; where REST reminders are posted.
    reminder_poll_seconds: int = 30
    wechat_template_id: str | None = None
    rest_callback_url: str | None = None
    # The WeChat account, for the reminder runner (the channel reads them from credentials.yml).
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None
    wechat_api_base: str | None = None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    return Settings(
        rasa_port=int(env.get("RASA_PORT", "5005")),
        action_port=int(env.get("ACTION_PORT", "5055")),
        auth_token=env.get("RASA_AUTH_TOKEN") or None,
        db_url=env.get("DB_URL") or f"sqlite:///{REPO_ROOT / 'var' / 'rasa.db'}",
        case_db_url=env.get("CASES_DB_URL") or None,
        redis_url=env.get("REDIS_URL") or None,
        action_endpoint_url=env.get("ACTION_ENDPOINT_URL") or None,
        data_dir=Path(env.get("COMPLAINT_GUIDE_DATA", str(REPO_ROOT / "data"))),
        fixed_clock=_fixed_clock(env.get("FIXED_CLOCK")),
        max_message_chars=_positive(env, "MAX_MESSAGE_CHARS", 2000),
        max_sender_chars=_positive(env, "MAX_SENDER_CHARS", 128),
        max_request_bytes=_positive(env, "MAX_REQUEST_BYTES", 1024 * 1024),
        max_event_bytes=_positive(env, "MAX_EVENT_BYTES", 64 * 1024),
        rest_token=env.get("REST_TOKEN") or None,
        web_session_secret=env.get("WEB_SESSION_SECRET") or None,
        web_session_idle_minutes=_positive(env, "WEB_SESSION_IDLE_MINUTES", 60),
        console_token=env.get("CONSOLE_TOKEN") or None,
        action_server_token=env.get("ACTION_SERVER_TOKEN") or None,
        production=_production(env),
        action_timeout_seconds=_positive(env, "ACTION_TIMEOUT", 20),
        lock_lifetime_seconds=_positive(env, "TICKET_LOCK_LIFETIME", 60),
        sanic_workers=_positive(env, "SANIC_WORKERS", 1),
        action_workers=_positive(env, "ACTION_WORKERS", 4),
        rate_per_sender=_positive(env, "RATE_PER_SENDER", 30),
        rate_per_ip=_positive(env, "RATE_PER_IP", 1) if env.get("RATE_PER_IP") else None,
        trusted_proxies=_networks(env.get("TRUSTED_PROXIES") or ""),
        max_turns_per_session=_positive(env, "MAX_TURNS_PER_SESSION", 300),
        session_idle_minutes=_positive(env, "SESSION_IDLE_MINUTES", 120),
        case_file_font=Path(env.get("CASE_FILE_FONT")
                            or "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        case_file_font_index=int(env.get("CASE_FILE_FONT_INDEX") or 2),
        public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        case_file_link_hours=_positive(env, "CASE_FILE_LINK_HOURS", 24),
        upload_dir=Path(env.get("UPLOAD_DIR") or REPO_ROOT / "var" / "uploads"),
        upload_s3_url=env.get("UPLOAD_S3_URL") or None,
        upload_s3_endpoint=env.get("UPLOAD_S3_ENDPOINT") or None,
        upload_max_bytes=_positive(env, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        upload_max_pixels=_positive(env, "UPLOAD_MAX_PIXELS", 40_000_000),
        upload_max_per_case=_positive(env, "UPLOAD_MAX_PER_CASE", 20),
        ocr_workers=_positive(env, "OCR_WORKERS", 2),
        ocr_seconds=_positive(env, "OCR_SECONDS", 30),
        reminder_poll_seconds=_positive(env, "REMINDER_POLL_SECONDS", 30),
        wechat_template_id=env.get("WECHAT_TEMPLATE_ID") or None,
        rest_callback_url=env.get("REST_CALLBACK_URL") or None,
        wechat_app_id=env.get("WECHAT_APP_ID") or None,
        wechat_app_secret=env.get("WECHAT_APP_SECRET") or None,
        wechat_api_base=env.get("WECHAT_API_BASE") or None,
        wechat_require_aes=(_production(env)
                            or (env.get("WECHAT_REQUIRE_AES") or "") in ("1", "true", "yes")),
    )


def _production(env: Mapping[str, str]) -> bool:
    """``APP_ENV=production``."""
    return (env.get("APP_ENV") or "").lower() == "production"


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    """A positive whole number from the environment; a clear error when it is not one."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _networks(value: str) -> tuple[str, ...]:
    """TRUSTED_PROXIES: comma-separated IP addresses or networks; a clear error otherwise."""
    import ipaddress

    networks = tuple(part.strip() for part in value.split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES holds {network!r}, which is not an IP address "
                             "or network such as 10.0.0.0/8") from None
    return networks


def _fixed_clock(value: str | None) -> datetime | None:
    """FIXED_CLOCK as an aware time (None when unset); a clear error when malformed."""
    if not value:
        return None
    try:
        clock = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"FIXED_CLOCK must be an ISO 8601 time such as "
                         f"2026-11-20T10:00:00+08:00, got {value!r}") from None
    if clock.tzinfo is None:
        raise ValueError(f"FIXED_CLOCK needs a UTC offset (e.g. +08:00), got {value!r}")
    return clock


def serving_problems(settings: Settings) -> list[str]:
    """Why the Rasa process must not start with these settings (empty: it may)."""
    problems = []
    if settings.action_timeout_seconds >= settings.lock_lifetime_seconds:
        problems.append(f"ACTION_TIMEOUT ({settings.action_timeout_seconds} s) must be below "
                        f"TICKET_LOCK_LIFETIME ({settings.lock_lifetime_seconds} s): a turn "
                        "that outlives the lock overlaps the next one and loses it")
    if settings.sanic_workers > 1 and not settings.redis_url:
        problems.append(f"SANIC_WORKERS={settings.sanic_workers} needs REDIS_URL: each worker "
                        "would hold its own conversation locks over one store")
    return problems
