"""The brief chain: report -> analysis (spaCy) -> one LLM call (judge and write) -> grounding.

Composed as LCEL runnables; the model call goes through :class:`StructuredCaller` on a
LangChain ``ChatOpenAI``, so the same code runs on the embedded llama.cpp server, OpenAI,
vLLM or Ollama.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from langchain_core.caches import BaseCache
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from briefing.analysis import Analysis, analyze
from briefing.analysis.sides import ConflictData, load_conflicts
from briefing.chains.assemble import Assembly
from briefing.chains.candidates import Candidates, build_candidates
from briefing.chains.chunking import plan_chunks
from briefing.errors import ModelOutputError, ModelTimeoutError, ReportTooLongError
from briefing.llm.backend import Backend, make_backend
from briefing.llm.structured import CallResult, StructuredCaller
from briefing.llm.tokens import count_tokens
from briefing.metrics import LLM_CALLS, LLM_TOKENS
from briefing.prompts import PromptTemplate, load_prompt
from briefing.schemas.brief import Brief, Provenance, ReportMeta, Timings, Usage
from briefing.schemas.draft import (
    ActorJudgment,
    BlufDraft,
    BriefDraft,
    DevelopmentJudgment,
    SideJudgment,
    UncertaintyJudgment,
    draft_json_schema,
)
from briefing.schemas.report import Report
from briefing.schemas.span import Span
from briefing.settings import Settings, get_settings
from briefing.version import code_version

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class _State:
    report: Report
    started: float
    analysis: Analysis | None = None
    candidates: Candidates | None = None
    call: CallResult[BriefDraft] | None = None
    llm_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    use_llm_cache: bool = True
    use_model: bool = True
    degraded: bool = False  # the model's answer (or part of it) could not be used


class BriefChain:
    """Makes briefs. Reuse one instance: it holds the backend and the loaded prompts."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend: Backend | None = None,
        progress: Progress | None = None,
        llm_cache: BaseCache | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._backend = backend
        self._llm_cache = llm_cache
        self._backend_lock = threading.Lock()
        self._uncached: BaseChatModel | None = None
        if backend is not None and llm_cache is not None and backend.chat.cache is None:
            backend.chat.cache = llm_cache
        self.progress = progress or (lambda _msg: None)
        self.prompt: PromptTemplate = load_prompt(self.settings.prompts_dir, "brief")
        self.repair_prompt: PromptTemplate = load_prompt(self.settings.prompts_dir, "repair")
        self.reduce_prompt: PromptTemplate = load_prompt(self.settings.prompts_dir, "reduce")
        # The parties and conflicts sources are graded by (BRIEFING_CONFLICTS_FILE).
        self.conflicts: ConflictData = load_conflicts(self.settings.conflicts_file)

    @property
    def backend(self) -> Backend:
        with self._backend_lock:
            if self._backend is None:
                self.progress("starting the model backend")
                self._backend = make_backend(self.settings, cache=self._llm_cache)
            return self._backend

    @property
    def backend_started(self) -> bool:
        """Whether the backend exists yet (the embedded server starts on first use)."""
        return self._backend is not None

    @property
    def prompt_versions(self) -> dict[str, str]:
        prompts = (self.prompt, self.repair_prompt, self.reduce_prompt)
        return {p.task: p.version for p in prompts}

    @property
    def data_versions(self) -> dict[str, str]:
        """Versions of the data files the rules read, recorded in every brief."""
        from briefing.analysis.countries import gazetteer
        from briefing.analysis.injection import version as injection_version
        from briefing.analysis.lexicon import VERSION as LEXICON

        return {
            "conflicts": self.conflicts.version,
            "countries": gazetteer().version,
            "lexicon": LEXICON,
            "injection": injection_version(),
        }

    def chat(self, *, use_llm_cache: bool = True) -> BaseChatModel:
        """The backend's chat model, or a copy that bypasses the LLM cache."""
        chat = self.backend.chat
        if use_llm_cache or chat.cache is None or chat.cache is False:
            return chat
        if self._uncached is None:
            self._uncached = chat.model_copy(update={"cache": False})
        return self._uncached

    def caller(self, *, use_llm_cache: bool = True) -> StructuredCaller:
        return StructuredCaller(
            chat=self.chat(use_llm_cache=use_llm_cache),
            mode=self.backend.mode,
            context_tokens=self.settings.llm_context_tokens,
            max_output_tokens=self.settings.llm_max_output_tokens,
            repair_attempts=self.settings.llm_repair_attempts,
            transport_retries=self.settings.llm_transport_retries,
            repair_template=self.repair_prompt.template,
            limiter=self.backend.limiter,
            on_timeout=self.backend.on_timeout,
            timeout_retries=self.backend.timeout_retries,
            timeout_s=self.settings.llm_timeout_s,
        )

    def runnable(self) -> Runnable[Report, Brief]:
        """The chain as LCEL: analyze | draft | assemble."""
        return (
            RunnableLambda(self._analyze, name="analyze")
            | RunnableLambda(self._draft, name="draft")
            | RunnableLambda(self._assemble, name="assemble")
        )

    def run(self, report: Report, *, use_llm_cache: bool = True, use_model: bool = True) -> Brief:
        """A brief of ``report``; ``use_llm_cache=False`` asks the model afresh;
        ``use_model=False`` makes the code-only brief (analysis pass, rule grades, the report's
        own words) without starting or calling any model."""
        configurable = {"use_llm_cache": use_llm_cache, "use_model": use_model}
        return self.runnable().invoke(report, config={"configurable": configurable})

    # -- steps -------------------------------------------------------------------------

    def _analyze(self, report: Report, config: RunnableConfig | None = None) -> _State:
        state = _State(report=report, started=time.perf_counter())
        configurable = (config or {}).get("configurable") or {}
        state.use_llm_cache = bool(configurable.get("use_llm_cache", True))
        state.use_model = bool(configurable.get("use_model", True))
        limit = self.settings.max_report_tokens
        tokens = count_tokens(report.text[: limit * 8])  # no need to count past the limit
        if tokens > limit:
            raise ReportTooLongError(
                f"the report has more than {limit} tokens (BRIEFING_MAX_REPORT_TOKENS); "
                "split it into several reports",
                tokens=tokens,
                budget=limit,
            )
        self.progress(f"analyzing {len(report.text)} characters (about {tokens} tokens)")
        state.analysis = analyze(report, model=self.settings.spacy_model)
        state.candidates = build_candidates(
            state.analysis, self.conflicts, state.analysis.report_date
        )
        c = state.candidates
        self.progress(
            f"found {len(state.analysis.actors)} actors, {len(state.analysis.attributions)} "
            f"attributions, {len(c.developments)} developments, {len(c.uncertainties)} hedges"
        )
        return state

    def prompt_variables(
        self, report: Report, candidates: Candidates, chunk: list[int] | None = None
    ) -> dict[str, Any]:
        analysis = candidates.analysis
        wanted = set(chunk) if chunk is not None else None
        sentences = "\n".join(
            f"[S{s.index}] {' '.join(_withheld(s.span, analysis).split())}"
            for s in analysis.sentences
            if wanted is None or s.index in wanted
        )
        return {
            "report_date": _day(analysis.report_date),
            "title": report.title or "untitled",
            "sentences": sentences,
            "actors": _listing(
                f"{a.id} {a.name} ({a.kind.value})" for a in candidates.organizations
            ),
            "developments": _listing(f"{d.id} S{d.sentence}" for d in candidates.developments),
            "uncertainties": _listing(
                f"{u.id} S{u.sentence} ({', '.join(u.hedges)})" for u in candidates.uncertainties
            ),
            "unsided": _listing(f"{s.id} {s.actor.name}" for s in candidates.unsided)
            if self.settings.proposes_sides
            else "none",
        }

    def _draft(self, state: _State) -> _State:
        assert state.candidates is not None and state.analysis is not None
        if not state.use_model:
            state.call = CallResult(BriefDraft(bluf=""), Usage(), 0, 0.0, "")
            state.warnings.append(
                "code-only brief: no model was asked; wording is the report's own and grades "
                "are the rules'"
            )
            return state
        chunks = plan_chunks(state.analysis, self.settings.chunk_tokens)
        started = time.perf_counter()
        if len(chunks) == 1:
            self.progress(f"asking {self.backend.model} for the brief ({self.backend.label})")
            state.call = self._call(state, state.candidates, None)
        else:
            state.call = self._map_reduce(state, chunks)
        state.llm_s = time.perf_counter() - started
        usage = state.call.usage
        LLM_CALLS.inc(usage.llm_calls)
        LLM_TOKENS.labels("input").inc(usage.input_tokens)
        LLM_TOKENS.labels("output").inc(usage.output_tokens)
        self.progress(
            f"model answered in {state.llm_s:.1f}s ({usage.llm_calls} call(s), "
            f"{usage.total_tokens} tokens)"
        )
        return state

    def _call(
        self, state: _State, candidates: Candidates, chunk: list[int] | None
    ) -> CallResult[BriefDraft]:
        """One model call over the report (or one chunk of it); never raises on bad output."""
        variables = self.prompt_variables(state.report, candidates, chunk)
        messages = self.prompt.chat_prompt().format_messages(**variables)
        ids = candidates.ids(propose_sides=self.settings.proposes_sides)
        started = time.perf_counter()
        try:
            return self.caller(use_llm_cache=state.use_llm_cache).call(
                messages,
                BriefDraft,
                json_schema=draft_json_schema(ids),
                context={k: set(v) for k, v in ids.items()},
            )
        except ModelOutputError as exc:
            log.warning("model output unusable: %s", exc.last_error)
            why = f"failed validation {exc.attempts} times ({exc.last_error})"
            usage, attempts = Usage.model_validate(exc.usage), exc.attempts
        except ModelTimeoutError as exc:
            log.warning("model call abandoned: %s", exc.message)
            why = f"did not come within {exc.timeout_s:g} s (BRIEFING_LLM_TIMEOUT_S)"
            usage, attempts = Usage(), exc.tries
        # The brief still stands on the analysis pass: extractive wording, rule grades.
        state.degraded = True
        where = f" (sentences S{chunk[0]}-S{chunk[-1]})" if chunk else ""
        state.warnings.append(
            f"the model's answer{where} {why}; judgments and wording are the analysis pass's "
            "defaults"
        )
        return CallResult(
            value=BriefDraft(bluf=""),
            usage=usage,
            attempts=attempts,
            elapsed_s=time.perf_counter() - started,
            raw="",
        )

    def _map_reduce(self, state: _State, chunks: list[list[int]]) -> CallResult[BriefDraft]:
        """Map: one call per chunk, at most BRIEFING_LLM_CONCURRENCY at once. Reduce: merge the
        judgments (code) and write one bottom line from the chunks' (one more call)."""
        assert state.candidates is not None
        candidates = state.candidates
        self.progress(
            f"long report: {len(chunks)} chunks of up to {self.settings.chunk_tokens} tokens, "
            f"{self.settings.llm_concurrency} at a time"
        )
        done = 0
        lock = threading.Lock()

        def one(chunk: list[int]) -> CallResult[BriefDraft]:
            nonlocal done
            result = self._call(state, candidates.within(set(chunk)), chunk)
            with lock:
                done += 1
                self.progress(f"chunk {done}/{len(chunks)} done")
            return result

        with ThreadPoolExecutor(max_workers=self.settings.llm_concurrency) as pool:
            parts = list(pool.map(one, chunks))
        usage = Usage()
        for part in parts:
            usage = usage.add(part.usage)
        merged = BriefDraft(
            bluf="",
            actors=_first_by_id(j for p in parts for j in p.value.actors),
            developments=_first_by_id(j for p in parts for j in p.value.developments),
            uncertainties=_first_by_id(j for p in parts for j in p.value.uncertainties),
            sides=_first_by_id(j for p in parts for j in p.value.sides),
        )
        blufs = [p.value.bluf.strip() for p in parts if p.value.bluf.strip()]
        bluf, reduce_usage = self._reduce_bluf(state, blufs)
        merged = merged.model_copy(update={"bluf": bluf})
        return CallResult(
            value=merged,
            usage=usage.add(reduce_usage),
            attempts=max(p.attempts for p in parts),
            elapsed_s=sum(p.elapsed_s for p in parts),
            raw="",
        )

    def _reduce_bluf(self, state: _State, blufs: list[str]) -> tuple[str, Usage]:
        if len(blufs) <= 1:
            return (blufs[0] if blufs else ""), Usage()
        report = state.report
        messages = self.reduce_prompt.chat_prompt().format_messages(
            report_date=_day(state.analysis.report_date if state.analysis else report.published),
            title=report.title or "untitled",
            summaries="\n".join(f"- {b}" for b in blufs[:40]),
        )
        try:
            result = self.caller(use_llm_cache=state.use_llm_cache).call(messages, BlufDraft)
        except ModelOutputError as exc:
            state.warnings.append(f"the reduce step failed validation ({exc.last_error})")
            return blufs[0], Usage.model_validate(exc.usage)
        except ModelTimeoutError as exc:
            state.warnings.append(f"the reduce step timed out after {exc.timeout_s:g} s")
            return blufs[0], Usage()
        return result.value.bluf, result.usage

    def _assemble(self, state: _State) -> Brief:
        assert state.candidates is not None and state.call is not None
        assert state.analysis is not None
        started = time.perf_counter()
        asm = Assembly(report=state.report, candidates=state.candidates, draft=state.call.value)
        asm.warnings.extend(state.warnings)
        bluf, bluf_evidence = asm.bluf()
        actors = asm.actors()
        places = asm.places()
        developments = asm.developments()
        claims = asm.claims()
        uncertainties = asm.uncertainties(claims)
        sources = asm.sources()
        if state.call.attempts > 1:
            asm.warnings.append(f"the model needed {state.call.attempts} attempts")
        quality = asm.quality().model_copy(update={"degraded": state.degraded})
        grounding_ms = (time.perf_counter() - started) * 1000
        total_ms = (time.perf_counter() - state.started) * 1000
        report = state.report
        brief = Brief(
            report=ReportMeta(
                title=report.title,
                source=report.source,
                url=report.url,
                published=report.published,
                dated=state.analysis.report_date,
                format=report.format.value,
                chars=len(report.text),
                sha256=report.sha256,
            ),
            bluf=bluf,
            bluf_evidence=bluf_evidence,
            actors=actors,
            places=places,
            developments=developments,
            claims=claims,
            uncertainties=uncertainties,
            sources=sources,
            quality=quality,
            provenance=Provenance(
                model=self.backend.model if state.use_model else "none",
                backend=self.backend.label if state.use_model else "none",
                structured_mode=self.backend.mode.value if state.use_model else "none",
                prompt_versions=self.prompt_versions,
                data_versions=self.data_versions,
                code_version=code_version(),
                usage=state.call.usage,
                timings=Timings(
                    analysis_ms=round(state.analysis.elapsed_ms, 2),
                    llm_ms=round(state.llm_s * 1000, 2),
                    grounding_ms=round(grounding_ms, 2),
                    total_ms=round(total_ms, 2),
                ),
                created_at=dt.datetime.now(dt.UTC),
            ),
        )
        self.progress(
            f"brief ready: {len(actors)} actors, {len(developments)} developments, "
            f"{len(claims)} claims, {len(uncertainties)} uncertainties, {len(sources)} sources; "
            f"{quality.dropped_count} item(s) dropped by grounding"
        )
        return brief


WITHHELD = "[passage withheld: suspected prompt injection]"


def _day(date: dt.date | None) -> str:
    """The report's date for a prompt: its published date, else its dateline's."""
    return date.isoformat() if date else "unknown"


def _withheld(sentence: Span, analysis: Analysis) -> str:
    """A sentence for the prompt, with suspected injected passages replaced by a marker."""
    text = sentence.text
    for inj in sorted(analysis.injections, key=lambda i: -i.span.start):
        lo = max(inj.span.start, sentence.start) - sentence.start
        hi = min(inj.span.end, sentence.end) - sentence.start
        if lo < hi:
            text = text[:lo] + WITHHELD + text[hi:]
    return text.replace("<report>", "[tag]").replace("</report>", "[tag]")


J = TypeVar("J", ActorJudgment, DevelopmentJudgment, UncertaintyJudgment, SideJudgment)


def _first_by_id(judgments: Iterable[J]) -> list[J]:
    seen: dict[str, J] = {}
    for j in judgments:
        seen.setdefault(j.id, j)
    return list(seen.values())


def _listing(items: Any) -> str:
    """Candidates on one line, "; "-separated: ids first, so the model can refer to them."""
    return "; ".join(items) or "none"


def brief_report(report: Report, settings: Settings | None = None) -> Brief:
    """One-shot convenience: a brief of ``report`` with the configured backend."""
    return BriefChain(settings).run(report)


__all__ = ["BriefChain", "Progress", "Usage", "brief_report"]
