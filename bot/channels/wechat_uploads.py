"""WeChat image messages as evidence uploads (the service is ``bot.uploads``).

WeChat sends an image message with its ``MediaId``; the image itself is fetched through
wechatpy's media API (``client.media.download``, the account's access token) in a worker
thread, then checked, stored, read and brought into the conversation as on the widget.
Reading takes longer than WeChat's passive-reply deadline, so the channel answers at once
that the image is being read and sends the result through the customer-service API.
Nothing about the image is logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.dates import SHANGHAI
from bot.uploads.images import UploadRefused
from bot.uploads.service import Uploads

logger = logging.getLogger(__name__)

READING_KEY = "image_reading"  # data/channels/wechat.yml, unsupported.image_reading


def download(client: Any, media_id: str, max_bytes: int) -> bytes:
    """The image behind ``media_id`` (at most ``max_bytes`` + 1 bytes are read)."""
    answer = client.media.download(media_id)
    data = b""
    for chunk in answer.iter_content(64 * 1024):
        data += chunk
        if len(data) > max_bytes:
            break
    return data


async def upload_image(channel: Any, openid: str, media_id: str, msg_id: str | None,
                       on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       conversation: str) -> None:
    """Fetch, store and read one image message, then send the bot's answer (or why the
    image was refused) through the customer-service API."""
    uploads: Uploads = channel.uploads
    try:
        data = await asyncio.to_thread(download, channel.client, media_id,
                                       uploads.limits.max_bytes)
    except Exception:  # noqa: BLE001 - the API failed: say so, keep nothing
        logger.warning("wechat: an image could not be fetched from the media API")
        await channel.deliver(openid, [{"text": uploads.rules.refusal(
            "unreadable", uploads.limits.max_bytes, uploads.max_per_case)}], whole_turn=False)
        return
    try:
        accepted = await uploads.accept(conversation, data, f"wechat-{msg_id or media_id[:8]}",
                                        uploads.store.count(conversation),
                                        dt.datetime.now(SHANGHAI).date())
    except UploadRefused as refused:
        await channel.deliver(openid, [{"text": uploads.rules.refusal(
            refused.code, uploads.limits.max_bytes, uploads.max_per_case)}], whole_turn=False)
        return
    from bot.channels.wechat import WeChatCollector

    collector = WeChatCollector()
    message = UserMessage(accepted.payload, collector, conversation,
                          input_channel=channel.name(), message_id=msg_id)
    try:
        await channel.guards.run(on_new_message, message)
    except Exception:
        logger.exception("wechat: handling an upload turn failed")
        return
    await channel.deliver(openid, collector.messages)
