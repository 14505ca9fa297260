"""The API docs work offline (issue: the analyst's page, item 7): /docs and /redoc load their
assets from the service, so on an air-gapped network they are not a blank page. Headless
Chromium (Debian's, driven by Playwright) with every request outside the service blocked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsing import SHOTS, chromium, offline_page
from service_fixtures import briefing_serve


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with briefing_serve(tmp_path_factory.mktemp("docs")) as (url, _env):
        yield url


def test_swagger_ui_lists_the_operations_with_the_network_blocked(browser: Any, base: str) -> None:
    page, blocked, errors = offline_page(browser, base)
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    summaries = page.locator(".opblock-summary-description").all_inner_texts()
    assert "Hand in a report" in summaries and "Subscribe to a feed" in summaries
    assert len(summaries) >= 30
    assert blocked == [] and errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "docs.png"))
    page.close()


def test_redoc_renders_with_the_network_blocked(browser: Any, base: str) -> None:
    page, blocked, errors = offline_page(browser, base)
    page.goto(f"{base}/redoc")
    page.locator("h2", has_text="Hand in a report").first.wait_for(timeout=30_000)
    # ReDoc's bundle asks for its "powered by" logo from its CDN: decorative, and blocked
    # here without harm; nothing else leaves.
    assert all(u.endswith("/logo-mini.svg") for u in blocked), blocked
    assert [e for e in errors if "logo-mini" not in e and "ERR_FAILED" not in e] == [], errors
    page.close()
