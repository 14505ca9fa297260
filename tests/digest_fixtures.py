"""Briefs built by hand for digest tests: exact control over claims, sources and spans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from briefing.digest.inputs import DigestItem
from briefing.schemas.brief import (
    Actor,
    ActorKind,
    Brief,
    Claim,
    Development,
    Provenance,
    ReportingVerb,
    ReportMeta,
    Source,
    SourceKind,
    Timings,
    Usage,
)
from briefing.schemas.report import Report
from briefing.schemas.scales import Reliability
from briefing.schemas.span import Span

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def span(text: str, words: str) -> Span:
    start = text.index(words)
    return Span(start=start, end=start + len(words), text=words)


def brief_of(report: Report, **items: Any) -> Brief:
    return Brief(
        report=ReportMeta(
            title=report.title,
            source=report.source,
            url=report.url,
            published=report.published,
            format="text",
            chars=len(report.text),
            sha256=report.sha256,
        ),
        bluf=items.pop("bluf", report.text.split(".")[0] + "."),
        provenance=Provenance(
            model="none",
            backend="none",
            structured_mode="plain",
            prompt_versions={},
            usage=Usage(),
            timings=Timings(),
            created_at=NOW,
        ),
        **items,
    )


def claim(
    text: str,
    words: str,
    *,
    source: str,
    originator: str,
    relays: list[str] | None = None,
    verb: ReportingVerb = ReportingVerb.REPORTED,
    credibility: int = 3,
) -> Claim:
    chain = source if source == originator else f"{source}, citing {originator}"
    return Claim(
        statement=words,
        source=source,
        originator=originator,
        relays=relays or [],
        chain=chain,
        reporting_verb=verb.value,
        verb_class=verb,
        credibility=credibility,
        credibility_rationale="test",
        evidence=[span(text, words)],
    )


def actor(text: str, name: str, kind: ActorKind = ActorKind.ORGANIZATION) -> Actor:
    return Actor(id="A1", name=name, kind=kind, evidence=[span(text, name)])


def source(
    text: str,
    name: str,
    grade: Reliability = Reliability.B,
    kind: SourceKind = SourceKind.INTELLIGENCE_SERVICE,
) -> Source:
    return Source(
        name=name,
        kind=kind,
        reliability=grade,
        rationale="test",
        evidence=[span(text, name)],
    )


def development(text: str, words: str, when: dt.date | None = None) -> Development:
    return Development(what=words, when=when, evidence=[span(text, words)])


def item(
    report_id: str,
    text: str,
    *,
    source_name: str | None,
    url: str | None = None,
    published: dt.date | None = dt.date(2026, 11, 28),
    dated: dt.date | None = None,
    **brief_items: Any,
) -> DigestItem:
    """A report and its brief; ``dated``: the day its dateline gives, where it has no
    published date."""
    report = Report(text=text, source=source_name, url=url, published=published, title=report_id)
    brief = brief_of(report, **brief_items)
    brief.report.dated = published or dated
    return DigestItem(id=report_id, report=report, brief=brief, received=NOW)
