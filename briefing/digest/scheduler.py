"""The scheduler: turns each due period of each digest schedule into one digest job, and
polls the feeds that are due (``poll_feeds``; a poll is claimed the same way, see
``briefing.store.feeds``).

Periods come from the schedule's cron expression read in its IANA timezone (croniter), so
07:00 Europe/Berlin stays 07:00 across daylight-saving changes. Every process may run a
scheduler against the same database: a period is claimed by inserting its (schedule, period)
row, and only the process whose insert wins queues the digest.

Catch-up policy (``BRIEFING_SCHEDULER_CATCH_UP``, default on): periods missed while no process
ran are claimed together at the next tick and run as one digest whose window reaches from the
window of the first missed period to the latest one, so no report is skipped and subscribers
get one delivery, not a burst. With catch-up off, missed periods are claimed and skipped; only
the latest period runs, with its normal window.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from croniter import croniter

from briefing.schemas.digest import Filters
from briefing.schemas.feed import PollResult
from briefing.store import digests as digest_store
from briefing.store import feeds as feed_store
from briefing.store import schedules as schedule_store
from briefing.store.models import ScheduleRow

if TYPE_CHECKING:
    from briefing.service import Service

log = logging.getLogger(__name__)
MAX_PERIODS = 1000  # periods looked at per schedule and tick (a minutely cron down for a day)


def periods_between(
    cron: str, timezone: str, after: dt.datetime, until: dt.datetime
) -> list[dt.datetime]:
    """The cron's fire times in (after, until], as UTC datetimes."""
    zone = ZoneInfo(timezone)
    it = croniter(cron, after.astimezone(zone))
    out: list[dt.datetime] = []
    while len(out) < MAX_PERIODS:
        nxt: dt.datetime = it.get_next(dt.datetime)
        if nxt.astimezone(dt.UTC) > until:
            break
        out.append(nxt.astimezone(dt.UTC))
    return out


def next_period(cron: str, timezone: str, after: dt.datetime) -> dt.datetime:
    zone = ZoneInfo(timezone)
    nxt: dt.datetime = croniter(cron, after.astimezone(zone)).get_next(dt.datetime)
    return nxt.astimezone(dt.UTC)


class Scheduler:
    """Looks for due periods every ``poll_s`` seconds; ``tick(now)`` does one look (tests drive
    it with their own clock)."""

    def __init__(
        self,
        service: Service,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        poll_s: float = 15.0,
        catch_up: bool = True,
        name: str | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.poll_s = poll_s
        self.catch_up = catch_up
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="digest-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
                self.poll_feeds()
            except Exception:  # a database hiccup must not end the scheduler
                log.exception("scheduler tick failed; trying again")
            self._stop.wait(self.poll_s)

    def poll_feeds(self, now: dt.datetime | None = None) -> list[PollResult]:
        """Poll every feed that is due and whose poll this process wins (one poll per feed
        and interval across processes); returns what each poll did."""
        from briefing.feeds.poll import poll_feed

        now = now or self.clock()
        done = []
        for row in feed_store.due_feeds(self.service.db, now):
            if self._stop.is_set():
                break
            if not feed_store.claim_poll(self.service.db, row, now):
                continue
            if self.service.on_celery:  # a worker polls it
                from briefing.tasks import POLL_FEED, send

                send(self.service.settings, POLL_FEED, row.id, now.isoformat())
            else:
                done.append(poll_feed(self.service.db, self.service.settings, row, now))
        return done

    def tick(self, now: dt.datetime | None = None) -> list[str]:
        """Queue a digest for every schedule with a due period this process wins; returns
        the ids of the digests it queued."""
        now = now or self.clock()
        queued = []
        for row in schedule_store.list_schedules(self.service.db, enabled_only=True):
            digest_id = self._run_due(row, now)
            if digest_id:
                queued.append(digest_id)
        self.service.wake_digests(queued)
        return queued

    def _run_due(self, row: ScheduleRow, now: dt.datetime) -> str | None:
        db = self.service.db
        after = schedule_store.last_period(db, row.id) or row.created_at
        due = periods_between(row.cron, row.timezone, after, now)
        if not due:
            return None
        latest = due[-1]
        for missed in due[:-1]:  # claimed so that no process runs them on their own
            schedule_store.claim_period(db, row.id, missed, self.name)
        if not schedule_store.claim_period(db, row.id, latest, self.name):
            return None
        window = dt.timedelta(hours=row.window_hours)
        since = (due[0] if self.catch_up else latest) - window
        if len(due) > 1:
            log.warning(
                "schedule %s: %d period(s) missed; %s",
                row.id,
                len(due) - 1,
                "caught up in one digest" if self.catch_up else "skipped (catch-up off)",
            )
        digest = digest_store.create_digest(
            db,
            since=since,
            until=latest,
            filters=Filters.model_validate(row.filters or {}),
            schedule_id=row.id,
            period=latest,
        )
        schedule_store.link_period(db, row.id, latest, digest.id)
        log.info(
            "schedule %s: period %s queued as digest %s", row.id, latest.isoformat(), digest.id
        )
        return digest.id
