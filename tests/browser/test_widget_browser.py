"""The chat page, the embed snippet and the agent console in a real browser (Chromium via
Playwright), against the stub agent. Screenshots go to test-artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CONSOLE_TOKEN
from tests.channels.test_web_channel import (
    CASE_FILE,
    DRAFT,
    GREETING,
    HTML_REPLY,
    REFUND_REPLY,
    StubAgent,
)

pytestmark = pytest.mark.browser

BOT = "#cg-log .cg-row-bot .cg-bubble"
SESSION_KEY = "complaint-guide:web:session"
USER = "#cg-log .cg-row-user .cg-bubble"


@contextmanager
def shop_page(html: str) -> Iterator[str]:
    """Serve ``html`` on another 127.0.0.1 port: a cross-origin host page for embed.js."""
    body = html.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/shop.html"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def open_chat(page: Any, server: str) -> None:
    page.goto(f"{server}/webhooks/web/")
    expect()(page.locator(BOT).first).to_have_text(GREETING)


def say(page: Any, text: str) -> None:
    page.fill("#cg-input", text)
    page.press("#cg-input", "Enter")


def test_send_a_message_and_see_the_reply(page: Any, server: str, stub_agent: StubAgent,
                                          artifacts: Path) -> None:
    open_chat(page, server)
    # the opening /greet is sent by the page itself and is not shown as a user bubble
    expect()(page.locator(USER)).to_have_count(0)
    expect()(page.locator(".cg-quick")).to_have_text(["卖家不同意退款", "付款了不发货"])

    stub_agent.fixed_delay = 0.8
    try:
        say(page, "你好呀")
        expect()(page.locator(USER).last).to_have_text("你好呀")
        expect()(page.locator("#cg-typing")).to_be_visible()
        expect()(page.locator("#cg-send")).to_be_disabled()
        expect()(page.locator(BOT).last).to_have_text("收到：你好呀")
    finally:
        stub_agent.fixed_delay = 0.0
    expect()(page.locator("#cg-typing")).to_be_hidden()
    expect()(page.locator("#cg-input")).to_have_value("")
    key = page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')")
    assert stub_agent.received[-1].sender_id == f"web-{key.split('.')[0]}"
    assert page.evaluate("localStorage.length") == 0  # nothing outlives the tab
    page.screenshot(path=str(artifacts / "widget-conversation.png"), full_page=True)


def test_quick_reply_sends_the_payload_and_shows_the_title(page: Any, server: str,
                                                           stub_agent: StubAgent) -> None:
    open_chat(page, server)
    page.get_by_role("button", name="卖家不同意退款").click()
    expect()(page.locator(USER).last).to_have_text("卖家不同意退款")
    expect()(page.locator(BOT).last).to_have_text(REFUND_REPLY)
    expect()(page.locator(".cg-quick")).to_have_count(0)
    message = stub_agent.received[-1]
    assert message.text == "/refund_refused"
    assert message.metadata == {"web": {"display": "卖家不同意退款"}}


def test_copy_a_draft_with_the_clipboard(page: Any, server: str, artifacts: Path) -> None:
    open_chat(page, server)
    say(page, "帮我写个草稿")
    draft = page.locator(f"{BOT}.cg-bubble-draft")
    expect()(draft).to_have_text(DRAFT)
    # only the draft gets a copy button, not the short header before it
    expect()(page.locator(".cg-copy")).to_have_count(1)
    page.screenshot(path=str(artifacts / "widget-draft.png"), full_page=True)

    button = page.locator(".cg-copy")
    button.click()
    expect()(button).to_have_text("已复制")
    via = button.get_attribute("data-copied-via")
    assert via in ("clipboard", "fallback")
    if via == "clipboard":
        assert page.evaluate("navigator.clipboard.readText()") == DRAFT


def test_copy_falls_back_to_a_textarea_without_the_clipboard_api(page: Any,
                                                                 server: str) -> None:
    page.add_init_script("""
        Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});
        window.__copied = [];
        const original = Document.prototype.execCommand;
        Document.prototype.execCommand = function (command, ...rest) {
            if (command === 'copy') {
                const el = document.activeElement;
                window.__copied.push(el && 'value' in el ? el.value : String(getSelection()));
                return true;
            }
            return original.call(this, command, ...rest);
        };
    """)
    open_chat(page, server)
    assert page.evaluate("navigator.clipboard") is None
    say(page, "帮我写个草稿")
    button = page.locator(".cg-copy")
    button.click()
    expect()(button).to_have_text("已复制")
    assert button.get_attribute("data-copied-via") == "fallback"
    assert page.evaluate("window.__copied") == [DRAFT]
    # the helper textarea is gone again
    expect()(page.locator("body > textarea")).to_have_count(0)


def test_reload_continues_the_conversation(page: Any, server: str, stub_agent: StubAgent,
                                           artifacts: Path) -> None:
    open_chat(page, server)
    page.get_by_role("button", name="付款了不发货").click()
    expect()(page.locator(USER).last).to_have_text("付款了不发货")
    say(page, "订单299元")
    expect()(page.locator(BOT).last).to_have_text("收到：订单299元")
    before_texts = page.locator("#cg-log .cg-bubble").all_inner_texts()
    received = len(stub_agent.received)

    page.reload()
    expect()(page.locator("#cg-log .cg-bubble")).to_have_count(len(before_texts))
    assert page.locator("#cg-log .cg-bubble").all_inner_texts() == before_texts
    assert page.locator(USER).all_inner_texts() == ["付款了不发货", "订单299元"]
    assert len(stub_agent.received) == received, "a reload must not send anything"
    # the old quick replies do not come back: a user message followed them
    expect()(page.locator(".cg-quick")).to_have_count(0)
    page.screenshot(path=str(artifacts / "widget-after-reload.png"), full_page=True)


def test_new_conversation_starts_over(page: Any, server: str) -> None:
    open_chat(page, server)
    say(page, "第一段对话")
    expect()(page.locator(BOT).last).to_have_text("收到：第一段对话")
    old = page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')")
    page.get_by_role("button", name="新对话").click()
    page.get_by_role("button", name="保留记录，开始新对话").click()
    expect()(page.locator(BOT)).to_have_count(1)
    expect()(page.locator(BOT).first).to_have_text(GREETING)
    expect()(page.locator(USER)).to_have_count(0)
    assert page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')") != old


def test_new_conversation_offers_to_delete_the_old_one(page: Any, server: str,
                                                       stub_agent: StubAgent) -> None:
    open_chat(page, server)
    say(page, "订单号1234567890123456")
    expect()(page.locator(BOT).last).to_have_text("收到：订单号1234567890123456")
    old = page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')").split(".")[0]
    assert f"web-{old}" in stub_agent.tracker_store.store
    page.get_by_role("button", name="新对话").click()
    page.get_by_role("button", name="删除记录并开始新对话").click()
    expect()(page.locator(BOT).first).to_have_text(GREETING)
    expect()(page.locator(USER)).to_have_count(0)
    assert f"web-{old}" not in stub_agent.tracker_store.store


def test_html_in_a_bot_message_shows_as_text(page: Any, server: str, dialogs: list[str],
                                             artifacts: Path) -> None:
    open_chat(page, server)
    say(page, "show html <b>me</b>")
    expect()(page.locator(USER).last).to_have_text("show html <b>me</b>")
    expect()(page.locator(BOT).last).to_have_text(HTML_REPLY)
    assert page.locator(BOT).last.evaluate("el => el.textContent") == HTML_REPLY
    assert page.locator("#cg-log script, #cg-log img, #cg-log b").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    page.screenshot(path=str(artifacts / "widget-html-as-text.png"), full_page=True)


def test_history_with_html_shows_as_text_after_reload(page: Any, server: str,
                                                      dialogs: list[str]) -> None:
    open_chat(page, server)
    say(page, "show html")
    expect()(page.locator(BOT).last).to_have_text(HTML_REPLY)
    page.reload()
    expect()(page.locator(BOT).last).to_have_text(HTML_REPLY)
    assert page.locator("#cg-log script, #cg-log img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_embed_snippet_opens_the_chat_in_an_iframe(page: Any, server: str,
                                                   artifacts: Path) -> None:
    # a shop page on another origin (another port) with the one-line snippet
    html = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'></head><body>"
            "<h1>某某小店</h1><p>店铺首页</p>"
            f"<script src='{server}/webhooks/web/embed.js' defer></script></body></html>")
    page.set_viewport_size({"width": 1000, "height": 760})  # the floating panel, not full screen
    with shop_page(html) as shop:
        page.goto(shop)
        check_embed(page, artifacts)


def check_embed(page: Any, artifacts: Path) -> None:
    launcher = page.locator("#complaint-guide-launcher")
    expect()(launcher).to_be_visible()
    expect()(page.locator("#complaint-guide-panel")).to_have_count(0)  # loaded lazily
    launcher.click()
    frame = page.frame_locator("#complaint-guide-panel iframe")
    expect()(frame.locator(BOT).first).to_have_text(GREETING)
    assert page.locator("#complaint-guide-panel iframe").get_attribute("allow") == \
        "clipboard-write"
    page.screenshot(path=str(artifacts / "embed-open.png"))
    frame.locator("#cg-close").click()
    expect()(page.locator("#complaint-guide-panel")).to_be_hidden()
    expect()(launcher).to_have_attribute("aria-expanded", "false")


def test_console_try_lookup_and_story_download(page: Any, server: str, tmp_path: Path,
                                               artifacts: Path) -> None:
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{server}/webhooks/console/")
    page.fill("#cc-try-text", "卖家不同意退款，我付了299元")
    page.click("#cc-try-form button")
    expect()(page.locator("#cc-try-error")).to_contain_text("令牌")

    page.fill("#cc-token", CONSOLE_TOKEN)
    page.click("#cc-token-form button")
    expect()(page.locator("#cc-token-state")).to_have_text("已设置")
    page.click("#cc-try-form button")
    expect()(page.locator("#cc-ranking tr").first).to_contain_text("refund_refused")
    expect()(page.locator("#cc-ranking tr").first).to_contain_text("91.0%")
    expect()(page.locator("#cc-entities")).to_contain_text("299元")
    expect()(page.locator("#cc-actions")).to_contain_text("action_open_case")
    expect()(page.locator("#cc-replies")).to_contain_text(REFUND_REPLY)
    conversation_id = page.locator("#cc-try-id").inner_text()
    assert conversation_id.startswith("console-")
    page.screenshot(path=str(artifacts / "console-try.png"), full_page=True)

    expect()(page.locator("#cc-conv-id")).to_have_value(conversation_id)
    page.click("#cc-conv-form button[type=submit]")
    expect()(page.locator("#cc-conv-events")).to_contain_text("卖家不同意退款，我付了299元")
    expect()(page.locator("#cc-conv-slots")).to_contain_text("amount")
    with page.expect_download() as download:
        page.click("#cc-story")
    target = tmp_path / "story.yml"
    download.value.save_as(target)
    assert download.value.suggested_filename == f"{conversation_id}.yml"
    story = target.read_text(encoding="utf-8")
    assert "stories:" in story and "intent: refund_refused" in story


def test_console_replays_a_pasted_conversation_line_by_line(page: Any, server: str) -> None:
    page.goto(f"{server}/webhooks/console/")
    page.fill("#cc-token", CONSOLE_TOKEN)
    page.click("#cc-token-form button")
    page.fill("#cc-try-text", "你好\n卖家不同意退款，我付了299元")
    page.click("#cc-try-form button")
    expect()(page.locator("#cc-ranking tr").first).to_contain_text("refund_refused")
    page.click("#cc-conv-form button[type=submit]")
    events = page.locator("#cc-conv-events")
    expect()(events).to_contain_text("你好")
    expect()(events).to_contain_text("卖家不同意退款，我付了299元")


def test_the_case_file_downloads_as_a_pdf(page: Any, server: str, tmp_path: Path,
                                          artifacts: Path) -> None:
    open_chat(page, server)
    say(page, "帮我整理案件材料")
    expect()(page.locator(BOT).last).to_have_text(CASE_FILE)
    button = page.get_by_role("button", name="下载案件材料（PDF）")
    expect()(button).to_be_visible()
    page.screenshot(path=str(artifacts / "widget-case-file.png"), full_page=True)
    button.focus()  # keyboard-usable: Enter on the focused button downloads
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    target = tmp_path / "case.pdf"
    download.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    page.reload()
    expect()(page.get_by_role("button", name="下载案件材料（PDF）")).to_be_visible()


def test_console_downloads_a_conversations_case_file(page: Any, server: str, tmp_path: Path,
                                                     artifacts: Path) -> None:
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{server}/webhooks/console/")
    page.fill("#cc-token", CONSOLE_TOKEN)
    page.click("#cc-token-form button")
    page.fill("#cc-try-text", "帮我整理案件材料")
    page.click("#cc-try-form button")
    expect()(page.locator("#cc-replies")).to_contain_text("案件材料")
    conversation_id = page.locator("#cc-try-id").inner_text()
    expect()(page.locator("#cc-conv-id")).to_have_value(conversation_id)
    with page.expect_download() as download:
        page.click("#cc-case-file")
    target = tmp_path / "case.pdf"
    download.value.save_as(target)
    assert download.value.suggested_filename == f"{conversation_id}.pdf"
    assert target.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(artifacts / "console-case-file.png"), full_page=True)
