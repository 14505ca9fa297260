"""The analyst's page (issue: the analyst's page, items 1-3), in headless Chromium on a real
`briefing serve` with the embedded model: sign in (a wrong key is refused with a message),
brief the example report, click the claim attributed to HUR and see exactly its evidence
highlighted in the report; nothing is loaded from elsewhere and the console stays clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browsing import SHOTS, chromium, offline_page
from conftest import EXAMPLE
from service_fixtures import briefing_serve, cli_key


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with briefing_serve(tmp_path_factory.mktemp("page")) as (base, env):
        yield base, cli_key(env, "page")


@pytest.mark.embedded
def test_sign_in_brief_and_follow_a_claim_to_its_evidence(served: tuple[str, str]) -> None:
    base, key = served
    with chromium() as browser:
        page, outside, errors = offline_page(
            browser, base, viewport={"width": 1400, "height": 1000}
        )
        page.goto(f"{base}/")

        page.fill("#key", "brf_not-a-key")
        page.click("#signin button[type=submit]")
        page.locator("#who", has_text="unknown").wait_for()
        assert page.is_hidden("#compose")
        errors.clear()  # the refused sign-in's 401 is logged by the browser, as it should be

        page.fill("#key", key)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#compose", state="visible")
        page.fill("#text", EXAMPLE.read_text(encoding="utf-8"))
        page.click("#brief-button")
        page.wait_for_selector("#brief", state="visible", timeout=300_000)

        brief = page.evaluate("() => current.brief")
        text = page.evaluate("() => current.text")
        index, claim = next((i, c) for i, c in enumerate(brief["claims"]) if "HUR" in c["chain"])
        page.click(f'#items li[data-item="C{index + 1}"]')
        active = page.locator("#report .hl.active")
        shown = "".join(active.all_text_contents())
        spans = sorted(claim["evidence"], key=lambda s: s["start"])  # shown in text order
        evidence = "".join(text[s["start"] : s["end"]] for s in spans)
        assert shown == evidence and shown.strip()
        assert claim["statement"] in (active.first.get_attribute("title") or "")
        assert page.locator('#items li[data-item="B"]').inner_text().strip() == brief["bluf"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "brief.png"), full_page=False)
        assert outside == [] and errors == [], (outside, errors)
