"""For the browser tests: Debian's chromium driven by Playwright, and pages that may reach
only the service under test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "eval/results/screenshots"


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless chromium (Debian's package, which scripts/test.sh installs)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: scripts/test.sh installs it"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def offline_page(browser: Any, base: str, **options: Any) -> tuple[Any, list[str], list[str]]:
    """A page that may reach only the service at ``base``; what it tried to reach elsewhere,
    and the console errors it logged."""
    page = browser.new_page(**options)
    blocked: list[str] = []
    errors: list[str] = []

    def only_the_service(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, blocked, errors
