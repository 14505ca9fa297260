"""Celery execution (``BRIEFING_QUEUE=celery``): briefs, digests, feed polls and deliveries
run as tasks in ``briefing worker`` processes on any machine that reaches the database and
the broker, while ``briefing serve`` processes only accept work and schedule it.

The database stays the record of the work: a job or digest is a row before its task is sent,
and a task only names its row. A task takes its row by compare-and-set (queued to running,
leased to its process, renewed by a heartbeat), so a redelivered or duplicated task finds
nothing to do and no brief is made twice. Tasks are acknowledged late and rejected when their
worker process is lost, so the broker hands them out again; each worker also *sweeps* (in a
child process, `briefing sweep`, started again if it dies): it requeues rows whose lease
expired or whose process died (failing them for good after BRIEFING_JOB_MAX_ATTEMPTS runs,
the dead-letter state the API shows), resends the tasks of rows queued for longer than a
lease (a task lost with a broker restart), and sends due deliveries. A broker that is down
when a task is sent loses nothing either: the row waits for the next sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from briefing.errors import ConfigError

if TYPE_CHECKING:
    from celery import Celery

    from briefing.service import Service
    from briefing.settings import Settings

log = logging.getLogger(__name__)

BRIEF, DIGEST, POLL_FEED, DELIVER = (
    "briefing.brief",
    "briefing.digest",
    "briefing.poll_feed",
    "briefing.deliver",
)
QUEUE = "briefing"
_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def broker_url(settings: Settings) -> str:
    url = settings.broker_url or settings.redis_url
    if not url:
        raise ConfigError(
            "BRIEFING_QUEUE=celery needs a broker: set BRIEFING_BROKER_URL (redis://… or "
            "amqp://…) or BRIEFING_REDIS_URL"
        )
    return url


@lru_cache(maxsize=4)
def celery_app(url: str, visibility_timeout_s: int) -> Celery:
    """The Celery application for a broker; its tasks are registered on it."""
    from celery import Celery

    app = Celery("briefing", broker=url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged when done, not when taken
        task_reject_on_worker_lost=True,  # a worker process killed mid-task: back to the queue
        task_ignore_result=True,  # outcomes live in the database rows
        task_default_queue=QUEUE,
        worker_prefetch_multiplier=1,  # a worker holds only what it runs
        broker_transport_options={"visibility_timeout": visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    _register(app)
    return app


def app_for(settings: Settings) -> Celery:
    return celery_app(broker_url(settings), settings.broker_visibility_timeout_s)


def send(settings: Settings, task: str, *args: Any) -> bool:
    """Send a task; False (logged) when the broker cannot take it: the row stays queued and
    the next sweep sends it again, so nothing accepted is lost."""
    try:
        app_for(settings).send_task(task, args=args, queue=QUEUE, retry=True, retry_policy=_RETRY)
        return True
    except ConfigError:
        raise
    except Exception as exc:  # kombu's connection errors vary with the transport
        log.warning("could not send %s%s to the broker (%s); the sweep resends it", task, args, exc)
        return False


def ping_broker(settings: Settings) -> None:
    """Raise unless the broker takes a connection within about two seconds."""
    with app_for(settings).connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)


# -- in the worker ---------------------------------------------------------------------------

_lock = threading.Lock()
_service: Service | None = None


def worker_service() -> Service:
    """This worker process's service: built on its first task (after the fork), with the
    lease heartbeats running and no threads of its own taking work."""
    global _service
    with _lock:
        if _service is None:
            from briefing.service import Service
            from briefing.settings import get_settings

            service = Service(get_settings().model_copy(update={"scheduler_enabled": False}))
            service.runner.start_heartbeat()
            service.digest_runner.start_heartbeat()
            _service = service
        return _service


def _register(app: Celery) -> None:
    @app.task(name=BRIEF)
    def brief(job_id: str) -> bool:
        return worker_service().runner.run_one(job_id)

    @app.task(name=DIGEST)
    def digest(digest_id: str) -> bool:
        return worker_service().digest_runner.run_one(digest_id)

    @app.task(name=POLL_FEED)
    def poll_feed(feed_id: str, claimed_at: str) -> int:
        """Poll a feed whose poll a scheduler claimed (one claim per feed and interval);
        returns the reports it stored."""
        from briefing.feeds.poll import poll_feed as poll
        from briefing.store import feeds as feed_store

        service = worker_service()
        row = feed_store.get_feed(service.db, feed_id)
        if row is None:
            return 0
        when = dt.datetime.fromisoformat(claimed_at)
        return poll(service.db, service.settings, row, when).stored

    @app.task(name=DELIVER)
    def deliver() -> int:
        """Send every delivery that is due (each claimed by compare-and-set)."""
        runner = worker_service().delivery_runner
        sent = 0
        while runner.step():
            sent += 1
        return sent


class Sweeper:
    """Requeue abandoned rows, resend lost tasks, send due deliveries (and requeue those whose
    sender died mid-send), every BRIEFING_SWEEP_S seconds: ``briefing sweep``, which each
    ``briefing worker`` starts as a process of its own (see :func:`spawn_sweeper`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Any = None
        self._sent: dict[str, dt.datetime] = {}  # row id: when this sweep last sent its task

    def run(self, stop: threading.Event) -> None:
        """Sweep every BRIEFING_SWEEP_S until ``stop`` is set."""
        while not stop.wait(self.settings.sweep_s):
            try:
                self.sweep()
            except Exception:  # a database or broker hiccup: the next sweep tries again
                log.exception("sweep failed; trying again")
        if self._db is not None:
            self._db.dispose()

    def sweep(self, now: dt.datetime | None = None) -> dict[str, int]:
        from briefing.store import Database, queue
        from briefing.store import deliveries as delivery_store
        from briefing.store.models import DigestRow, JobRow

        if self._db is None:
            self._db = Database(self.settings.database_url)
        db, settings = self._db, self.settings
        now = now or dt.datetime.now(dt.UTC)
        done = {"requeued": 0, "given_up": 0, "resent": 0, "deliveries": 0}
        stale = now - dt.timedelta(seconds=settings.job_lease_s)
        for model, task in ((JobRow, BRIEF), (DigestRow, DIGEST)):
            requeued, given_up = queue.requeue_abandoned(db, model, settings.job_max_attempts)
            done["requeued"] += requeued
            done["given_up"] += given_up
            for row_id in queue.queued_since(db, model, stale, limit=500):
                if self._sent.get(row_id, stale) <= stale:  # once a lease, not every sweep
                    done["resent"] += send(settings, task, row_id)
                    self._sent[row_id] = now
        self._sent = {k: v for k, v in self._sent.items() if v > stale}
        stalled = delivery_store.stalled_before(now, settings.delivery_timeout_s)
        done["requeued"] += delivery_store.requeue_stalled(db, stalled)
        if delivery_store.any_due(db, now):
            done["deliveries"] = int(send(settings, DELIVER))
        if done["requeued"] or done["given_up"] or done["resent"]:
            log.warning("sweep: %s", done)
        return done


def sweep_keeper(verbose: bool, every_s: float) -> type:
    """A Celery worker bootstep that runs this worker's ``briefing sweep`` child: started with
    the worker, checked every ``every_s`` seconds on the worker's own timer (the event loop of
    its main process: no thread of ours there, see :func:`spawn_sweeper`) and started again if
    it died, ended when the worker stops (SIGTERM, then SIGKILL after 10 s)."""
    from celery import bootsteps

    from briefing.lifetime import end_child

    class SweepKeeper(bootsteps.StartStopStep):  # type: ignore[misc]
        requires = ("celery.worker.components:Timer",)

        def __init__(self, parent: Any, **kwargs: Any) -> None:
            super().__init__(parent, **kwargs)
            self.child: subprocess.Popen[bytes] | None = None
            self.tref: Any = None

        def start(self, parent: Any) -> None:
            self.child = spawn_sweeper(verbose)
            self.tref = parent.timer.call_repeatedly(every_s, self.keep, priority=10)

        def keep(self) -> None:
            if self.child is not None and (code := self.child.poll()) is not None:
                log.warning("sweep process %s ended (%s); starting another", self.child.pid, code)
                self.child = spawn_sweeper(verbose)

        def stop(self, parent: Any) -> None:
            if self.tref is not None:
                self.tref.cancel()
                self.tref = None
            child, self.child = self.child, None
            if child is not None:
                end_child(child)

        terminate = stop

    return SweepKeeper


def spawn_sweeper(verbose: bool) -> subprocess.Popen[bytes]:
    """``briefing sweep`` as a child of this worker, killed when the worker dies.

    A process, not a thread of the worker: Celery's main process forks its pool processes
    whenever it starts or replaces one, and a thread of ours caught holding a lock at that
    moment (a module half imported, a connection pool's) leaves the new pool process
    waiting on that lock forever, taking tasks it never runs."""
    from briefing.lifetime import die_with_parent

    args = [sys.executable, "-m", "briefing.cli", *(["-v"] if verbose else []), "sweep"]
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
