"""Evidence uploads on the web widget and the console (the service is ``bot.uploads``).

Widget (under ``/webhooks/web``, the session key in ``X-Chat-Session`` as for every call):

* ``POST /upload`` – the image as the raw body (``Content-Type`` image/jpeg, image/png,
  image/webp or application/octet-stream; its file name URL-encoded in ``X-File-Name``).
  It is checked by content (``bot.uploads.images``), stored under the session's own
  conversation, read offline, and enters the conversation as an ``upload_evidence`` turn;
  the answer is ``{"upload": {"id", "name", "kind"}, "messages": [...]}``. A refused file
  gets ``{"error": code, "detail": what the user is told}`` (400, 413 or 503) and nothing
  is stored.
* ``GET /uploads/<id>`` – one image of the session's own conversation (404 otherwise).

Console: ``GET /webhooks/console/conversation/<id>/uploads/<upload id>`` with its token.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.dates import SHANGHAI
from bot.uploads.images import CONTENT_TYPES, UploadRefused
from bot.uploads.service import Uploads, uploads_from_settings
from bot.uploads.store import UploadStore, valid_upload_id

logger = logging.getLogger(__name__)

BODY_MARGIN = 64 * 1024
REFUSAL_STATUS = {"too_large": 413, "busy": 503}


def image_response(store: UploadStore, conversation_id: str, upload_id: str) -> HTTPResponse:
    """One stored image of the conversation, or a JSON 404."""
    found = store.get(conversation_id, upload_id) if valid_upload_id(upload_id) else None
    if found is None:
        return response.json({"error": "not_found", "detail": "no such upload"}, status=404)
    data, extension = found
    return response.raw(data, content_type=CONTENT_TYPES[extension], headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline", "Content-Security-Policy": "default-src 'none'"})


def raise_body_cap(app: Any, uploads: Uploads) -> None:
    """Let Sanic take a body as large as an upload may be (other routes cap their own)."""
    wanted = uploads.limits.max_bytes + BODY_MARGIN
    if int(getattr(app.config, "REQUEST_MAX_SIZE", 0) or 0) < wanted:
        app.config.REQUEST_MAX_SIZE = wanted


def refusal_answer(uploads: Uploads, code: str) -> HTTPResponse:
    text = uploads.rules.refusal(code, uploads.limits.max_bytes, uploads.max_per_case)
    return response.json({"error": code, "detail": text}, status=REFUSAL_STATUS.get(code, 400),
                         headers={"Cache-Control": "no-store"})


def add_web_upload_routes(web: Blueprint, channel: Any, on_new_message: Callable[
        [UserMessage], Awaitable[Any]], make_collector: Callable[[], Any]) -> None:
    """``POST /upload`` and ``GET /uploads/<id>`` on the widget's blueprint; ``channel`` is
    the :class:`~bot.channels.web.WebChatInput` (its session check, guards and events)."""
    from bot.channels.web import BadRequest, json_error, json_ok, public_message

    @web.listener("before_server_start")
    async def allow_uploads(app: Any, _loop: Any) -> None:
        raise_body_cap(app, channel.uploads)

    @web.route("/upload", methods=["POST"], name="upload")
    async def upload(request: Request) -> HTTPResponse:
        seconds = channel.guards.ip_wait(request.ip)  # RATE_PER_IP, as the webhook
        if seconds:
            return json_error(429, "rate_limited",
                              channel.guards.texts.rate_limited_reply(seconds))
        try:
            session_id = channel._session(request)
        except BadRequest as error:
            return json_error(error.status, error.code, error.detail)
        uploads: Uploads = channel.uploads
        conversation_id = channel.conversation_id(session_id)
        earlier = uploads.store.count(conversation_id)
        name = unquote(request.headers.get("x-file-name") or "")[:200]
        try:
            accepted = await uploads.accept(conversation_id, request.body or b"", name,
                                            earlier, dt.datetime.now(SHANGHAI).date())
        except UploadRefused as refused:
            return channel._renewed(refusal_answer(uploads, refused.code), session_id)
        collector = make_collector()
        message = UserMessage(accepted.payload, collector, conversation_id,
                              input_channel=channel.name())
        try:
            await channel.guards.run(on_new_message, message)
        except Exception:
            logger.exception("web: handling an upload turn failed")
            return json_error(500, "bot_error", "the assistant failed to answer")
        return channel._renewed(json_ok({
            "upload": {"id": accepted.upload_id, "name": accepted.name, "kind": accepted.kind},
            "messages": [public_message(m) for m in collector.messages]}), session_id)

    @web.route("/uploads/<upload_id:str>", methods=["GET"], name="upload_image")
    async def upload_image(request: Request, upload_id: str) -> HTTPResponse:
        try:
            session_id = channel._session(request)
        except BadRequest as error:
            return json_error(error.status, error.code, error.detail)
        answer = image_response(channel.uploads.store, channel.conversation_id(session_id),
                                upload_id)
        return channel._renewed(answer, session_id)


def default_uploads() -> Uploads:
    """The uploads service of this process's settings."""
    from bot.settings import load_settings

    return uploads_from_settings(load_settings())
