"""The job runner: worker threads that take queued brief jobs from the database.

Jobs are rows first and work second, so nothing accepted is lost: on start-up, jobs a dead
process left ``running`` go back to the queue (after ``kill -9`` too) and are done again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from briefing.errors import BriefingError
from briefing.metrics import BRIEF_SECONDS, JOBS
from briefing.store import jobs as job_store
from briefing.store.reports import get_report, report_of, save_brief

if TYPE_CHECKING:
    from briefing.service import Service

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, service: Service, workers: int, poll_s: float = 1.0) -> None:
        self.service = service
        self.workers = workers
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        resumed = job_store.requeue_running(self.service.db)
        if resumed:
            log.warning("resuming %d job(s) left running by a previous process", resumed)
        self._stop.clear()
        for i in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"brief-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = job_store.claim_next(self.service.db)
            except Exception:
                log.exception("could not claim a job; retrying")
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(self.poll_s)
                continue
            self._run(job.id, job.report_id, job.cache_key, job.use_cache)

    def _run(self, job_id: str, report_id: str, cache_key: str, use_cache: bool) -> None:
        db = self.service.db
        started = time.perf_counter()
        try:
            row = get_report(db, report_id)
            if row is None:
                raise BriefingError(f"report {report_id} disappeared")
            brief = self.service.chain.run(report_of(row), use_llm_cache=use_cache)
            body = brief.model_dump_json()
            saved = save_brief(db, report_id, cache_key, body)
            if not brief.quality.degraded:  # a timed-out model may answer next time
                self.service.remember(cache_key, saved.id, body)
            job_store.finish(db, job_id, brief_id=saved.id)
            JOBS.labels("succeeded").inc()
            log.info("job %s succeeded in %.1fs", job_id, time.perf_counter() - started)
        except BriefingError as exc:
            job_store.finish(db, job_id, error=_problem(exc.http_status, exc.title, exc.message))
            JOBS.labels("failed").inc()
            log.warning("job %s failed: %s", job_id, exc.message)
        except Exception as exc:  # a bug: the job fails visibly, the worker lives on
            log.exception("job %s crashed", job_id)
            job_store.finish(db, job_id, error=_problem(500, "Internal error", type(exc).__name__))
            JOBS.labels("failed").inc()
        finally:
            BRIEF_SECONDS.observe(time.perf_counter() - started)


def _problem(status: int, title: str, detail: str) -> dict[str, object]:
    return {"status": status, "title": title, "detail": detail}
