"""Browser tests: Debian's Chromium driven by Playwright against the session's local cloud.

One browser per session; each test gets a fresh context (no shared storage) at phone size, and a
failing test leaves a screenshot of its page in ``.localcloud/browser-failures/``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless flags for a machine with no network but loopback (see the env notes): no background calls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 360, "height": 780}
FAILURES = Path(__file__).resolve().parents[2] / ".localcloud" / "browser-failures"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for page in getattr(item, "_pages", []):
            FAILURES.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # a screenshot is a courtesy, never a second failure
                page.screenshot(path=str(FAILURES / f"{item.name}-{id(page)}.png"), full_page=True)


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``new_page(viewport=...)``: a page in a fresh browser context (its own storage), closed after the test."""
    contexts: list[Any] = []
    request.node._pages = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or PHONE, locale="es-PE", timezone_id="America/Lima")
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        request.node._pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Any:
    """A page at phone size (360 px wide)."""
    return new_page()
