"""Chromium for the browser tests: found, launched once per session, skipped or failed.

Shared by every browser test module through conftest.py, so one Playwright runs per session
(a second sync Playwright inside the first one's loop refuses to start).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from search.settings import load_settings
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
AXE = Path(os.environ.get("DOCSIFT_AXE", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def unavailable(reason: str) -> None:
    """Skip on a developer machine without Chromium; fail in CI, where it must run."""
    if os.environ.get("DOCSIFT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (DOCSIFT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if not executable:
        unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"playwright is not installed: {exc}")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as exc:  # any launch failure: report it, skip or fail
        playwright.stop()
        unavailable(f"Chromium at {executable} did not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


class Console:
    """Errors the page reported: console errors, uncaught exceptions, CSP refusals."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def problems(self) -> list[str]:
        # a 4xx page (the bad-query page) is logged as a failed load: that is the point
        return [e for e in self.errors if not e.startswith("Failed to load resource")]


def open_page(browser: Any, width: int = 1280, height: int = 900, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console = Console()
    page.on("console", lambda m: m.type == "error" and page.console.errors.append(m.text))
    page.on("pageerror", lambda exc: page.console.errors.append(f"uncaught: {exc}"))
    return page


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own context; fails the test if our pages logged any error."""
    fresh = open_page(browser)
    yield fresh
    problems = fresh.console.problems()
    fresh.context.close()
    assert not problems, f"console errors: {problems}"


@contextmanager
def served(home: Path) -> Iterator[str]:
    """docsift over `home`, served on a free 127.0.0.1 port for as long as the block runs."""
    app = create_app(load_settings(environ={}, home=home))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
