"""The service behind the HTTP API: storage, caches, the brief chain and the job runner."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache, TTLCache

from briefing.cache import KVLLMCache, brief_cache_key, make_kv
from briefing.chains.brief import BriefChain
from briefing.chat.actions import ActionRunner
from briefing.chat.answer import Answer, Answerer
from briefing.digest.inputs import DigestItem
from briefing.digest.jobs import DeliveryRunner, DigestRunner
from briefing.digest.scheduler import Scheduler, next_period
from briefing.errors import InputError, NotFoundError, ServiceBusyError
from briefing.llm.backend import Backend
from briefing.metrics import CACHE_LOOKUPS
from briefing.schemas.brief import SCHEMA_VERSION, Brief
from briefing.schemas.chat import ChatMessage, ChatScope, ChatSessionIn
from briefing.schemas.digest import Digest, Filters
from briefing.schemas.feed import FeedIn, FeedUpdate, PollResult
from briefing.schemas.report import Report
from briefing.schemas.schedule import DigestRequest, ScheduleIn, ScheduleUpdate, Target
from briefing.settings import QueueKind, Settings
from briefing.store import Database
from briefing.store import chats as chat_store
from briefing.store import deliveries as delivery_store
from briefing.store import digests as digest_store
from briefing.store import feeds as feed_store
from briefing.store import jobs as job_store
from briefing.store import schedules as schedule_store
from briefing.store.audit import AuditLog
from briefing.store.models import (
    ChatSessionRow,
    ChatTurnRow,
    DeliveryAttemptRow,
    DeliveryRow,
    DigestRow,
    FeedErrorRow,
    FeedItemRow,
    FeedRow,
    JobRow,
    ReportRow,
    ScheduleRow,
)
from briefing.store.passages import Scope, query_terms
from briefing.store.passages import search as search_passages
from briefing.store.reports import add_report, get_brief, get_report, report_of, save_brief
from briefing.tasks import BRIEF, DELIVER, DIGEST, broker_url, send
from briefing.version import code_version
from briefing.worker import JobRunner

if TYPE_CHECKING:
    from briefing.digest.pipeline import DigestBuilder

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
        self.audit = AuditLog(self.db)
        self.digest_runner = DigestRunner(self)
        self.delivery_runner = DeliveryRunner(self)
        self.scheduler: Scheduler | None = (
            Scheduler(self, poll_s=settings.scheduler_poll_s, catch_up=settings.scheduler_catch_up)
            if settings.scheduler_enabled
            else None
        )
        self._digest_builders: dict[bool, DigestBuilder] = {}
        self._answerer: Answerer | None = None
        self._code_briefs: LRUCache[str, Brief] = LRUCache(maxsize=256)
        # In-process layer in front of the shared caches, for the hot read path: reports and
        # briefs never change once stored, so only TTLs and prompt versions can end an entry.
        self._memory_lock = threading.Lock()
        self._hot: TTLCache[str, CachedBrief] = TTLCache(
            maxsize=512, ttl=min(settings.cache_ttl_s, 300)
        )
        self._bodies: LRUCache[str, str] = LRUCache(maxsize=256)
        self._keys: LRUCache[tuple[Any, ...], str] = LRUCache(maxsize=4096)

    @property
    def on_celery(self) -> bool:
        """Work runs in Celery workers (``briefing worker``), not in this process."""
        return self.settings.queue is QueueKind.CELERY

    def start(self) -> None:
        self.audit.start()
        if self.on_celery:
            broker_url(self.settings)  # no broker configured: fail at start, not on a request
        else:
            self.runner.start()
            self.digest_runner.start()
            self.delivery_runner.start()
        if self.scheduler is not None:
            self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.delivery_runner.stop()
        self.digest_runner.stop()
        self.runner.stop()
        self.audit.stop()
        self.db.dispose()

    # -- reports ------------------------------------------------------------------------

    def add_report(self, report: Report) -> tuple[str, bool]:
        row, created = add_report(self.db, report)
        return row.id, created

    # -- chat ---------------------------------------------------------------------------

    def answer(
        self,
        messages: Sequence[ChatMessage],
        scope: ChatScope,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str | Answer]:
        """The answer to the conversation's last question from the stored reports: checked
        sentences as they come, then the finished ``Answer`` (citations, usage)."""
        if self._answerer is None:
            actions = ActionRunner(
                report=self._report_words,
                brief_of=self._brief_of,
                reports_naming=self._reports_naming,
                digest_of=self._topic_digest,
            )
            self._answerer = Answerer(self.db, self.chain, brief_of=self._brief_of, actions=actions)
        return self._answerer.stream(
            messages,
            Scope(
                report_ids=tuple(scope.report_ids),
                tags=tuple(scope.tags),
                sources=tuple(scope.sources),
                since=scope.since,
                until=scope.until,
            ),
            max_tokens=max_tokens,
            temperature=temperature,
        )

    def create_chat_session(self, spec: ChatSessionIn, api_key_id: str | None) -> ChatSessionRow:
        scope = spec.briefing.model_dump(mode="json", exclude={"session_id"})
        return chat_store.create_session(self.db, spec.title, scope, api_key_id)

    def chat_session(self, session_id: str, api_key_id: str | None) -> ChatSessionRow:
        row = chat_store.get_session(self.db, session_id, api_key_id)
        if row is None:
            raise NotFoundError(f"no chat session with id {session_id}", field="session_id")
        return row

    def chat_sessions(
        self, api_key_id: str | None, *, limit: int, offset: int
    ) -> list[ChatSessionRow]:
        return chat_store.list_sessions(self.db, api_key_id, limit=limit, offset=offset)

    def chat_turns(self, session_id: str) -> list[ChatTurnRow]:
        return chat_store.turns(self.db, session_id)

    def delete_chat_session(self, session_id: str, api_key_id: str | None) -> None:
        self.chat_session(session_id, api_key_id)
        chat_store.delete_session(self.db, session_id)

    def record_chat(self, session_id: str, question: str, answer: Answer) -> None:
        cites = [c.model_dump(mode="json") for c in answer.provenance.citations]
        chat_store.add_turns(
            self.db,
            session_id,
            [("user", question, []), ("assistant", answer.content, cites)],
        )

    def _report_words(
        self, report_id: str
    ) -> tuple[str, str | None, str | None, dt.date | None] | None:
        row = get_report(self.db, report_id)
        return None if row is None else (row.text, row.title, row.source, row.published)

    def _reports_naming(self, words: Sequence[str]) -> list[str]:
        """Stored reports whose passages carry these words, best match first."""
        # Only report ids are used (their briefs keep injections out): no injection check.
        terms = query_terms(" ".join(words))
        hits = search_passages(self.db, terms, Scope(), limit=100, check=False)
        return list(dict.fromkeys(h.report_id for h in hits))

    def _topic_digest(self, topic: str, since: dt.datetime) -> Digest:
        """A code-only digest of the reports about ``topic`` from ``since`` to now."""
        until = dt.datetime.now(dt.UTC)
        filters = Filters(query=topic)
        items = [
            self._digest_item(row, use_model=False)
            for row in digest_store.reports_in_window(self.db, since, until, filters)
        ]
        return self._builder(False).build(items, since=since, until=until, filters=filters)

    def _brief_of(self, report_id: str) -> Brief | None:
        """A stored report's brief for chat's attributions: the cached brief (the model's),
        else the code-only brief (the analysis pass and rule grades, made in milliseconds and
        kept in memory)."""
        hot = self.cached_for_report(report_id)
        if hot is not None:
            return Brief.model_validate_json(hot.body)
        with self._memory_lock:
            made = self._code_briefs.get(report_id)
        if made is None:
            row = get_report(self.db, report_id)
            if row is None:
                return None
            made = self.chain.run(report_of(row), use_model=False)
            with self._memory_lock:
                self._code_briefs[report_id] = made
        return made

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
                "code": code_version(),
                # Only when given, so that the keys of other briefs stay as they were.
                **(
                    {"publisher_grade": report.source_reliability.value}
                    if report.source_reliability
                    else {}
                ),
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

    def _memo_key(self, report_id: str) -> tuple[Any, ...]:
        """What a report's cache key is remembered under: the report and what may change
        in a running process (prompts reloaded; code in tests)."""
        return (report_id, tuple(sorted(self.chain.prompt_versions.items())), code_version())

    def known_cache_key(self, report_id: str) -> str | None:
        """The cache key of a report already seen by this process (no database access)."""
        with self._memory_lock:
            return self._keys.get(self._memo_key(report_id))

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
            self._keys[self._memo_key(report_id)] = key
        if use_cache:
            hit = self.cached(key)
            if hit is not None:
                return hit
        active = job_store.find_active(self.db, key)
        if active is not None:  # the same work is queued or running: join it
            return active
        if job_store.count_queued(self.db) >= self.settings.job_queue_max:
            raise ServiceBusyError(
                f"{self.settings.job_queue_max} jobs are already queued; try again later",
                retry_after_s=30,
            )
        share = self.settings.job_queue_per_key
        if api_key_id is not None and job_store.count_queued_for(self.db, api_key_id) >= share:
            raise ServiceBusyError(
                f"this API key already has {share} jobs queued (BRIEFING_JOB_QUEUE_PER_KEY); "
                "try again when they finish",
                retry_after_s=30,
            )
        job, created = job_store.create_job(
            self.db, report_id, key, api_key_id, use_cache=use_cache
        )
        if created:
            self._dispatch(BRIEF, job.id)
        return job

    def job(self, job_id: str) -> JobRow:
        job = job_store.get_job(self.db, job_id)
        if job is None:
            raise NotFoundError(f"no job with id {job_id}")
        return job

    # -- digests ------------------------------------------------------------------------

    def _dispatch(self, task: str, *args: str) -> None:
        """Hand queued work to whoever runs it: a Celery task naming its row, or a wake-up
        of this process's runner threads."""
        if self.on_celery:
            send(self.settings, task, *args)
            return
        if task == BRIEF:
            self.runner.wake()
        elif task == DIGEST:
            self.digest_runner.wake()
        else:
            self.delivery_runner.wake()

    def wake_digests(self, digest_ids: Sequence[str]) -> None:
        for digest_id in digest_ids:
            self._dispatch(DIGEST, digest_id)

    def request_digest(self, request: DigestRequest, api_key_id: str | None = None) -> DigestRow:
        """Queue a digest job (written before any work starts)."""
        now = dt.datetime.now(dt.UTC)
        schedule = None
        if request.schedule_id:
            schedule = self.schedule(request.schedule_id)
        until = request.until or now
        hours = schedule.window_hours if schedule else 24
        since = request.since or until - dt.timedelta(hours=hours)
        if since >= until:
            raise InputError("since must be before until", field="since")
        filters = request.filters
        if schedule is not None and filters == Filters():
            filters = Filters.model_validate(schedule.filters or {})
        if digest_store.count_queued_digests(self.db) >= self.settings.job_queue_max:
            raise ServiceBusyError("too many digests are queued; try again later", retry_after_s=30)
        row = digest_store.create_digest(
            self.db,
            since=since,
            until=until,
            filters=filters,
            schedule_id=schedule.id if schedule else None,
            use_model=request.use_model,
            api_key_id=api_key_id,
        )
        self.wake_digests([row.id])
        return row

    def digest_row(self, digest_id: str) -> DigestRow:
        row = digest_store.get_digest(self.db, digest_id)
        if row is None:
            raise NotFoundError(f"no digest with id {digest_id}")
        return row

    def digest(self, digest_id: str) -> Digest:
        row = self.digest_row(digest_id)
        if row.body is None:
            raise NotFoundError(f"digest {digest_id} is not ready (status {row.status})")
        return Digest.model_validate_json(row.body)

    def digests(
        self, *, schedule_id: str | None, on: dt.date | None, limit: int, offset: int
    ) -> list[DigestRow]:
        return digest_store.list_digests(
            self.db, schedule_id=schedule_id, on=on, limit=limit, offset=offset
        )

    def digest_url(self, digest_id: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}/v1/digests/{digest_id}"

    def deliveries(self, digest_id: str) -> list[tuple[DeliveryRow, list[DeliveryAttemptRow]]]:
        self.digest_row(digest_id)
        return delivery_store.deliveries_of(self.db, digest_id)

    def _builder(self, use_model: bool) -> DigestBuilder:
        from briefing.digest.make import digest_builder

        if use_model not in self._digest_builders:
            self._digest_builders[use_model] = digest_builder(self.chain, use_model=use_model)
        return self._digest_builders[use_model]

    def _digest_item(self, row: ReportRow, *, use_model: bool) -> DigestItem:
        made, brief_id, reused = self.brief_for(row, use_model=use_model)
        return DigestItem(
            id=row.id,
            report=report_of(row),
            brief=made,
            received=row.created_at,
            brief_id=brief_id,
            reused=reused,
        )

    def brief_for(self, row: ReportRow, *, use_model: bool) -> tuple[Brief, str | None, bool]:
        """A report's brief for a digest: the cached one when there is one (reused, never
        recomputed), else made now and stored like a brief job's. Returns (brief, id, reused)."""
        report = report_of(row)
        if use_model:
            key = self.cache_key(report)
            hit = self.cached(key)
            if hit is not None:
                return Brief.model_validate_json(hit.body), hit.brief_id, True
            made, brief_id = self.make_brief(row.id, report, key)
            return made, brief_id, False
        return self.chain.run(report, use_model=False), None, False

    def make_brief(
        self, report_id: str, report: Report, cache_key: str, *, use_llm_cache: bool = True
    ) -> tuple[Brief, str]:
        """Brief a stored report now, store the brief and cache it (a degraded brief is stored
        but not cached: a timed-out model may answer next time). Brief jobs and digests both
        make briefs this way. Returns (brief, brief id)."""
        made = self.chain.run(report, use_llm_cache=use_llm_cache)
        body = made.model_dump_json()
        saved = save_brief(self.db, report_id, cache_key, body)
        if not made.quality.degraded:
            self.remember(cache_key, saved.id, body)
        return made, saved.id

    def build_digest(self, row: DigestRow) -> Digest:
        """The work of one digest job."""
        filters = Filters.model_validate(row.filters or {})
        last = 0.0

        def progress(message: str, *, force: bool = False) -> None:
            nonlocal last
            if force or time.monotonic() - last >= 1.0:  # at most one write a second
                last = time.monotonic()
                digest_store.set_progress(self.db, row.id, message)

        items: list[DigestItem] = []
        for report_row in digest_store.reports_in_window(self.db, row.since, row.until, filters):
            progress(f"briefing report {len(items) + 1} (cached briefs are reused)")
            items.append(self._digest_item(report_row, use_model=row.use_model))
        previous = None
        if row.schedule_id:
            before = digest_store.previous_digest(self.db, row.schedule_id, row)
            if before is not None and before.body:
                previous = Digest.model_validate_json(before.body).model_copy(
                    update={"id": before.id}
                )
        progress(f"{len(items)} report(s) briefed; clustering and writing events", force=True)
        return self._builder(row.use_model).build(
            items,
            since=row.since,
            until=row.until,
            filters=filters,
            previous=previous,
            digest_id=row.id,
            schedule_id=row.schedule_id,
        )

    def queue_deliveries(self, row: DigestRow, digest: Digest) -> None:
        if not row.deliver or row.schedule_id is None:
            return
        schedule = schedule_store.get_schedule(self.db, row.schedule_id)
        if schedule is None or not schedule.targets:
            return
        if digest.empty and not schedule.deliver_empty:
            return
        delivery_store.create_deliveries(self.db, row.id, schedule.id, list(schedule.targets))
        self._dispatch(DELIVER)

    # -- feeds --------------------------------------------------------------------------

    def create_feed(self, spec: FeedIn, api_key_id: str | None = None) -> FeedRow:
        from briefing.feeds.poll import check_feed

        check_feed(self.settings, url=spec.url, interval_s=spec.interval_s)
        return feed_store.create_feed(self.db, spec, api_key_id)

    def feed(self, feed_id: str) -> FeedRow:
        row = feed_store.get_feed(self.db, feed_id)
        if row is None:
            raise NotFoundError(f"no feed with id {feed_id}")
        return row

    def feeds(self) -> list[FeedRow]:
        return feed_store.list_feeds(self.db)

    def update_feed(self, feed_id: str, change: FeedUpdate) -> FeedRow:
        from briefing.feeds.poll import check_feed

        check_feed(self.settings, url=change.url, interval_s=change.interval_s)
        row = feed_store.update_feed(self.db, feed_id, change)
        if row is None:
            raise NotFoundError(f"no feed with id {feed_id}")
        return row

    def delete_feed(self, feed_id: str) -> None:
        if not feed_store.delete_feed(self.db, feed_id):
            raise NotFoundError(f"no feed with id {feed_id}")

    def poll_feed(self, feed_id: str) -> PollResult:
        """Poll a feed now, whatever its schedule (the scheduler polls due feeds itself)."""
        from briefing.feeds.poll import poll_feed

        return poll_feed(self.db, self.settings, self.feed(feed_id))

    def feed_items(self, feed_id: str, limit: int = 100, offset: int = 0) -> list[FeedItemRow]:
        self.feed(feed_id)
        return feed_store.items(self.db, feed_id, limit, offset)

    def feed_errors(self, feed_id: str, limit: int = 50) -> list[FeedErrorRow]:
        self.feed(feed_id)
        return feed_store.errors(self.db, feed_id, limit)

    def report_from_url(self, url: str, **meta: Any) -> Report:
        """A web page fetched (with the feeds' safety limits) and extracted as a report."""
        from briefing.feeds.poll import fetch_page

        return fetch_page(url, self.settings, **meta).report

    # -- schedules ----------------------------------------------------------------------

    def create_schedule(self, spec: ScheduleIn, api_key_id: str | None = None) -> ScheduleRow:
        self._check_targets(spec.targets)
        return schedule_store.create_schedule(self.db, spec, api_key_id)

    def schedule(self, schedule_id: str) -> ScheduleRow:
        row = schedule_store.get_schedule(self.db, schedule_id)
        if row is None:
            raise NotFoundError(f"no digest schedule with id {schedule_id}")
        return row

    def schedules(self) -> list[ScheduleRow]:
        return schedule_store.list_schedules(self.db)

    def update_schedule(self, schedule_id: str, change: ScheduleUpdate) -> ScheduleRow:
        if change.targets is not None:
            self._check_targets(change.targets)
        row = schedule_store.update_schedule(self.db, schedule_id, change)
        if row is None:
            raise NotFoundError(f"no digest schedule with id {schedule_id}")
        return row

    def delete_schedule(self, schedule_id: str) -> None:
        if not schedule_store.delete_schedule(self.db, schedule_id):
            raise NotFoundError(f"no digest schedule with id {schedule_id}")

    def schedule_secret(self, schedule_id: str | None) -> str:
        if schedule_id is None:
            raise NotFoundError("this digest has no schedule, so no signing secret")
        return self.schedule(schedule_id).secret

    def next_run(self, row: ScheduleRow) -> dt.datetime | None:
        if not row.enabled:
            return None
        after = schedule_store.last_period(self.db, row.id) or row.created_at
        return next_period(row.cron, row.timezone, max(after, dt.datetime.now(dt.UTC)))

    def last_period(self, row: ScheduleRow) -> dt.datetime | None:
        return schedule_store.last_period(self.db, row.id)

    def _check_targets(self, targets: list[Target]) -> None:
        if any(t.kind.value == "email" for t in targets) and not self.settings.smtp_host:
            raise InputError(
                "an email target needs an SMTP server (BRIEFING_SMTP_HOST)", field="targets"
            )

    def schedule_feed(self, schedule_id: str, entries: int = 20) -> bytes:
        """The Atom feed of a schedule's newest digests."""
        from briefing.digest.publish import atom_feed

        row = self.schedule(schedule_id)
        done = [
            d
            for d in digest_store.list_digests(self.db, schedule_id=row.id, limit=entries * 2)
            if d.status == digest_store.SUCCEEDED and d.body
        ][:entries]
        base = self.settings.public_url.rstrip("/")
        return atom_feed(
            feed_id=f"urn:briefing:digest-schedule:{row.id}",
            title=f"briefing: {row.name}",
            link=f"{base}/v1/digest-schedules/{row.id}/feed.atom",
            entries=[
                (d.id, Digest.model_validate_json(d.body or ""), self.digest_url(d.id))
                for d in done
            ],
        )
