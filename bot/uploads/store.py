"""Where uploaded images are kept: a local folder, or an S3-compatible bucket.

Files are keyed by case: ``<conversation key>/<upload id>.<ext>``, where the conversation
key is a digest of the conversation id (no user id in a path or an object name) and the
upload id is 96 random bits. Only a conversation's own key reaches its files, so the
channels serve a file to the conversation that owns it (and to the console) and
:meth:`UploadStore.delete_conversation` removes every file of a conversation (delete-my-data,
``make purge``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

UPLOAD_ID = re.compile(r"[0-9a-f]{24}")
EXTENSIONS = ("png", "jpg")


def new_upload_id() -> str:
    """A fresh upload id (96 random bits, hex)."""
    return secrets.token_hex(12)


def conversation_key(conversation_id: str) -> str:
    """The folder or prefix of a conversation's files."""
    return hashlib.sha256(f"uploads:{conversation_id}".encode()).hexdigest()[:32]


def valid_upload_id(upload_id: str) -> bool:
    return UPLOAD_ID.fullmatch(upload_id) is not None


class UploadStore(Protocol):
    """Keeps a conversation's images."""

    def put(self, conversation_id: str, upload_id: str, extension: str, data: bytes) -> None:
        """Store one image."""

    def get(self, conversation_id: str, upload_id: str) -> tuple[bytes, str] | None:
        """An image of the conversation and its extension (None when it has no such)."""

    def delete_conversation(self, conversation_id: str) -> int:
        """Delete every image of the conversation; how many were deleted."""

    def count(self, conversation_id: str) -> int:
        """How many images the conversation has."""


@dataclass(frozen=True)
class LocalUploadStore:
    """Files under one folder (created when the first file is stored, mode 0700)."""

    root: Path

    def _folder(self, conversation_id: str) -> Path:
        return self.root / conversation_key(conversation_id)

    def put(self, conversation_id: str, upload_id: str, extension: str, data: bytes) -> None:
        if not valid_upload_id(upload_id) or extension not in EXTENSIONS:
            raise ValueError("bad upload id or extension")
        folder = self._folder(conversation_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = folder / f"{upload_id}.{extension}"
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)

    def get(self, conversation_id: str, upload_id: str) -> tuple[bytes, str] | None:
        if not valid_upload_id(upload_id):
            return None
        for extension in EXTENSIONS:
            path = self._folder(conversation_id) / f"{upload_id}.{extension}"
            if path.is_file():
                return path.read_bytes(), extension
        return None

    def count(self, conversation_id: str) -> int:
        folder = self._folder(conversation_id)
        return sum(1 for path in folder.iterdir()
                   if path.suffix.lstrip(".") in EXTENSIONS) if folder.is_dir() else 0

    def delete_conversation(self, conversation_id: str) -> int:
        folder = self._folder(conversation_id)
        if not folder.is_dir():
            return 0
        count = sum(1 for path in folder.iterdir() if path.suffix.lstrip(".") in EXTENSIONS)
        shutil.rmtree(folder)
        return count


@dataclass(frozen=True)
class S3UploadStore:
    """Objects in a bucket: ``client`` is a boto3 S3 client (made by :func:`upload_store`)."""

    client: Any
    bucket: str
    prefix: str = ""

    def _key(self, conversation_id: str, name: str = "") -> str:
        return f"{self.prefix}{conversation_key(conversation_id)}/{name}"

    def put(self, conversation_id: str, upload_id: str, extension: str, data: bytes) -> None:
        if not valid_upload_id(upload_id) or extension not in EXTENSIONS:
            raise ValueError("bad upload id or extension")
        self.client.put_object(Bucket=self.bucket, Body=data,
                               Key=self._key(conversation_id, f"{upload_id}.{extension}"))

    def get(self, conversation_id: str, upload_id: str) -> tuple[bytes, str] | None:
        if not valid_upload_id(upload_id):
            return None
        for extension in EXTENSIONS:
            try:
                found = self.client.get_object(
                    Bucket=self.bucket, Key=self._key(conversation_id, f"{upload_id}.{extension}"))
            except self.client.exceptions.NoSuchKey:
                continue
            return found["Body"].read(), extension
        return None

    def count(self, conversation_id: str) -> int:
        listed = self.client.list_objects_v2(Bucket=self.bucket,
                                             Prefix=self._key(conversation_id))
        return len(listed.get("Contents", []))

    def delete_conversation(self, conversation_id: str) -> int:
        listed = self.client.list_objects_v2(Bucket=self.bucket,
                                             Prefix=self._key(conversation_id))
        keys = [{"Key": item["Key"]} for item in listed.get("Contents", [])]
        if keys:
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
        return len(keys)


def upload_store(settings: Any) -> UploadStore:
    """The store the settings name: ``UPLOAD_S3_URL`` (``s3://bucket/prefix``, endpoint from
    ``UPLOAD_S3_ENDPOINT``, credentials from boto3's usual environment) when set, else the
    folder ``UPLOAD_DIR``."""
    url = getattr(settings, "upload_s3_url", None)
    if not url:
        return LocalUploadStore(Path(settings.upload_dir))
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError("UPLOAD_S3_URL must look like s3://bucket/prefix")
    import boto3

    client = boto3.client("s3", endpoint_url=getattr(settings, "upload_s3_endpoint", None))
    prefix = parsed.path.strip("/")
    return S3UploadStore(client, parsed.netloc, f"{prefix}/" if prefix else "")
