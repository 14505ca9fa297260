"""Passages: the sentences of stored reports, indexed for full-text search.

SQLite searches an FTS5 table (``passages_fts``, kept in step by triggers; ranked by BM25);
PostgreSQL a GIN index on ``to_tsvector('english', text)`` (ranked by ``ts_rank_cd``). Both
are made by migration 0003, which also indexes the reports stored before it.

A report's passages are checked for prompt injection the first time a search finds them
(``suspect``), with the same detector as briefs; suspect passages are never returned.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, bindparam, select, text
from sqlalchemy.orm import Session

from briefing.store.db import Database
from briefing.store.models import PassageRow, ReportRow

MAX_PASSAGE_CHARS = 600
# A sentence ends after its stop and any closing quotes or brackets, before a capital.
_BOUNDARY = re.compile(
    r"(?<=[.!?][\"'”’)\]])\s+(?=[\"'“‘(\[]?[A-Z0-9])|(?<=[.!?])\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n\s*"
)
_TERM = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def split_passages(report_text: str) -> list[tuple[int, int]]:
    """Sentence offsets (a long one cut at ``MAX_PASSAGE_CHARS`` on a word boundary)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(report_text):
        spans.extend(_cut(report_text, start, match.start()))
        start = match.end()
    spans.extend(_cut(report_text, start, len(report_text)))
    return spans


def _cut(text_: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    while start < end and text_[start].isspace():
        start += 1
    while end > start and text_[end - 1].isspace():
        end -= 1
    while end - start > MAX_PASSAGE_CHARS:
        cut = text_.rfind(" ", start, start + MAX_PASSAGE_CHARS)
        cut = cut if cut > start else start + MAX_PASSAGE_CHARS
        yield start, cut
        start = cut + 1
    if end > start and re.search(r"\w", text_[start:end]):
        yield start, end


def index_report(session: Session, report_id: str, report_text: str) -> int:
    """Store a report's passages (once); returns how many."""
    exists = session.scalar(select(PassageRow.id).where(PassageRow.report_id == report_id))
    if exists is not None:
        return 0
    rows = [
        PassageRow(report_id=report_id, start=s, end=e, text=report_text[s:e])
        for s, e in split_passages(report_text)
    ]
    session.add_all(rows)
    return len(rows)


def index_rows(connection: Connection, reports: Iterable[tuple[str, str]]) -> None:
    """Passages of reports stored before the passages table (used by the migration)."""
    table = PassageRow.__table__
    assert isinstance(table, Table)
    batch: list[dict[str, object]] = []
    for report_id, report_text in reports:
        batch += [
            {"report_id": report_id, "start": s, "end": e, "text": report_text[s:e]}
            for s, e in split_passages(report_text)
        ]
        if len(batch) > 5000:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)


@dataclass(frozen=True)
class Scope:
    """Which stored reports a search covers; empty fields do not narrow."""

    report_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class Hit:
    passage_id: int
    report_id: str
    start: int
    end: int
    text: str
    score: float  # higher is better, on either store
    title: str | None
    source: str | None
    published: dt.date | None
    checked: bool = True  # False: its report is not yet checked for prompt injection


def query_terms(question: str) -> list[str]:
    """Search terms of a question: its words without English stop words, lower-cased."""
    from spacy.lang.en.stop_words import STOP_WORDS

    seen: dict[str, None] = {}
    for word in _TERM.findall(question):
        lowered = word.lower().replace("’", "'")
        lowered = re.sub(r"'s$", "", lowered)
        if len(lowered) > 1 and lowered not in STOP_WORDS:
            seen.setdefault(lowered)
    return list(seen)


def search(
    db: Database, terms: Sequence[str], scope: Scope, limit: int = 8, *, check: bool = True
) -> list[Hit]:
    """Passages matching any of ``terms`` (the more and rarer, the better), best first.
    ``check=False`` leaves reports never checked for injection unchecked (``Hit.checked``):
    the caller checks only those it keeps, with ``drop_suspect``."""
    terms = [t for t in terms if _TERM.fullmatch(t)][:32]
    if not terms:
        return []
    with db.session() as s:
        if db.is_sqlite:
            match = " OR ".join(f'"{t}"' for t in terms)
            sql = (
                'SELECT p.id, p.report_id, p.start, p."end", p.text, -bm25(passages_fts) AS score,'
                " p.suspect FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid"
                " JOIN reports r ON r.id = p.report_id"
                " WHERE passages_fts MATCH :match AND (p.suspect IS NULL OR NOT p.suspect)"
                f"{_filters(scope)} ORDER BY score DESC LIMIT :limit"
            )
        else:
            match = " | ".join(terms)
            sql = (
                'SELECT p.id, p.report_id, p.start, p."end", p.text,'
                " ts_rank_cd(to_tsvector('english', p.text), q) AS score, p.suspect"
                " FROM passages p JOIN reports r ON r.id = p.report_id,"
                " to_tsquery('english', :match) q"
                " WHERE to_tsvector('english', p.text) @@ q"
                " AND (p.suspect IS NULL OR NOT p.suspect)"
                f"{_filters(scope)} ORDER BY score DESC LIMIT :limit"
            )
        params = _params(scope) | {"match": match, "limit": limit * 3}
        statement = text(sql)
        if scope.report_ids:
            statement = statement.bindparams(bindparam("report_ids", expanding=True))
        if scope.tags:
            statement = statement.bindparams(bindparam("tags", expanding=True))
        if scope.sources:
            statement = statement.bindparams(bindparam("sources", expanding=True))
        rows = s.execute(statement, params).all()
        unchecked = {r.report_id for r in rows if r.suspect is None}
        suspect = _check_reports(s, unchecked) if unchecked and check else set()
        reports = {
            r.id: r
            for r in s.execute(
                select(ReportRow.id, ReportRow.title, ReportRow.source, ReportRow.published).where(
                    ReportRow.id.in_({r.report_id for r in rows})
                )
            )
        }
    hits = [
        Hit(
            passage_id=r.id,
            report_id=r.report_id,
            start=r.start,
            end=r.end,
            text=r.text,
            score=float(r.score or 0.0),
            title=reports[r.report_id].title,
            source=reports[r.report_id].source,
            published=reports[r.report_id].published,
            checked=check or r.suspect is not None,
        )
        for r in rows
        if r.id not in suspect
    ]
    return hits[:limit]


def drop_suspect(db: Database, hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` without passages that a check of their (unchecked) reports finds suspect."""
    unchecked = {h.report_id for h in hits if not h.checked}
    if not unchecked:
        return list(hits)
    with db.session() as s:
        suspect = _check_reports(s, unchecked)
    return [h for h in hits if h.passage_id not in suspect]


def _filters(scope: Scope) -> str:
    parts = []
    if scope.report_ids:
        parts.append("r.id IN :report_ids")
    if scope.sources:
        parts.append("r.source IN :sources")
    if scope.tags:
        parts.append("r.id IN (SELECT report_id FROM report_tags WHERE tag IN :tags)")
    if scope.since:
        parts.append("COALESCE(r.published, DATE(r.created_at)) >= :since")
    if scope.until:
        parts.append("COALESCE(r.published, DATE(r.created_at)) < :until")
    return "".join(f" AND {p}" for p in parts)


def _params(scope: Scope) -> dict[str, object]:
    params: dict[str, object] = {}
    if scope.report_ids:
        params["report_ids"] = list(scope.report_ids)
    if scope.sources:
        params["sources"] = list(scope.sources)
    if scope.tags:
        params["tags"] = list(scope.tags)
    if scope.since:
        params["since"] = scope.since.date()
    if scope.until:
        params["until"] = scope.until.date()
    return params


def _check_reports(session: Session, report_ids: set[str]) -> set[int]:
    """Mark the passages of these reports suspect or clean; returns the suspect ids."""
    from briefing.analysis.injection import find_injections

    suspect_ids: set[int] = set()
    for report_id in report_ids:
        report_text = session.scalar(select(ReportRow.text).where(ReportRow.id == report_id))
        if report_text is None:
            continue
        injections = find_injections(report_text)
        passages = session.scalars(select(PassageRow).where(PassageRow.report_id == report_id))
        for p in passages:
            p.suspect = any(p.start < i.span.end and i.span.start < p.end for i in injections)
            if p.suspect:
                suspect_ids.add(p.id)
    return suspect_ids
