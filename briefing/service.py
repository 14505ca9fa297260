"""The service behind the HTTP API: storage, caches, the brief chain and the job runner."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

from cachetools import LRUCache, TTLCache

from briefing.cache import KVLLMCache, brief_cache_key, make_kv
from briefing.chains.brief import BriefChain
from briefing.errors import NotFoundError, ServiceBusyError
from briefing.llm.backend import Backend
from briefing.metrics import CACHE_LOOKUPS
from briefing.schemas.brief import SCHEMA_VERSION
from briefing.schemas.report import Report
from briefing.settings import Settings
from briefing.store import Database
from briefing.store import jobs as job_store
from briefing.store.models import JobRow
from briefing.store.reports import add_report, get_brief, get_report, report_of
from briefing.worker import JobRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedBrief:
    brief_id: str
    body: str  # the Brief as JSON


class Service:
    def __init__(self, settings: Settings, *, backend: Backend | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.db.migrate()
        self.brief_cache = make_kv(self.db, settings.redis_url, "brief")
        self.llm_cache = KVLLMCache(
            make_kv(self.db, settings.redis_url, "llm"), settings.cache_ttl_s
        )
        self.chain = BriefChain(settings, backend=backend, llm_cache=self.llm_cache)
        self.runner = JobRunner(self, workers=settings.job_workers)
        # In-process layer in front of the shared caches, for the hot read path: reports and
        # briefs never change once stored, so only TTLs and prompt versions can end an entry.
        self._memory_lock = threading.Lock()
        self._hot: TTLCache[str, CachedBrief] = TTLCache(
            maxsize=512, ttl=min(settings.cache_ttl_s, 300)
        )
        self._bodies: LRUCache[str, str] = LRUCache(maxsize=256)
        self._keys: LRUCache[tuple[str, tuple[tuple[str, str], ...]], str] = LRUCache(maxsize=4096)

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop()
        self.db.dispose()

    # -- reports ------------------------------------------------------------------------

    def add_report(self, report: Report) -> tuple[str, bool]:
        row, created = add_report(self.db, report)
        return row.id, created

    # -- briefs -------------------------------------------------------------------------

    def cache_key(self, report: Report) -> str:
        s = self.settings
        return brief_cache_key(
            report.text,
            prompt_versions=self.chain.prompt_versions,
            schema_version=SCHEMA_VERSION,
            model=s.llm_model,
            options={
                "backend": s.llm_base_url or "embedded",
                "mode": s.effective_structured_mode().value,
                "temperature": s.llm_temperature,
                "max_output_tokens": s.llm_max_output_tokens,
                "published": report.published.isoformat() if report.published else None,
                "data": self.chain.data_versions,
            },
        )

    def cached(self, cache_key: str) -> CachedBrief | None:
        with self._memory_lock:
            hot = self._hot.get(cache_key)
        if hot is not None:
            CACHE_LOOKUPS.labels("brief", "hit").inc()
            return hot
        raw = self.brief_cache.get(cache_key)
        CACHE_LOOKUPS.labels("brief", "hit" if raw else "miss").inc()
        if raw is None:
            return None
        data = json.loads(raw)
        found = CachedBrief(brief_id=data["id"], body=data["body"])
        with self._memory_lock:
            self._hot[cache_key] = found
        return found

    def remember(self, cache_key: str, brief_id: str, body: str) -> None:
        value = json.dumps({"id": brief_id, "body": body})
        self.brief_cache.set(cache_key, value, self.settings.cache_ttl_s)
        with self._memory_lock:
            self._hot[cache_key] = CachedBrief(brief_id=brief_id, body=body)

    def brief_body(self, brief_id: str) -> str | None:
        """A stored brief's JSON by id (immutable rows, so kept in memory once read)."""
        with self._memory_lock:
            body = self._bodies.get(brief_id)
        if body is None:
            row = get_brief(self.db, brief_id)
            if row is None:
                return None
            body = row.body
            with self._memory_lock:
                self._bodies[brief_id] = body
        return body

    def forget_cached(self) -> None:
        """Drop every cached brief (shared store and this process's layer)."""
        self.brief_cache.clear()
        with self._memory_lock:
            self._hot.clear()

    def known_cache_key(self, report_id: str) -> str | None:
        """The cache key of a report already seen by this process (no database access)."""
        with self._memory_lock:
            return self._keys.get((report_id, tuple(sorted(self.chain.prompt_versions.items()))))

    def cached_for_report(self, report_id: str) -> CachedBrief | None:
        """The fast path: a cached brief for a report, from memory only, or None."""
        key = self.known_cache_key(report_id)
        if key is None:
            return None
        with self._memory_lock:
            hot = self._hot.get(key)
        if hot is not None:
            CACHE_LOOKUPS.labels("brief", "hit").inc()
        return hot

    def request_brief(
        self, report_id: str, *, use_cache: bool = True, api_key_id: str | None = None
    ) -> CachedBrief | JobRow:
        """A cached brief, or a new queued job (written before any work starts)."""
        row = get_report(self.db, report_id)
        if row is None:
            raise NotFoundError(f"no report with id {report_id}")
        key = self.cache_key(report_of(row))
        with self._memory_lock:
            self._keys[(report_id, tuple(sorted(self.chain.prompt_versions.items())))] = key
        if use_cache:
            hit = self.cached(key)
            if hit is not None:
                return hit
        if job_store.count_queued(self.db) >= self.settings.job_queue_max:
            raise ServiceBusyError(
                f"{self.settings.job_queue_max} jobs are already queued; try again later",
                retry_after_s=30,
            )
        job = job_store.create_job(self.db, report_id, key, api_key_id, use_cache=use_cache)
        self.runner.wake()
        return job

    def wait(self, job_id: str, timeout_s: float) -> JobRow:
        """The job, once finished or when ``timeout_s`` has passed."""
        deadline = time.monotonic() + timeout_s
        delay = 0.05
        while True:
            job = job_store.get_job(self.db, job_id)
            if job is None:
                raise NotFoundError(f"no job with id {job_id}")
            if (
                job.status in (job_store.SUCCEEDED, job_store.FAILED)
                or time.monotonic() >= deadline
            ):
                return job
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.5)
