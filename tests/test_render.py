"""Golden files for the Markdown and HTML renderings (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from scripted import ScriptedChatModel

from briefing.chains.brief import BriefChain
from briefing.llm.backend import Backend
from briefing.render import render_html, render_markdown
from briefing.schemas.brief import Brief, Timings, Usage
from briefing.schemas.report import Report
from briefing.settings import Settings, StructuredMode

GOLDEN = Path(__file__).parent / "golden"
DRAFT = {
    "bluf": "HUR says Russia has dismissed General Sergey Kisel from command of its Syrian "
    "military contingent; ISW notes that Russia seeks a diplomatic solution.",
    "actors": [],
    "developments": [],
    "uncertainties": [],
}


@pytest.fixture(scope="module")
def brief(example_report: Report) -> Brief:
    backend = Backend(
        chat=ScriptedChatModel(default=json.dumps(DRAFT)),
        model="scripted",
        label="scripted",
        mode=StructuredMode.PLAIN,
    )
    made = BriefChain(Settings(), backend=backend).run(example_report)
    fixed = made.provenance.model_copy(
        update={
            "created_at": dt.datetime(2024, 12, 2, 12, 0, tzinfo=dt.UTC),
            "code_version": "0.1.0+0123456789ab",  # pinned: any code edit moves the real one
            "timings": Timings(analysis_ms=100, llm_ms=1000, grounding_ms=1, total_ms=1200),
            "usage": Usage(llm_calls=1, input_tokens=900, output_tokens=150, total_tokens=1050),
        }
    )
    return made.model_copy(update={"provenance": fixed})


def check(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{name} changed; UPDATE_GOLDEN=1 to accept"
    )


def test_markdown_golden(brief: Brief) -> None:
    md = render_markdown(brief)
    check("example.md", md)
    order = [
        "## Bottom line up front",
        "## Key actors",
        "## Developments",
        "## Claims",
        "## Uncertainties",
        "## Sources",
    ]
    assert [md.index(h) for h in order] == sorted(md.index(h) for h in order)
    assert "[45-55%]" in md and "ISW" in md and "credibility **3**" in md


def test_html_golden_is_standalone_and_escapes_report_text(brief: Brief) -> None:
    html = render_html(brief)
    check("example.html", html)
    assert html.startswith("<!doctype html>") and "<style>" in html and "http" not in html
    hostile = brief.model_copy(update={"bluf": "<script>alert(1)</script> & more"})
    assert "<script>alert(1)</script>" not in render_html(hostile)
    assert "&lt;script&gt;" in render_html(hostile)


def test_a_resolved_period_reads_as_a_reader_says_it() -> None:
    import datetime as dt

    from briefing.render.markdown import period

    day = dt.date
    assert period(None) == "date not given"
    assert period(day(2009, 11, 30), None) == "2009-11-30"
    assert period(day(2009, 1, 1), day(2009, 12, 31)) == "2009"  # "this year"
    assert period(day(1991, 1, 1), day(1998, 12, 31)) == "1991 to 1998"
    assert period(day(2024, 2, 1), day(2024, 2, 29)) == "2024-02"  # "February 2024"
    assert period(day(2009, 11, 23), day(2009, 11, 29)) == "2009-11-23 to 2009-11-29"
    assert period(day(2009, 12, 1), day(2010, 1, 31)) == "2009-12-01 to 2010-01-31"
