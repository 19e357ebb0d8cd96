"""One upload, end to end: checked, stored, read, and turned into the turn Rasa gets.

:class:`Uploads` is made once per channel from the settings (:func:`uploads_from_settings`)
and used by the web widget and WeChat alike: :meth:`Uploads.accept` refuses what is not an
image (or one too many for the case) before anything is stored, stores the re-encoded
image under the case, reads it in the OCR pool and returns the payload message
(``/upload_evidence{...}``, :func:`upload_payload`) whose entities carry what was read,
the kind of image and its name. Nothing about the file is logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from bot.understanding.uploads import (
    ID_ENTITY,
    KIND_ENTITY,
    NAME_ENTITY,
    TEXT_ENTITY,
    UPLOAD_INTENT,
)
from bot.uploads.images import ImageLimits, UploadRefused, clean_image
from bot.uploads.ocr import OcrBusy, OcrPool, OcrTimeout
from bot.uploads.reading import ReadingRules, load_reading_rules, read_screenshot
from bot.uploads.signing import sign
from bot.uploads.store import UploadStore, new_upload_id, upload_store

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 60
NAME_DROP = re.compile(r"[\x00-\x1f\x7f\\/<>:\"|?*{}\[\]`$]")


@dataclass(frozen=True)
class Accepted:
    """A stored upload and the message that brings it into the conversation."""

    upload_id: str
    name: str
    kind: str
    text: str
    payload: str


def safe_name(name: str | None, number: int, extension: str) -> str:
    """The file name the case lists: the sender's base name without path, control or
    markup characters, at most :data:`MAX_NAME_CHARS`, with the stored extension."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    stem = NAME_DROP.sub("", unicodedata.normalize("NFKC", base)).strip(" .")
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = stem[:MAX_NAME_CHARS - 5] or f"image-{number}"
    return f"{stem}.{extension}"


def upload_payload(upload_id: str, name: str, kind: str, text: str) -> str:
    """The user message of an upload turn: Rasa reads ``/intent{entities}`` as is."""
    entities = sign({ID_ENTITY: upload_id, NAME_ENTITY: name, KIND_ENTITY: kind,
                     TEXT_ENTITY: text})
    return f"/{UPLOAD_INTENT}{json.dumps(entities, ensure_ascii=False)}"


def uploads_in(events: Iterable[Any]) -> list[dict[str, str]]:
    """The uploads of a conversation's (Rasa or serialized) events, oldest first:
    ``{"id", "name", "kind"}`` of each upload turn."""
    found: list[dict[str, str]] = []
    for event in events:
        raw = event if isinstance(event, dict) else None
        kind = raw.get("event") if raw else getattr(event, "type_name", None)
        if kind != "user":
            continue
        parse = (raw.get("parse_data") if raw else getattr(event, "parse_data", None)) or {}
        if (parse.get("intent") or {}).get("name") != UPLOAD_INTENT:
            continue
        values = {e.get("entity"): e.get("value") for e in parse.get("entities") or []
                  if isinstance(e, dict)}
        upload_id, name, upload_kind = (values.get(key)
                                        for key in (ID_ENTITY, NAME_ENTITY, KIND_ENTITY))
        if isinstance(upload_id, str) and isinstance(name, str) and isinstance(upload_kind, str):
            found.append({"id": upload_id, "name": name, "kind": upload_kind})
    return found


class Uploads:
    """Checks, stores and reads uploads (see the module docstring)."""

    def __init__(self, store: UploadStore, pool: OcrPool, rules: ReadingRules,
                 limits: ImageLimits, max_per_case: int) -> None:
        self.store, self.pool, self.rules = store, pool, rules
        self.limits, self.max_per_case = limits, max_per_case

    async def accept(self, conversation_id: str, data: bytes, name: str | None,
                     earlier: int, today: dt.date) -> Accepted:
        """Store and read one image of the conversation (``earlier``: its uploads so far);
        :class:`UploadRefused` when it is refused (nothing is stored then)."""
        if earlier >= self.max_per_case:
            raise UploadRefused("too_many_files")
        # decoding and re-encoding a 10 MB image takes a while: never on the event loop
        image = await asyncio.to_thread(clean_image, data, self.limits)
        upload_id = new_upload_id()
        try:
            result = await self.pool.read(image.data)
            reading = read_screenshot(result, self.rules, today.year)
            kind, text = reading.kind, reading.text
        except OcrBusy:
            raise UploadRefused("busy") from None
        except OcrTimeout:
            kind, text = "goods", ""
        except Exception:  # noqa: BLE001 - the image is kept; only its reading failed
            logger.warning("uploads: reading an image failed; it is kept with nothing read")
            kind, text = "goods", ""
        await asyncio.to_thread(self.store.put, conversation_id, upload_id, image.extension,
                                image.data)
        shown = safe_name(name, earlier + 1, image.extension)
        return Accepted(upload_id, shown, kind, text, upload_payload(upload_id, shown, kind, text))


def uploads_from_settings(settings: Any) -> Uploads:
    """The uploads service the settings describe (the store, the pool and the caps)."""
    return Uploads(upload_store(settings),
                   OcrPool(settings.ocr_workers, settings.ocr_seconds),
                   load_reading_rules(settings.data_dir),
                   ImageLimits(max_bytes=settings.upload_max_bytes,
                               max_pixels=settings.upload_max_pixels),
                   settings.upload_max_per_case)
