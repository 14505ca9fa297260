"""Long reports: chunks on sentence boundaries, one call per chunk (bounded concurrency), a
reduce step, offsets into the whole text."""

from __future__ import annotations

import json
import threading
import time

from scripted import ScriptedChatModel

from briefing.analysis import analyze
from briefing.chains.brief import BriefChain
from briefing.chains.chunking import plan_chunks
from briefing.errors import ReportTooLongError
from briefing.ingest import load_report
from briefing.llm.backend import Backend
from briefing.llm.tokens import count_tokens
from briefing.schemas.report import Report
from briefing.settings import Settings, StructuredMode

PARAGRAPH = (
    "HUR says Russian forces lost two helicopters near Kharkiv. "
    "ISW notes that Russia is reportedly regrouping units near Kupiansk. "
    "Kremlin Spokesperson Dmitry Peskov denied the losses. "
)


def long_report(paragraphs: int) -> Report:
    return load_report(("date 2024-12-02 Long update\n" + PARAGRAPH * paragraphs).encode())


def test_chunks_follow_sentences_and_the_budget() -> None:
    analysis = analyze(long_report(40))
    chunks = plan_chunks(analysis, 300)
    assert len(chunks) > 5
    assert [i for c in chunks for i in c] == [s.index for s in analysis.sentences]
    for chunk in chunks:
        text = " ".join(analysis.sentences[i].span.text for i in chunk)
        assert count_tokens(text) <= 300


class Tracking(ScriptedChatModel):
    in_flight: int = 0
    peak: int = 0

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
        with _LOCK:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.02)
        with _LOCK:
            self.in_flight -= 1
        return super()._generate(messages, stop, run_manager, **kwargs)


_LOCK = threading.Lock()


def test_map_reduce_over_chunks() -> None:
    draft = {
        "bluf": "HUR says Russian forces lost two helicopters near Kharkiv.",
        "actors": [],
        "developments": [],
        "uncertainties": [],
    }
    model = Tracking(default=json.dumps(draft))
    settings = Settings(chunk_tokens=400, llm_concurrency=2)
    backend = Backend(
        chat=model,
        model="scripted",
        label="scripted",
        mode=StructuredMode.PLAIN,
        limiter=threading.BoundedSemaphore(2),
    )
    report = long_report(60)
    chain = BriefChain(settings, backend=backend)
    brief = chain.run(report)
    chunks = plan_chunks(analyze(report), 400)
    assert len(model.calls) == len(chunks) + 1  # map + reduce
    assert model.peak == 2
    reduce_prompt = model.calls[-1]["messages"][-1].content
    assert "<summaries>" in reduce_prompt
    # Each map call saw only its chunk's sentences.
    prompts = [c["messages"][-1].content for c in model.calls[:-1]]
    first = next(p for p in prompts if "[S0]" in p)  # the calls run two at a time, in any order
    assert f"[S{chunks[-1][-1]}]" not in first
    assert brief.provenance.usage.llm_calls == len(chunks) + 1
    # Offsets index the whole text, late chunks included.
    text = report.text
    late = [c for c in brief.claims if c.evidence[0].start > len(text) // 2]
    assert late and all(text[e.start : e.end] == e.text for c in late for e in c.evidence)
    assert brief.bluf == draft["bluf"]


def test_too_long_is_still_a_clear_error() -> None:
    chain = BriefChain(Settings(max_report_tokens=1000), backend=None)
    try:
        chain.run(long_report(100))
    except ReportTooLongError as exc:
        assert "1000 tokens" in exc.message and chain._backend is None
    else:
        raise AssertionError("expected ReportTooLongError")
