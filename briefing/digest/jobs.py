"""Digest jobs and deliveries, run by threads of the service process.

Digests are rows first (queued by ``POST /v1/digests`` or the scheduler) and work second, as
brief jobs are: a digest left running by a dead process is queued again on start. Deliveries
are rows too; a failed attempt is recorded and retried with exponential backoff and jitter
until it succeeds or runs out of attempts (``BRIEFING_DELIVERY_MAX_ATTEMPTS``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from briefing.digest.publish import (
    DeliveryFailed,
    send_email,
    send_slack,
    send_webhook,
    slack_body,
    webhook_body,
    write_folder,
)
from briefing.errors import BriefingError
from briefing.schemas.digest import Digest
from briefing.schemas.schedule import Target, TargetKind
from briefing.store import deliveries as delivery_store
from briefing.store import digests as digest_store
from briefing.store import queue
from briefing.store.models import DeliveryRow, DigestRow
from briefing.worker import Abandoned, failure, record, retry_in_place

if TYPE_CHECKING:
    from briefing.service import Service

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 3600.0


class _Loop:
    """A daemon thread that runs ``step`` until it finds nothing, then waits to be woken."""

    name = "loop"

    def __init__(self, poll_s: float) -> None:
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def step(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.step()
            except Exception:
                log.exception("%s: step failed; retrying", self.name)
                worked = False
            if not worked:
                with self._wake:
                    self._wake.wait(self.poll_s)


class DigestRunner(_Loop):
    name = "digest-worker"

    def __init__(self, service: Service, poll_s: float = 1.0) -> None:
        super().__init__(poll_s)
        self.service = service
        self.owner = queue.owner_name(self)
        self.lease_s = service.settings.job_lease_s
        self._current: str | None = None
        self._beat: threading.Thread | None = None

    def start(self) -> None:
        self.recover()
        super().start()
        self.start_heartbeat()

    def start_heartbeat(self) -> None:
        """Renew the lease of the digest being made here (alone: in a Celery worker)."""
        self._beat = threading.Thread(target=self._heartbeat, name="digest-heartbeat", daemon=True)
        self._beat.start()

    def run_one(self, digest_id: str) -> bool:
        """Make the digest ``digest_id`` if it is queued (claimed by compare-and-set: a
        redelivered task makes nothing twice). Returns whether it ran here."""
        self.recover()
        return self._run_claimed(
            digest_store.claim_digest(self.service.db, digest_id, self.owner, self.lease_s)
        )

    def recover(self) -> None:
        requeued, failed = digest_store.requeue_abandoned_digests(
            self.service.db, self.service.settings.job_max_attempts
        )
        if requeued:
            log.warning("resuming %d digest(s) whose process died or hung", requeued)
            self.wake()
        if failed:
            log.error("gave up %d digest(s) interrupted too many times", failed)

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                current = self._current
                queue.renew(
                    self.service.db,
                    DigestRow,
                    self.owner,
                    [current] if current else [],
                    self.lease_s,
                )
                self.recover()
            except Exception:
                log.exception("digest heartbeat failed; trying again")

    def step(self) -> bool:
        return self._run_claimed(
            digest_store.claim_next_digest(self.service.db, self.owner, self.lease_s)
        )

    def _run_claimed(self, row: DigestRow | None) -> bool:
        if row is None:
            return False
        self._current = row.id  # the heartbeat renews its lease
        try:
            return self._run(row)
        finally:
            self._current = None

    def _run(self, row: DigestRow) -> bool:
        db = self.service.db
        try:
            try:
                digest = retry_in_place(
                    lambda: self.service.build_digest(row),
                    what=f"digest {row.id}",
                    attempts=row.attempts,
                    settings=self.service.settings,
                    stop=self._stop,
                    bump=lambda: queue.bump(db, DigestRow, row.id, self.owner, self.lease_s),
                )
            except Abandoned:
                return True  # stopping (resumed after restart) or its lease was lost
        except Exception as exc:
            error = failure(exc, f"digest {row.id}")
            record(
                lambda: digest_store.finish_digest(db, row.id, error=error, owner=self.owner),
                f"digest {row.id}",
            )
        else:
            # Outside the handlers above: a digest that was made never fails because the
            # database dropped the connection that records it.
            record(
                lambda: digest_store.finish_digest(
                    db,
                    row.id,
                    body=digest.model_dump_json(),
                    empty=digest.empty,
                    events=len(digest.events),
                    owner=self.owner,
                ),
                f"digest {row.id}",
            )
            log.info("digest %s: %d event(s)", row.id, len(digest.events))
            self.service.queue_deliveries(row, digest)
        return True


def backoff_s(attempt: int, base_s: float, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, times 0.5-1.0."""
    delay = min(base_s * 2 ** (attempt - 1), MAX_BACKOFF_S)
    return float(delay * (0.5 + rng() / 2))


class DeliveryRunner(_Loop):
    name = "digest-delivery"

    def __init__(self, service: Service, poll_s: float = 1.0) -> None:
        super().__init__(min(poll_s, service.settings.delivery_backoff_s))
        self.service = service
        self._next_stall_check = 0.0  # time.monotonic() of the next stalled-send check

    def requeue_stalled(self, now: dt.datetime) -> int:
        """Sends whose sender died (this process before a restart, or another replica) go
        back to pending once they are older than any live send can be; checked at start and
        every 30 s. A send in flight in another replica is left alone."""
        before = delivery_store.stalled_before(now, self.service.settings.delivery_timeout_s)
        requeued = delivery_store.requeue_stalled(self.service.db, before)
        if requeued:
            log.warning("%d stalled delivery(ies) requeued (their sender died)", requeued)
        self._next_stall_check = time.monotonic() + 30.0
        return requeued

    def step(self) -> bool:
        db = self.service.db
        settings = self.service.settings
        now = dt.datetime.now(dt.UTC)
        if time.monotonic() >= self._next_stall_check:
            self.requeue_stalled(now)
        delivery = delivery_store.claim_due(db, now)
        if delivery is None:
            return False
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            status = self.send(delivery)
        except DeliveryFailed as exc:
            status, error = exc.status_code, str(exc)
        except BriefingError as exc:
            error = exc.message
        ok = error is None
        retry_at = None
        if not ok and delivery.attempts < settings.delivery_max_attempts:
            wait = backoff_s(delivery.attempts, settings.delivery_backoff_s)
            retry_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
        delivery_store.record_attempt(
            db,
            delivery,
            ok=ok,
            status_code=status,
            error=error,
            duration_ms=(time.perf_counter() - started) * 1000,
            retry_at=retry_at,
        )
        target = Target.model_validate(delivery.target)
        if ok:
            log.info(
                "delivery %s to %s: done (attempt %d)",
                delivery.id,
                target.describe(),
                delivery.attempts,
            )
        else:
            log.warning(
                "delivery %s to %s: attempt %d failed (%s)%s",
                delivery.id,
                target.describe(),
                delivery.attempts,
                error,
                f"; retry at {retry_at:%H:%M:%S}" if retry_at else "; giving up",
            )
        return True

    def send(self, delivery: DeliveryRow) -> int | None:
        service = self.service
        settings = service.settings
        target = Target.model_validate(delivery.target)
        digest = service.digest(delivery.digest_id)
        link = service.digest_url(delivery.digest_id)
        timeout = settings.delivery_timeout_s
        if target.kind is TargetKind.WEBHOOK:
            assert target.url is not None
            secret = service.schedule_secret(delivery.schedule_id)
            return send_webhook(
                target.url,
                webhook_body(digest, link),
                secret=secret,
                message_id=delivery.message_id,
                timeout_s=timeout,
            )
        if target.kind is TargetKind.SLACK:
            assert target.url is not None
            return send_slack(target.url, slack_body(digest, link), timeout_s=timeout)
        if target.kind is TargetKind.EMAIL:
            if not settings.smtp_host:
                raise DeliveryFailed("no SMTP server configured (BRIEFING_SMTP_HOST)")
            send_email(
                digest,
                target.to,
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_from,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
                starttls=settings.smtp_starttls,
                timeout_s=timeout,
            )
            return None
        assert target.folder is not None
        write_folder(digest, settings.digest_dir / target.folder, name=_file_name(digest, delivery))
        return None


def _file_name(digest: Digest, delivery: DeliveryRow) -> str:
    return f"digest-{digest.window.until:%Y%m%dT%H%M%SZ}-{delivery.digest_id[:8]}"
