"""What feeds and pages hold: feed entries (``feedparser``), an article's main text and
metadata (``trafilatura``), and the canonical form of a URL (``courlan``)."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

from briefing.errors import InputError


@dataclass(frozen=True)
class Entry:
    guid: str
    link: str | None
    title: str | None
    summary: str  # plain text (the feed's HTML stripped), the fallback when the page fails
    published: dt.date | None


@dataclass(frozen=True)
class Article:
    text: str
    title: str | None
    author: str | None
    sitename: str | None
    published: dt.date | None
    canonical: str | None  # the page's own canonical URL (rel=canonical, og:url)


def entries(body: bytes) -> tuple[str | None, list[Entry]]:
    """The feed's title and entries, newest as the feed orders them. A body that is no feed
    at all is an InputError."""
    import feedparser

    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries and not parsed.feed.get("title"):
        raise InputError(f"not an RSS or Atom feed: {parsed.get('bozo_exception')}")
    out = []
    for e in parsed.entries:
        link = e.get("link")
        guid = e.get("id") or link or e.get("title")
        if not guid:
            continue
        out.append(
            Entry(
                guid=str(guid)[:500],
                link=link,
                title=e.get("title"),
                summary=plain(e.get("summary") or e.get("description") or ""),
                published=_date(e.get("published_parsed") or e.get("updated_parsed")),
            )
        )
    return parsed.feed.get("title"), out


def plain(markup: str) -> str:
    """Feed HTML as plain text: tags dropped, entities decoded, paragraphs kept."""
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?>", "\n", markup)
    text = re.sub(r"<[^>]+>", "", text)
    lines = [" ".join(html.unescape(line).split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).date()


def article(page: bytes, url: str) -> Article | None:
    """The page's main text and metadata; None when it holds no article text."""
    import trafilatura

    document = trafilatura.bare_extraction(
        page.decode("utf-8", errors="replace"), url=url, with_metadata=True
    )
    if document is None:
        return None
    found = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = (found.get("text") or "").strip()
    if not text:
        return None
    published = None
    if found.get("date"):
        try:
            published = dt.date.fromisoformat(str(found["date"])[:10])
        except ValueError:
            published = None
    canonical = found.get("url")
    return Article(
        text=text,
        title=found.get("title"),
        author=found.get("author"),
        sitename=found.get("sitename"),
        published=published,
        canonical=canonical if canonical and canonical != url else None,
    )


def canonical_url(url: str) -> str:
    """The URL without tracking parameters, fragment, default port or case in the host."""
    from courlan import normalize_url

    try:
        return str(normalize_url(url, strict=True))
    except (ValueError, AttributeError):
        return url
