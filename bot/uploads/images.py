"""An uploaded image, checked by its content and re-encoded without its metadata.

The type is told by the first bytes (JPEG, PNG, WebP), never by the name or the declared
type; the size in pixels is read from the header before any pixel is decoded, so a
decompression bomb (a small PNG of a huge blank image) or a 100-megapixel photo is refused
without the memory it would take. Accepted images are decoded, turned upright (EXIF
orientation) and written again from their pixels only: EXIF, GPS, comments and any other
chunk are gone. Nothing about the file is logged.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

MAGIC = (  # (prefix, offset of a second mark, second mark, format)
    (b"\xff\xd8\xff", 0, b"", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, b"", "png"),
    (b"RIFF", 8, b"WEBP", "webp"),
)
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "png"}  # WebP is stored as PNG
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class UploadRefused(Exception):
    """An upload that is not stored; ``code`` names why (the channels word it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ImageLimits:
    """What an upload may be."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 16


@dataclass(frozen=True)
class CleanImage:
    """An accepted image: re-encoded bytes, their extension, and its size in pixels."""

    data: bytes
    extension: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def sniff(data: bytes) -> str | None:
    """The image format the bytes start with (jpeg, png, webp), or None."""
    for prefix, offset, mark, name in MAGIC:
        if data.startswith(prefix) and (not mark or data[offset:offset + len(mark)] == mark):
            return name
    return None


def clean_image(data: bytes, limits: ImageLimits) -> CleanImage:
    """The image re-encoded without metadata, or :class:`UploadRefused`."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > limits.max_bytes:
        raise UploadRefused("too_large")
    kind = sniff(data)
    if kind is None:
        raise UploadRefused("not_an_image")
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind.upper()])
            width, height = image.size
            if width * height > limits.max_pixels:
                raise UploadRefused("too_many_pixels")
            if min(width, height) < limits.min_side:
                raise UploadRefused("too_small")
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused("too_many_pixels") from None
    except Exception:  # noqa: BLE001 - any decoder failure is a broken or hostile file
        raise UploadRefused("unreadable") from None
    extension = EXTENSIONS[kind]
    rgb = upright.convert("RGB")
    # a new image from the pixels alone: no info dict (EXIF, GPS, comments, ICC, text chunks)
    pixels = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    out = io.BytesIO()
    if extension == "jpg":
        pixels.save(out, format="JPEG", quality=90)
    else:
        pixels.save(out, format="PNG", optimize=False)
    return CleanImage(out.getvalue(), extension, pixels.width, pixels.height)
