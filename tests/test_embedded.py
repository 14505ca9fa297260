"""The real embedded model (llama.cpp server, SmolLM2-135M-Instruct) through its HTTP API."""

from __future__ import annotations

import httpx
import pytest
from conftest import EXPECTED_ACTORS

from briefing.llm.embedded import get_server
from briefing.schemas.brief import Brief
from briefing.schemas.report import Report
from briefing.settings import Settings

pytestmark = pytest.mark.embedded


def test_server_is_reused_and_answers_openai_requests() -> None:
    settings = Settings()
    first = get_server(settings)
    assert get_server(settings) is first
    models = httpx.get(f"{first.base_url}/models", timeout=10).json()
    assert models["data"][0]["id"] == "smollm2-135m-instruct"


def test_brief_of_the_example_names_the_actors_with_grounded_evidence(
    embedded_brief: Brief, example_report: Report
) -> None:
    text = example_report.text
    names = {a.name for a in embedded_brief.actors}
    for expected in EXPECTED_ACTORS:
        assert expected in names, f"{expected} missing from {sorted(names)}"
    for actor in embedded_brief.actors:
        assert actor.evidence
        for span in actor.evidence:
            assert text[span.start : span.end] == span.text
        # No actor the report does not name: its name or a form of it ("Turkish" for
        # Turkey) is in the text.
        forms = [actor.name, *actor.aliases]
        assert any(f in text or f.replace("'", "’") in text for f in forms), actor
    sources = {s.name for s in embedded_brief.sources}
    assert {"HUR", "ISW"} <= sources


def test_brief_is_schema_valid_and_records_provenance(embedded_brief: Brief) -> None:
    again = Brief.model_validate_json(embedded_brief.model_dump_json())
    assert again == embedded_brief
    p = embedded_brief.provenance
    assert p.backend == "embedded" and p.model == "smollm2-135m-instruct"
    assert p.structured_mode == "json_object_schema"
    assert p.prompt_versions["brief"] == "v2"
    assert p.usage.llm_calls >= 1 and p.usage.input_tokens > 0 and p.usage.output_tokens > 0
    assert p.timings.llm_ms > 0 and p.timings.total_ms >= p.timings.llm_ms


def test_every_item_is_grounded(embedded_brief: Brief, example_report: Report) -> None:
    text = example_report.text
    b = embedded_brief
    for item in [*b.developments, *b.claims, *b.uncertainties, *b.sources]:
        assert item.evidence
        assert all(text[s.start : s.end] == s.text for s in item.evidence)
    assert b.bluf.strip()
    assert len(b.claims) >= 5 and len(b.uncertainties) >= 3 and len(b.developments) >= 5


def test_a_separate_server_starts_and_shuts_down_cleanly() -> None:
    from briefing.llm.embedded import start_server

    server = start_server(Settings(embedded_threads=1))
    try:
        assert server.alive()
        assert httpx.get(f"{server.base_url}/models", timeout=10).status_code == 200
    finally:
        server.stop()
    assert not server.alive()
    assert server.process.returncode is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{server.base_url}/models", timeout=2)


def test_analyst_grade_example_on_the_real_model(embedded_brief: Brief) -> None:
    """Issue: analyst-grade briefs, "done when", on the embedded model."""
    import datetime as dt

    b = embedded_brief
    hur_claims = [c for c in b.claims if c.originator == "HUR"]
    assert hur_claims and all(c.credibility >= 3 for c in hur_claims)
    hur = next(s for s in b.sources if s.name == "HUR")
    assert hur.stake and "Russia" in hur.stake
    # ISW never counts as corroborating HUR (nothing in the report repeats HUR independently).
    assert all("ISW" not in c.corroborated_by for c in hur_claims)
    dates = {c.said_on_text: c.said_on for c in b.claims if c.said_on_text}
    assert dates["1 December"] == dt.date(2024, 12, 1)
    assert dates["30 November"] == dt.date(2024, 11, 30)
    missing = next(u for u in b.uncertainties if "missing" in u.what)
    assets = next(u for u in b.uncertainties if "deploy additional assets" in u.what)
    for u in (missing, assets):
        assert u.likelihood is not None and u.likelihood_band
        assert u.confidence.value in ("high", "moderate", "low") and u.confidence_basis


def test_every_reply_stays_within_the_cap() -> None:
    """Issue: bounded model work. llama.cpp ignores max_completion_tokens; the cap must arrive
    as max_tokens, and the server must honour it."""
    from langchain_core.messages import HumanMessage

    from briefing.llm.backend import make_backend

    backend = make_backend(Settings(llm_max_output_tokens=12))
    prompts = [
        "Write a long story about a ship at sea, with many chapters.",
        "List every country in Europe with its capital, one per line.",
        "Repeat the word 'report' two hundred times.",
    ]
    for prompt in prompts:
        reply = backend.chat.invoke([HumanMessage(prompt)])
        assert reply.usage_metadata is not None
        assert 0 < reply.usage_metadata["output_tokens"] <= 12, prompt


def test_a_model_that_runs_long_yields_a_degraded_brief_in_bounded_time(
    example_report: Report,
) -> None:
    """Issue: bounded model work. A call that runs past the timeout is abandoned, the server
    restarted (no generation goes on behind the next request) and the brief degrades."""
    import time

    from briefing.chains.brief import BriefChain

    settings = Settings(llm_timeout_s=2.0, llm_max_output_tokens=4000)
    chain = BriefChain(settings)
    before = get_server(settings)
    chain.backend  # noqa: B018 - start the server before the clock starts
    started = time.monotonic()
    brief = chain.run(example_report, use_llm_cache=False)
    elapsed = time.monotonic() - started
    assert any("did not come within 2 s" in w for w in brief.quality.warnings)
    assert brief.actors and brief.claims and brief.bluf  # the code-only brief stands
    # One timeout (2 s), a server restart and the analysis: far under a minute.
    assert elapsed < 45, elapsed
    after = get_server(settings)
    assert after.process.pid != before.process.pid and not before.alive()
    assert after.port == before.port  # clients keep their base URL
    # Nothing is left generating: a small request is answered at once.
    quick = BriefChain(Settings(llm_max_output_tokens=8)).backend.chat
    from langchain_core.messages import HumanMessage

    t0 = time.monotonic()
    quick.invoke([HumanMessage("Say hello.")])
    assert time.monotonic() - t0 < 20
