"""Polling a feed: its new entries fetched, extracted and stored as reports, once.

For each entry not seen before (by the feed's guid): the same canonical URL already stored
(by any feed) links the entry to that report; else the page is fetched and its main text
extracted (``trafilatura``; the feed's summary when the page cannot be fetched or holds no
article), and stored exactly as ``POST /v1/reports`` stores a report (the same text twice is
one report). A text that is the same story as a report stored from a feed in the last days
(MinHash, the digest's near-duplicate test) is stored, but linked to it as a near-duplicate,
so that corroboration never counts it twice. Every failure goes to the feed's error log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from briefing.errors import BriefingError, FetchError, InputError
from briefing.feeds.fetch import fetch
from briefing.feeds.parse import Entry, article, canonical_url, entries
from briefing.ingest import load_report
from briefing.schemas.feed import PollResult
from briefing.schemas.report import Report
from briefing.schemas.scales import Reliability
from briefing.settings import Settings
from briefing.store import feeds as feed_store
from briefing.store.db import Database
from briefing.store.models import FeedRow, utcnow
from briefing.store.reports import add_report, get_report

log = logging.getLogger(__name__)
NEAR_DUPLICATE_DAYS = 3
MAX_ENTRIES = 200  # entries looked at per poll (a feed dumping its archive is cut)
_FEED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"


@dataclass(frozen=True)
class Page:
    """A fetched article: its report, and the URL it settled on (redirects, rel=canonical)."""

    report: Report
    canonical: str


def fetch_page(
    url: str,
    settings: Settings,
    *,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | None = None,
    tags: list[str] | None = None,
) -> Page:
    """A web page as a report: its main text, with the page's own title, site name and date
    unless the caller gives them. InputError when the page holds no article text."""
    got = fetch(url, settings, accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
    found = article(got.body, got.url)
    if found is None:
        raise InputError(f"no article text found at {got.url}", url=got.url)
    canonical = canonical_url(found.canonical or got.url)
    report = load_report(
        found.text,
        content_type="text/plain",
        max_bytes=settings.max_input_bytes,
        title=title or found.title,
        source=source or found.sitename,
        url=canonical,
        published=published or found.published,
        tags=tags,
    )
    return Page(report=report, canonical=canonical)


def poll_feed(
    db: Database, settings: Settings, feed: FeedRow, now: dt.datetime | None = None
) -> PollResult:
    """Poll one feed (the caller has claimed the poll) and record the outcome; ``now`` is
    the scheduler's clock (the next poll is due one interval after it)."""
    now = now or utcnow()
    try:
        got = fetch(
            feed.url, settings, etag=feed.etag, last_modified=feed.last_modified, accept=_FEED_TYPES
        )
        if got.not_modified:
            feed_store.finish_poll(db, feed.id, now, ok=True)
            return PollResult(feed_id=feed.id, not_modified=True)
        title, found = entries(got.body)
    except BriefingError as exc:
        feed_store.log_error(db, feed.id, "feed", exc.message, feed.url)
        feed_store.finish_poll(db, feed.id, now, ok=False)
        log.warning("feed %s: %s", feed.id, exc.message)
        return PollResult(feed_id=feed.id, error=exc.message)
    found = found[:MAX_ENTRIES]
    seen = feed_store.seen_guids(db, feed.id, [e.guid for e in found])
    fresh = [e for e in found if e.guid not in seen]
    counts = {"stored": 0, "duplicates": 0, "failed": 0}
    for entry in reversed(fresh):  # oldest first, as they were published
        status = _ingest(db, settings, feed, entry, title)
        key = {"duplicate": "duplicates", "failed": "failed"}.get(status, "stored")
        counts[key] += 1
    feed_store.finish_poll(
        db, feed.id, now, ok=True, etag=got.etag, last_modified=got.last_modified
    )
    log.info("feed %s: %d entries, %d new", feed.id, len(found), len(fresh))
    return PollResult(
        feed_id=feed.id, not_modified=False, entries=len(found), new=len(fresh), **counts
    )


def _ingest(
    db: Database, settings: Settings, feed: FeedRow, entry: Entry, feed_title: str | None
) -> str:
    """Store one new entry; returns its status (see FeedItemRow.status)."""
    link = entry.link
    canonical = canonical_url(link) if link else None
    item = {"guid": entry.guid, "url": link, "canonical_url": canonical}
    if canonical and (known := feed_store.report_at(db, canonical)):
        feed_store.add_item(db, feed.id, status="duplicate", duplicate_of=known, **item)
        return "duplicate"
    report, status = None, "stored"
    if link:
        try:
            page = fetch_page(
                link,
                settings,
                title=entry.title,
                source=feed.name,
                published=entry.published,
                tags=list(feed.tags or []),
            )
            report, item["canonical_url"] = page.report, page.canonical
            if page.canonical != canonical and (known := feed_store.report_at(db, page.canonical)):
                feed_store.add_item(db, feed.id, status="duplicate", duplicate_of=known, **item)
                return "duplicate"
        except BriefingError as exc:
            feed_store.log_error(db, feed.id, "page", exc.message, link)
    if report is None:
        if not entry.summary:
            feed_store.add_item(db, feed.id, status="failed", **item)
            return "failed"
        try:
            report = load_report(
                entry.summary,
                content_type="text/plain",
                max_bytes=settings.max_input_bytes,
                title=entry.title,
                source=feed.name or feed_title,
                url=canonical,
                published=entry.published,
                tags=list(feed.tags or []),
            )
        except BriefingError as exc:
            feed_store.log_error(db, feed.id, "store", exc.message, link)
            feed_store.add_item(db, feed.id, status="failed", **item)
            return "failed"
        status = "summary"
    if report.source is None and feed_title:
        report = report.model_copy(update={"source": feed_title})
    if feed.reliability:
        report = report.model_copy(update={"source_reliability": Reliability(feed.reliability)})
    row, created = add_report(db, report)
    if not created:
        feed_store.add_item(db, feed.id, status="duplicate", duplicate_of=row.id, **item)
        return "duplicate"
    twin = _same_story(db, report.text, exclude=row.id)
    if twin:
        status = "near-duplicate"
    feed_store.add_item(db, feed.id, status=status, report_id=row.id, duplicate_of=twin, **item)
    return status


def _same_story(db: Database, text: str, *, exclude: str) -> str | None:
    """A report stored from a feed in the last days that tells the same story (the digest's
    MinHash test), if any."""
    from briefing.digest.dedupe import near_duplicates

    since = utcnow() - dt.timedelta(days=NEAR_DUPLICATE_DAYS)
    ids = [i for i in feed_store.recent_report_ids(db, since) if i != exclude]
    texts = []
    for report_id in ids:
        row = get_report(db, report_id)
        texts.append(row.text if row else "")
    for group in near_duplicates([text, *texts]):
        if 0 in group and len(group) > 1:
            return ids[group[1] - 1]
    return None


def check_feed(settings: Settings, *, url: str | None, interval_s: int | None) -> None:
    """What a feed subscription must satisfy beyond its schema (API and CLI alike): a poll
    interval no shorter than BRIEFING_FEED_MIN_INTERVAL_S and a URL the fetcher would reach
    (a host that does not resolve from here yet is accepted; its polls log the failure)."""
    from briefing.feeds.fetch import check_url

    if interval_s is not None:
        check_interval(interval_s, settings)
    if url is not None:
        check_url(url, settings, unresolved_ok=True)


def check_interval(interval_s: int, settings: Settings) -> None:
    if interval_s < settings.feed_min_interval_s:
        raise InputError(
            f"interval_s must be at least {settings.feed_min_interval_s} "
            "(BRIEFING_FEED_MIN_INTERVAL_S)",
            field="interval_s",
        )


__all__ = ["FetchError", "Page", "check_feed", "check_interval", "fetch_page", "poll_feed"]
