"""Uploaded images: told by content, refused when hostile, stored without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.uploads.images import ImageLimits, UploadRefused, clean_image, sniff
from bot.uploads.service import safe_name
from bot.uploads.store import LocalUploadStore, S3UploadStore, conversation_key, new_upload_id
from tests.fixtures import hostile
from tests.fixtures.screenshots import order_page

LIMITS = ImageLimits()


def _refused(data: bytes, limits: ImageLimits = LIMITS) -> str:
    with pytest.raises(UploadRefused) as caught:
        clean_image(data, limits)
    return caught.value.code


def test_the_type_is_told_by_the_first_bytes():
    png = io.BytesIO()
    Image.new("RGB", (40, 40)).save(png, format="PNG")
    webp = io.BytesIO()
    Image.new("RGB", (40, 40)).save(webp, format="WEBP")
    assert sniff(png.getvalue()) == "png" and sniff(webp.getvalue()) == "webp"
    assert sniff(hostile.jpeg_with_gps()) == "jpeg"
    assert sniff(hostile.renamed_executable()) is None and sniff(hostile.svg_with_script()) is None


@pytest.mark.parametrize(("make", "code"), [
    (hostile.renamed_executable, "not_an_image"),
    (hostile.elf_executable, "not_an_image"),
    (hostile.svg_with_script, "not_an_image"),
    (hostile.zip_file, "not_an_image"),
    (lambda: hostile.png_header_only(60000, 60000), "too_many_pixels"),  # a zip bomb
    (lambda: hostile.png_header_only(10000, 10000), "too_many_pixels"),  # 100 megapixels
    (lambda: hostile.png_header_only(8, 4000), "too_small"),
    (hostile.truncated_png, "unreadable"),
    (lambda: b"", "empty"),
])
def test_hostile_and_broken_files_are_refused(make, code):
    assert _refused(make()) == code


def test_a_file_over_the_size_cap_is_refused_before_it_is_decoded():
    assert _refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048, ImageLimits(max_bytes=1024)) \
        == "too_large"


def test_exif_and_gps_are_gone_after_re_encoding():
    original = hostile.jpeg_with_gps()
    assert b"SecretPhone" in original and b"my home" in original
    clean = clean_image(original, LIMITS)
    assert clean.extension == "jpg" and b"SecretPhone" not in clean.data
    assert b"my home" not in clean.data and b"Exif" not in clean.data
    assert not Image.open(io.BytesIO(clean.data)).getexif()


def test_a_screenshot_keeps_its_pixels():
    shot = order_page("4012345678901234567", "268.00", __import__("datetime").datetime(
        2026, 11, 18, 10, 22))
    clean = clean_image(shot.png, LIMITS)
    assert clean.extension == "png" and (clean.width, clean.height) == (750, 1100)


def test_file_names_lose_paths_and_markup():
    assert safe_name("../../etc/订单截图.PNG", 1, "png") == "订单截图.png"
    assert safe_name('C:\\Users\\me\\<script>x".jpg', 2, "jpg") == "scriptx.jpg"
    assert safe_name("", 3, "png") == "image-3.png"


def test_the_local_store_keeps_files_per_conversation(tmp_path):
    store = LocalUploadStore(tmp_path)
    upload_id = new_upload_id()
    store.put("web-aaa", upload_id, "png", b"x")
    assert store.get("web-aaa", upload_id) == (b"x", "png")
    assert store.get("web-bbb", upload_id) is None
    assert store.get("web-aaa", "../../etc/passwd") is None
    assert store.count("web-aaa") == 1
    assert "web-aaa" not in str(list(tmp_path.rglob("*")))
    assert store.delete_conversation("web-aaa") == 1 and store.get("web-aaa", upload_id) is None
    assert store.count("web-aaa") == 0


class FakeS3:
    """An in-memory stand-in for a boto3 S3 client (the calls the store makes)."""

    class exceptions:  # noqa: N801 - boto3's spelling
        class NoSuchKey(Exception):
            pass

    def __init__(self):
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, Bucket, Key, Body):  # noqa: N803
        self.objects[(Bucket, Key)] = Body

    def get_object(self, Bucket, Key):  # noqa: N803
        if (Bucket, Key) not in self.objects:
            raise self.exceptions.NoSuchKey()
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def list_objects_v2(self, Bucket, Prefix):  # noqa: N803
        return {"Contents": [{"Key": k} for b, k in self.objects if b == Bucket
                             and k.startswith(Prefix)]}

    def delete_objects(self, Bucket, Delete):  # noqa: N803
        for item in Delete["Objects"]:
            self.objects.pop((Bucket, item["Key"]), None)


def test_the_bucket_store_keys_objects_by_case():
    client = FakeS3()
    store = S3UploadStore(client, "evidence", "uploads/")
    upload_id = new_upload_id()
    store.put("wx-openid", upload_id, "jpg", b"jpeg")
    key = f"uploads/{conversation_key('wx-openid')}/{upload_id}.jpg"
    assert ("evidence", key) in client.objects
    assert store.get("wx-openid", upload_id) == (b"jpeg", "jpg")
    assert store.get("wx-other", upload_id) is None
    assert store.delete_conversation("wx-openid") == 1 and not client.objects


def test_logs_carry_no_upload_id_or_media_id():
    from bot.log_filters import scrub_secrets

    line = ('"GET /webhooks/web/uploads/0123456789abcdef01234567 HTTP/1.1" 200; '
            "GET /cgi-bin/media/get?access_token=T&media_id=MEDIA")
    scrubbed = scrub_secrets(line)
    assert "0123456789abcdef01234567" not in scrubbed and "MEDIA" not in scrubbed
    assert "/uploads/***" in scrubbed


def test_an_image_the_reader_fails_on_is_kept_with_nothing_read(tmp_path):
    import asyncio
    import datetime as dt

    from bot.settings import load_settings
    from bot.uploads.ocr import OcrPool
    from bot.uploads.reading import load_reading_rules
    from bot.uploads.service import Uploads

    def broken_engine():
        def read(_array):
            raise RuntimeError("onnxruntime failed")
        return read

    uploads = Uploads(LocalUploadStore(tmp_path), OcrPool(1, 5, engine_factory=broken_engine),
                      load_reading_rules(load_settings().data_dir), LIMITS, 20)
    shot = order_page("4012345678901234567", "268.00", dt.datetime(2026, 11, 18, 10, 22))
    accepted = asyncio.run(uploads.accept("web-x", shot.png, "a.png", 0, dt.date(2026, 11, 25)))
    assert (accepted.kind, accepted.text) == ("goods", "")
    assert uploads.store.count("web-x") == 1
