"""Browser tests: Debian's Chromium driven by Python Playwright against the web channel and
the agent console, served by a real Sanic app with the stub agent (no trained model).

Without /usr/bin/chromium or the playwright package the tests are skipped, unless CI is
set: under CI a missing browser is a failure. Install with ``scripts/install-system.sh``
(chromium, CJK fonts) and ``pip install playwright`` into .venv (never ``playwright
install``: the tests use the system Chromium).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.console import AgentConsoleInput
from bot.channels.web import WebChatInput
from tests.channels.sanic_server import serve
from tests.channels.test_web_channel import StubAgent

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CONSOLE_TOKEN = "browser-console-token"


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing() -> str | None:
    problems = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"{CHROMIUM} is missing (run scripts/install-system.sh as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing "
                        "(.venv/bin/pip install -c requirements/rasa-deps.lock.txt playwright)")
    return "; ".join(problems) or None


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem:
        if _ci():
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(f"browser tests skipped: {problem}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def stub_agent() -> StubAgent:
    return StubAgent()


@pytest.fixture(scope="module")
def server(stub_agent: StubAgent) -> Iterator[str]:
    """Base URL of a server with the web channel and the console (token CONSOLE_TOKEN)."""
    # the embed test's host page is another origin (another port), named as README says
    web = WebChatInput(frame_ancestors="'self' http://127.0.0.1:*",
                       erase_cases=lambda _conversation_id: 0)  # no case store here
    with serve([web, AgentConsoleInput(token=CONSOLE_TOKEN)], stub_agent) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def context(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser profile (empty storage) that may use the clipboard."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 480, "height": 820})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of every JavaScript dialog (alert, confirm, …) a page tried to open."""
    return []


@pytest.fixture
def page(context: Any, dialogs: list[str]) -> Iterator[Any]:
    pg = context.new_page()

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.set_default_timeout(10_000)
    yield pg
