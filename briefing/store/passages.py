"""Passages: the sentences of stored reports and the items of their briefs, indexed for
full-text search.

SQLite searches an FTS5 table (``passages_fts``, kept in step by triggers; ranked by BM25);
PostgreSQL a GIN index on ``to_tsvector('english', text || ' ' || extra)`` (ranked by
``ts_rank_cd``). Both are made by the migrations, which also index the reports stored before.

When a report is stored, its sentences are checked for prompt injection (``suspect``; the
same detector as briefs) and their named entities found (``entities``, what "who" and "when"
questions look for), so that a search does no analysis (reports over ``EAGER_CHECK_CHARS``
are checked when first found instead). When a report is briefed, the brief's
claims (with their attribution chains and grades), developments (with dates) and
uncertainties are added (``kind``), each cited by its evidence span. Suspect passages are
never returned; passages stored before these checks existed are checked the first time a
search finds them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from briefing.schemas.brief import Brief
from briefing.schemas.span import Span
from briefing.store.db import Database
from briefing.store.models import PassageRow, ReportRow

MAX_PASSAGE_CHARS = 600
# Reports up to this long are checked and their entities found when stored (tens of
# milliseconds); a longer one (a 2 MB dossier would hold its POST for a minute) is checked
# the first time a search finds it, as reports stored before these checks are.
EAGER_CHECK_CHARS = 100_000
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
    """Store a report's sentences (once), checked for injection, with their entities;
    returns how many."""
    from briefing.analysis.injection import find_injections, overlaps_range

    exists = session.scalar(select(PassageRow.id).where(PassageRow.report_id == report_id))
    if exists is not None:
        return 0
    spans = split_passages(report_text)
    rows = [
        PassageRow(report_id=report_id, start=s, end=e, text=report_text[s:e]) for s, e in spans
    ]
    if len(report_text) <= EAGER_CHECK_CHARS:  # longer: checked when a search first finds it
        injections = find_injections(report_text)
        for row, found in zip(rows, entities_of(report_text, spans), strict=True):
            row.suspect = overlaps_range(row.start, row.end, injections)
            row.entities = found
    session.add_all(rows)
    return len(rows)


def entities_of(report_text: str, spans: Sequence[tuple[int, int]]) -> list[list[list[str]]]:
    """The named entities (``[label, text]``) of each span, from one pass of spaCy's entity
    recognizer over the whole report."""
    from briefing.analysis.spacy_pass import entities

    found: list[list[list[str]]] = [[] for _ in spans]
    starts = [s for s, _ in spans]
    for label, start, end in entities(report_text):
        at = bisect.bisect_right(starts, start) - 1
        if at >= 0 and end <= spans[at][1]:
            found[at].append([label, report_text[start:end]])
    return found


def index_brief(session: Session, report_id: str, brief_id: str, brief: Brief) -> int:
    """Index a brief's claims, developments and uncertainties as passages of its report (the
    report's latest brief replaces earlier ones); returns how many. An item whose evidence
    does not match the stored text, or lies in a suspect sentence, is left out."""
    from sqlalchemy import delete

    report_text = session.scalar(select(ReportRow.text).where(ReportRow.id == report_id))
    if report_text is None:
        return 0
    session.execute(
        delete(PassageRow).where(PassageRow.report_id == report_id, PassageRow.kind != "sentence")
    )
    suspect = [
        (p.start, p.end)
        for p in session.scalars(
            select(PassageRow).where(
                PassageRow.report_id == report_id, PassageRow.suspect.is_(True)
            )
        )
    ]
    grades = {s.name: s.reliability.value for s in brief.sources}
    rows = []
    for kind, extra, detail, evidence in _items(brief, grades):
        span = evidence[0] if evidence else None
        if span is None or report_text[span.start : span.end] != span.text:
            continue
        if any(span.start < e and s < span.end for s, e in suspect):
            continue
        rows.append(
            PassageRow(
                report_id=report_id,
                start=span.start,
                end=span.end,
                text=span.text,
                suspect=False,
                kind=kind,
                extra=extra,
                detail={"brief_id": brief_id, **detail},
            )
        )
    session.add_all(rows)
    return len(rows)


def _items(
    brief: Brief, grades: dict[str, str]
) -> Iterable[tuple[str, str, dict[str, object], Sequence[Span]]]:
    for c in brief.claims:
        said = c.said_on.isoformat() if c.said_on else None
        yield (
            "claim",
            " ".join(p for p in (c.statement, c.chain, c.originator, c.source, said) if p),
            {
                "chain": c.chain,
                "originator": c.originator,
                "reporting_verb": c.reporting_verb,
                "source": c.source,
                "source_reliability": grades.get(c.source),
                "credibility": c.credibility,
                "corroborated_by": list(c.corroborated_by),
                "said_on": said,
            },
            c.evidence,
        )
    for d in brief.developments:
        when = d.when.isoformat() if d.when else None
        # The date as ISO and, where the report's wording names more than years, in words.
        spelled = d.when and re.search(r"[A-Za-z]", d.when_text or "") and d.when.strftime("%B %Y")
        words = [d.what, when, spelled or None, d.when_text, d.where]
        yield (
            "development",
            " ".join(p for p in words if p),
            {"when": when, "when_text": d.when_text, "where": d.where},
            d.evidence,
        )
    for u in brief.uncertainties:
        yield (
            "uncertainty",
            " ".join(p for p in (u.what, u.hedge) if p),  # not `why`: a stock rationale
            {
                "likelihood": u.likelihood.value if u.likelihood else None,
                "confidence": u.confidence.value,
            },
            u.evidence,
        )


def index_rows(connection: Connection, reports: Iterable[tuple[str, str]]) -> None:
    """Passages of reports stored before the passages table (used by migration 0003, so
    only the columns that migration makes: not the model's, which later ones extend)."""
    from sqlalchemy import column
    from sqlalchemy import table as table_of

    table = table_of("passages", *(column(c) for c in ("report_id", "start", "end", "text")))
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
    kind: str = "sentence"  # or the brief item it carries: claim, development, uncertainty
    extra: str | None = None  # an item's searchable words beyond the span
    entities: tuple[tuple[str, str], ...] | None = field(default=None, compare=False)
    detail: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def words(self) -> str:
        """What the search matched: the span's text and an item's words."""
        return f"{self.text} {self.extra}" if self.extra else self.text


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
                f" {_COLUMNS} FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid"
                " JOIN reports r ON r.id = p.report_id"
                " WHERE passages_fts MATCH :match AND (p.suspect IS NULL OR NOT p.suspect)"
                f"{_filters(scope)} ORDER BY score DESC LIMIT :limit"
            )
        else:
            match = " | ".join(terms)
            sql = (
                'SELECT p.id, p.report_id, p.start, p."end", p.text,'
                f" ts_rank_cd({_TSV}, q) AS score, {_COLUMNS}"
                " FROM passages p JOIN reports r ON r.id = p.report_id,"
                " to_tsquery('english', :match) q"
                f" WHERE {_TSV} @@ q"
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
            kind=r.kind,
            extra=r.extra,
            entities=_entities(r.entities),
            detail=_json(r.detail),
        )
        for r in rows
        if r.id not in suspect
    ]
    return _merge_items(hits)[:limit]


_COLUMNS = "p.suspect, p.kind, p.extra, p.entities, p.detail"
# PostgreSQL: the expression of the GIN index (migration 0005), so that the index serves.
_TSV = "to_tsvector('english', p.text || ' ' || coalesce(p.extra, ''))"


def _json(value: Any) -> Any:
    """A JSON column read by raw SQL: text on SQLite, decoded already on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _entities(value: Any) -> tuple[tuple[str, str], ...] | None:
    found = _json(value)
    return None if found is None else tuple((str(a), str(b)) for a, b in found)


def _merge_items(hits: list[Hit]) -> list[Hit]:
    """A brief item found beside the sentence that holds its evidence is one hit: the
    sentence (the citable context) carrying the item, at the better rank of the two. (A
    non-claim item's citation still gets the claims of its span from the report's brief.)"""
    sentences = [h for h in hits if h.kind == "sentence"]
    out: dict[int, Hit] = {}
    order: list[tuple[float, int]] = []
    for hit in hits:
        if hit.kind == "sentence":
            continue
        host = next(
            (s for s in sentences if s.report_id == hit.report_id and s.start <= hit.start < s.end),
            None,
        )
        if host is None:
            out[hit.passage_id] = hit
            order.append((hit.score, hit.passage_id))
            continue
        merged = out.get(host.passage_id, host)
        # One item per sentence: a claim (who says so) before a development or uncertainty.
        if merged.kind == "sentence" or (hit.kind == "claim" and merged.kind != "claim"):
            merged = replace(
                merged,
                kind=hit.kind,
                extra=hit.extra,
                detail=hit.detail,
                score=max(merged.score, hit.score),
            )
        out[host.passage_id] = merged
    for s in sentences:
        if s.passage_id not in out:
            out[s.passage_id] = s
        order.append((out[s.passage_id].score, s.passage_id))
    seen: set[int] = set()
    ranked = []
    for _score, pid in sorted(order, key=lambda o: -o[0]):
        if pid not in seen:
            seen.add(pid)
            ranked.append(out[pid])
    return ranked


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
    from briefing.analysis.injection import find_injections, overlaps_range

    suspect_ids: set[int] = set()
    for report_id in report_ids:
        report_text = session.scalar(select(ReportRow.text).where(ReportRow.id == report_id))
        if report_text is None:
            continue
        injections = find_injections(report_text)
        passages = session.scalars(select(PassageRow).where(PassageRow.report_id == report_id))
        for p in passages:
            p.suspect = overlaps_range(p.start, p.end, injections)
            if p.suspect:
                suspect_ids.add(p.id)
    return suspect_ids
