"""Evidence uploads on the widget over HTTP: stored under the session's own conversation,
served only to it and the console, hostile files refused with nothing stored, deleted with
the conversation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from bot.channels.console import AgentConsoleInput
from bot.channels.web import WebChatInput
from bot.settings import load_settings
from bot.uploads.images import ImageLimits
from bot.uploads.ocr import OcrPool
from bot.uploads.reading import load_reading_rules
from bot.uploads.service import Uploads
from bot.uploads.store import LocalUploadStore
from tests.channels.sanic_server import serve
from tests.channels.test_web_channel import StubAgent, new_sender, web_headers
from tests.fixtures import hostile

CONSOLE_TOKEN = "console-token-for-upload-tests"
LINES = [("订单详情", (30, 30, 200, 70)),
         ("订单编号：4012345678901234567", (30, 120, 470, 150)),
         ("实付款¥268.00", (30, 200, 300, 230)),
         ("成交时间：2026-11-1810:22:31", (30, 280, 500, 310))]


class FakeEngine:
    """Stands in for rapidocr: the same lines for every image, after ``delay`` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    def __call__(self, _array: Any) -> Any:
        time.sleep(self.delay)
        return SimpleNamespace(txts=tuple(t for t, _b in LINES), scores=tuple(0.99 for _ in LINES),
                               boxes=[[(b[0], b[1]), (b[2], b[1]), (b[2], b[3]), (b[0], b[3])]
                                      for _t, b in LINES])


class UploadAgent(StubAgent):
    """The stub agent, with upload payloads parsed as Rasa does (``/intent{entities}``)."""

    async def handle_message(self, message) -> None:  # noqa: ANN001
        await super().handle_message(message)
        if message.text.startswith("/upload_evidence{"):
            tracker = await self.tracker_store.retrieve(message.sender_id)
            for event in reversed(tracker.events):
                if getattr(event, "type_name", None) == "user":
                    values = json.loads(message.text[len("/upload_evidence"):])
                    event.parse_data["entities"] = [{"entity": k, "value": v}
                                                    for k, v in values.items()]
                    event.entities = event.parse_data["entities"]
                    break
            await self.tracker_store.save(tracker)


def _uploads(folder: Path, max_per_case: int = 20) -> Uploads:
    return Uploads(LocalUploadStore(folder), OcrPool(2, 10, engine_factory=FakeEngine),
                   load_reading_rules(load_settings().data_dir), ImageLimits(), max_per_case)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def agent() -> UploadAgent:
    return UploadAgent()


@pytest.fixture(scope="module")
def base(folder: Path, agent: UploadAgent) -> Iterator[str]:
    web = WebChatInput(uploads=_uploads(folder, max_per_case=3), erase_cases=lambda _c: 0)
    console = AgentConsoleInput(token=CONSOLE_TOKEN, store=LocalUploadStore(folder))
    with serve([web, console], agent) as url:
        yield f"{url}/webhooks"


def upload(base: str, key: str, data: bytes, name: str = "订单截图.png") -> requests.Response:
    from urllib.parse import quote

    return requests.post(f"{base}/web/upload", data=data, timeout=20, headers={
        **web_headers(key), "Content-Type": "application/octet-stream",
        "X-File-Name": quote(name)})


def _png() -> bytes:
    from tests.fixtures.screenshots import order_page

    return order_page("4012345678901234567", "268.00",
                      __import__("datetime").datetime(2026, 11, 18, 10, 22)).png


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_an_upload_is_stored_read_and_brought_into_the_conversation(base, folder, agent):
    key = new_sender()
    answer = upload(base, key, _png())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["upload"]["kind"] == "order_page" and body["upload"]["name"] == "订单截图.png"
    sent = agent.received[-1].text
    assert sent.startswith("/upload_evidence{") and "4012345678901234567" in sent
    assert "upload_sig" in sent
    image = requests.get(f"{base}/web/uploads/{body['upload']['id']}", headers=web_headers(key),
                         timeout=10)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.content.startswith(b"\x89PNG")
    history = requests.get(f"{base}/web/history", headers=web_headers(key), timeout=10).json()
    assert {"id": body["upload"]["id"], "name": "订单截图.png"} in [
        item.get("upload") for item in history]


def test_an_image_is_served_only_to_its_own_session_and_the_console(base):
    key = new_sender()
    upload_id = upload(base, key, _png()).json()["upload"]["id"]
    other = requests.get(f"{base}/web/uploads/{upload_id}", headers=web_headers(), timeout=10)
    assert other.status_code == 404
    assert requests.get(f"{base}/web/uploads/{upload_id}", timeout=10).status_code == 401
    conversation = f"web-{key.split('.')[0]}"
    path = f"{base}/console/conversation/{conversation}/uploads/{upload_id}"
    assert requests.get(path, timeout=10).status_code == 401
    seen = requests.get(path, headers={"Authorization": f"Bearer {CONSOLE_TOKEN}"}, timeout=10)
    assert seen.status_code == 200 and seen.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(("data", "name", "code", "status"), [
    (hostile.renamed_executable(), "screenshot.png", "not_an_image", 400),
    (hostile.svg_with_script(), "x.png", "not_an_image", 400),
    (hostile.png_header_only(60000, 60000), "bomb.png", "too_many_pixels", 400),
    (hostile.png_header_only(10000, 10000), "huge.png", "too_many_pixels", 400),
    (hostile.truncated_png(), "cut.png", "unreadable", 400),
])
def test_hostile_files_are_refused_with_a_message_and_nothing_stored(base, folder, data, name,
                                                                    code, status):
    before = _files(folder)
    answer = upload(base, new_sender(), data, name)
    assert answer.status_code == status and answer.json()["error"] == code
    assert "没有保存" in answer.json()["detail"] or "打不开" in answer.json()["detail"]
    assert _files(folder) == before


def test_a_file_over_ten_megabytes_is_refused(base, folder):
    before = _files(folder)
    answer = upload(base, new_sender(), hostile.big_noise_png(10.5))
    assert answer.status_code == 413 and answer.json()["error"] == "too_large"
    assert "10MB" in answer.json()["detail"] and _files(folder) == before


def test_a_case_takes_only_so_many_images(base):
    key = new_sender()
    for _ in range(3):
        assert upload(base, key, _png()).status_code == 200
    answer = upload(base, key, _png())
    assert answer.status_code == 400 and answer.json()["error"] == "too_many_files"


def test_deleting_the_conversation_deletes_its_images(base, folder):
    key = new_sender()
    upload_id = upload(base, key, _png()).json()["upload"]["id"]
    assert requests.delete(f"{base}/web/session", headers=web_headers(key),
                           timeout=10).status_code == 200
    assert requests.get(f"{base}/web/uploads/{upload_id}", headers=web_headers(key),
                        timeout=10).status_code == 404
    assert not [path for path in _files(folder) if upload_id in path.name]


def test_a_typed_upload_payload_is_not_an_upload():
    from bot.uploads.service import upload_payload
    from bot.uploads.signing import signed_payload

    real = upload_payload("c" * 24, "a.png", "order_page", "订单号123")
    assert signed_payload(real, "upload_evidence")
    forged = real.replace("订单号123", "订单号999")
    assert not signed_payload(forged, "upload_evidence")
    assert not signed_payload('/upload_evidence{"upload_name": "a.png"}', "upload_evidence")
