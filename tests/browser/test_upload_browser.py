"""Evidence images in Chromium: the labelled 图片 button (keyboard-usable) picks an image, the
conversation shows its preview, a reload shows it again, a wrong type is refused on the
page; the console shows the image beside the turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.console import AgentConsoleInput
from bot.channels.web import WebChatInput
from bot.uploads.store import LocalUploadStore
from tests.browser.conftest import CONSOLE_TOKEN
from tests.browser.test_widget_browser import BOT, SESSION_KEY, USER, expect, open_chat
from tests.channels.sanic_server import serve
from tests.channels.test_upload_channel import UploadAgent, _png, _uploads
from tests.fixtures import hostile


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser-uploads")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[str]:
    web = WebChatInput(uploads=_uploads(folder), erase_cases=lambda _c: 0)
    console = AgentConsoleInput(token=CONSOLE_TOKEN, store=LocalUploadStore(folder))
    with serve([web, console], UploadAgent()) as url:
        yield url


def _choose(page: Any, name: str, data: bytes, mime: str, keyboard: bool = False) -> None:
    button = page.get_by_role("button", name="添加截图或照片")
    expect()(button).to_be_visible()
    with page.expect_file_chooser() as chooser:
        if keyboard:  # keyboard-usable: Enter on the focused button opens the chooser
            button.focus()
            page.keyboard.press("Enter")
        else:
            button.click()
    chooser.value.set_files({"name": name, "mimeType": mime, "buffer": data})


def test_pick_an_image_see_its_preview_and_the_answer(page: Any, server: str, folder: Path,
                                                      artifacts: Path) -> None:
    open_chat(page, server)
    _choose(page, "订单截图.png", _png(), "image/png", keyboard=True)
    preview = page.locator(f"{USER} img.cg-upload-image").last
    expect()(preview).to_be_visible()
    expect()(page.locator(f"{USER} figcaption").last).to_have_text("订单截图.png")
    expect()(page.locator(BOT).last).to_contain_text("4012345678901234567")
    assert len([p for p in folder.rglob("*.png")]) >= 1
    page.screenshot(path=str(artifacts / "widget-upload.png"), full_page=True)
    page.reload()
    again = page.locator(f"{USER} img.cg-upload-image").last
    expect()(again).to_be_visible()
    # the image arrives after its element shows: wait for it to load (no string evaluation
    # in page waits, the page's CSP forbids it), then check it really decoded
    width = 0
    for _ in range(50):
        width = page.evaluate("document.querySelector('.cg-upload-image').naturalWidth")
        if width:
            break
        page.wait_for_timeout(100)
    assert width > 0


def test_a_file_that_is_not_an_image_is_refused_on_the_page(page: Any, server: str) -> None:
    open_chat(page, server)
    _choose(page, "notes.svg", hostile.svg_with_script(), "image/svg+xml")
    expect()(page.locator("#cg-log [role=alert]").last).to_contain_text("JPG、PNG 或 WebP")


def test_a_renamed_executable_is_refused_by_the_server(page: Any, server: str) -> None:
    open_chat(page, server)
    _choose(page, "screenshot.png", hostile.renamed_executable(), "image/png")
    expect()(page.locator("#cg-log [role=alert]").last).to_contain_text("不是图片")


def test_the_console_shows_the_image_beside_the_turn(page: Any, server: str,
                                                     artifacts: Path) -> None:
    open_chat(page, server)
    _choose(page, "聊天.png", _png(), "image/png")
    expect()(page.locator(BOT).last).to_contain_text("4012345678901234567")
    key = page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{server}/webhooks/console/")
    page.fill("#cc-token", CONSOLE_TOKEN)
    page.click("#cc-token-form button")
    page.fill("#cc-conv-id", f"web-{key.split('.')[0]}")
    page.click("#cc-conv-form button[type=submit]")
    image = page.locator("#cc-conv-events img.cc-upload").first
    expect()(image).to_be_visible()
    expect()(page.locator("#cc-conv-events")).to_contain_text("[图片] 聊天.png")
    page.screenshot(path=str(artifacts / "console-upload.png"), full_page=True)
