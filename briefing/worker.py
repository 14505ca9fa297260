"""The job runner: worker threads that take queued brief jobs from the database.

Jobs are rows first and work second, so nothing accepted is lost. A claimed job is leased to
this process and a heartbeat renews the lease while a worker thread works on it; a job whose
process died (``kill -9`` too) or hung is requeued when its lease expires, at once when its
owner is a dead process on this host, and fails for good after BRIEFING_JOB_MAX_ATTEMPTS
runs. A live process's job is never taken from it by another process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from briefing.errors import BriefingError, UnavailableError
from briefing.metrics import BRIEF_SECONDS, JOBS
from briefing.store import jobs as job_store
from briefing.store import queue
from briefing.store.models import JobRow
from briefing.store.reports import get_report, report_of

if TYPE_CHECKING:
    from briefing.service import Service
    from briefing.settings import Settings

T = TypeVar("T")

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, service: Service, workers: int, poll_s: float = 1.0) -> None:
        self.service = service
        self.workers = workers
        self.poll_s = poll_s
        self.owner = queue.owner_name(self)
        self.lease_s = service.settings.job_lease_s
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._working: set[str] = set()  # job ids a worker thread is on right now
        self._working_lock = threading.Lock()

    def start(self) -> None:
        self.recover()
        self._stop.clear()
        for i in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"brief-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.start_heartbeat()

    def start_heartbeat(self) -> None:
        """Renew the leases of the jobs being run here (alone: in a Celery worker process)."""
        beat = threading.Thread(target=self._heartbeat, name="brief-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)

    def run_one(self, job_id: str) -> bool:
        """Run the job ``job_id`` if it is queued (a Celery task names its job): claimed by
        compare-and-set, so a redelivered or duplicated task never briefs twice. Returns
        whether it ran here."""
        self.recover()  # its earlier run's process may have died: queued again, or given up
        job = job_store.claim(self.service.db, job_id, self.owner, self.lease_s)
        if job is None:
            return False
        self._run_claimed(job)
        return True

    def recover(self) -> None:
        """Requeue jobs whose owner died or hung (or give them up after too many runs)."""
        requeued, failed = job_store.requeue_abandoned(
            self.service.db, self.service.settings.job_max_attempts
        )
        if requeued:
            log.warning("resuming %d job(s) whose process died or hung", requeued)
        if failed:
            log.error("gave up %d job(s) interrupted too many times", failed)
        if requeued:
            self.wake()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                with self._working_lock:
                    ids = list(self._working)
                queue.renew(self.service.db, JobRow, self.owner, ids, self.lease_s)
                self.recover()  # other processes' abandoned jobs, too
            except Exception:
                log.exception("job heartbeat failed; trying again")

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
                job = job_store.claim_next(self.service.db, self.owner, self.lease_s)
            except Exception:
                log.exception("could not claim a job; retrying")
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(self.poll_s)
                continue
            self._run_claimed(job)

    def _run_claimed(self, job: JobRow) -> None:
        """Run a job claimed here, its lease renewed by the heartbeat meanwhile."""
        with self._working_lock:
            self._working.add(job.id)
        try:
            self._run(job.id, job.report_id, job.cache_key, job.use_cache, job.attempts)
        except Exception:  # the outcome could not be recorded (the database failed)
            log.exception(
                "job %s: its outcome was not recorded; the lease lapses and it runs again",
                job.id,
            )
        finally:
            with self._working_lock:
                self._working.discard(job.id)

    def _run(
        self, job_id: str, report_id: str, cache_key: str, use_cache: bool, attempts: int = 1
    ) -> None:
        db = self.service.db
        settings = self.service.settings
        started = time.perf_counter()
        try:

            def brief() -> str:
                row = get_report(db, report_id)
                if row is None:
                    raise BriefingError(f"report {report_id} disappeared")
                return self.service.make_brief(
                    report_id, report_of(row), cache_key, use_llm_cache=use_cache
                )[1]

            try:
                brief_id = retry_in_place(
                    brief,
                    what=f"job {job_id}",
                    attempts=attempts,
                    settings=settings,
                    stop=self._stop,
                    bump=lambda: queue.bump(db, JobRow, job_id, self.owner, self.lease_s),
                )
            except Abandoned:
                return  # stopping (the job is resumed after restart) or its lease was lost
        except Exception as exc:
            error = failure(exc, f"job {job_id}")
            record(
                lambda: job_store.finish(db, job_id, error=error, owner=self.owner), f"job {job_id}"
            )
            JOBS.labels("failed").inc()
        else:
            # Outside the handlers above: a brief that was made never fails its job because
            # the database dropped the connection that records it.
            record(
                lambda: job_store.finish(db, job_id, brief_id=brief_id, owner=self.owner),
                f"job {job_id}",
            )
            JOBS.labels("succeeded").inc()
            log.info("job %s succeeded in %.1fs", job_id, time.perf_counter() - started)
        finally:
            BRIEF_SECONDS.observe(time.perf_counter() - started)


class Abandoned(Exception):
    """The retried work was left: this process is stopping, or its lease went elsewhere."""


def retry_in_place(
    work: Callable[[], T],
    *,
    what: str,
    attempts: int,
    settings: Settings,
    stop: threading.Event,
    bump: Callable[[], bool],
) -> T:
    """Run ``work``; while the model backend or the database is unavailable, run it again in
    place after a backoff (``bump`` records the attempt and renews the lease), up to
    BRIEFING_JOB_MAX_ATTEMPTS; then a 503 problem saying to resubmit."""
    while True:
        try:
            return work()
        except UnavailableError as exc:
            if attempts >= settings.job_max_attempts or stop.is_set():
                exc.message = f"{exc.message} ({attempts} attempt(s)); submit it again later"
                raise exc from None
            delay = retry_delay_s(attempts, settings.job_retry_backoff_s)
            log.warning(
                "%s: %s; attempt %d of %d in %.0fs",
                what,
                exc.message,
                attempts + 1,
                settings.job_max_attempts,
                delay,
            )
            if stop.wait(delay) or not bump():
                raise Abandoned(what) from None
            attempts += 1


RECORD_TRIES = 4  # tries to record an outcome while the database is unavailable


def record(work: Callable[[], T], what: str, *, pause_s: float = 0.5) -> T:
    """Record a job's outcome (``work``), trying again while the database is unavailable: a
    dropped connection is replaced on the next try (pool_pre_ping). If it stays unavailable,
    the error goes up, nothing is recorded, and the job's lease lapses, so that it runs again
    (the model's answers come from the LLM cache); an outcome is never replaced by a failure
    to write it."""
    for attempt in range(1, RECORD_TRIES):
        try:
            return work()
        except UnavailableError as exc:
            log.warning("%s: recording its outcome: %s; trying again", what, exc.message)
            time.sleep(retry_delay_s(attempt, pause_s))
    return work()  # the last try: its error goes up


def retry_delay_s(attempt: int, base_s: float) -> float:
    """Backoff before attempt ``attempt + 1``: base * 2^(attempt-1), at most a minute."""
    return float(min(base_s * 2 ** (attempt - 1), 60.0))


def failure(exc: Exception, what: str) -> dict[str, object]:
    """The problem a failed job or digest records, logged: a BriefingError's own, or a 500
    for a bug (the job fails visibly, the worker lives on)."""
    if isinstance(exc, BriefingError):
        log.warning("%s failed: %s", what, exc.message)
        return _problem(exc.http_status, exc.title, exc.message)
    log.exception("%s crashed", what)
    return _problem(500, "Internal error", type(exc).__name__)


def _problem(status: int, title: str, detail: str) -> dict[str, object]:
    return {"status": status, "title": title, "detail": detail}
