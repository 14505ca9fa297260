"""Reports and briefs in the database."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import IntegrityError

from briefing.errors import InputError
from briefing.schemas.brief import Brief
from briefing.schemas.report import Report, ReportFormat
from briefing.schemas.scales import Reliability
from briefing.store.db import Database
from briefing.store.models import BriefRow, ReportRow, ReportTagRow
from briefing.store.passages import index_brief, index_report
from briefing.store.secrets import service_secret


def report_of(row: ReportRow) -> Report:
    return Report(
        text=row.text,
        format=ReportFormat(row.format),
        title=row.title,
        source=row.source,
        url=row.url,
        published=row.published,
        tags=list(row.tags or []),
        source_reliability=Reliability(row.source_reliability) if row.source_reliability else None,
    )


def add_report(db: Database, report: Report) -> tuple[ReportRow, bool]:
    """Store a report unless its text is already stored; returns (row, created)."""
    digest = report.sha256
    with db.session() as s:
        existing = s.scalar(select(ReportRow).where(ReportRow.sha256 == digest))
        if existing is not None:
            return existing, False
    try:
        with db.session() as s:
            row = ReportRow(
                sha256=digest,
                text=report.text,
                format=report.format.value,
                title=report.title,
                source=report.source,
                url=report.url,
                published=report.published,
                tags=report.tags,
                source_reliability=(
                    report.source_reliability.value if report.source_reliability else None
                ),
            )
            s.add(row)
            s.flush()
            s.add_all(ReportTagRow(report_id=row.id, tag=t) for t in dict.fromkeys(report.tags))
            index_report(s, row.id, report.text)
        return row, True
    except IntegrityError:  # a concurrent insert of the same text won
        with db.session() as s:
            row = s.scalars(select(ReportRow).where(ReportRow.sha256 == digest)).one()
        return row, False


def get_report(db: Database, report_id: str) -> ReportRow | None:
    with db.session() as s:
        return s.get(ReportRow, report_id)


@dataclass(frozen=True)
class ReportFilter:
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    source: str | None = None
    tag: str | None = None
    text: str | None = None  # words in the title or the text (case-insensitive)


def encode_cursor(db: Database, row: ReportRow) -> str:
    """An opaque cursor: the row's position, signed with the service's own key."""
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{body}.{_signature(db, body)}"


def _signature(db: Database, body: str) -> str:
    mac = hmac.new(service_secret(db, "cursors").encode(), body.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:16]).decode().rstrip("=")


def _decode_cursor(db: Database, cursor: str) -> tuple[dt.datetime, str]:
    refused = InputError("cursor is not one this service issued", field="cursor")
    body, _, signature = cursor.partition(".")
    if not signature or not hmac.compare_digest(signature, _signature(db, body)):
        raise refused
    try:
        padded = body + "=" * (-len(body) % 4)
        created, row_id = json.loads(base64.urlsafe_b64decode(padded))
        when = dt.datetime.fromisoformat(created)
        if when.tzinfo is None or not isinstance(row_id, str) or len(row_id) > 64:
            raise ValueError("not a cursor this service writes")
        return when, row_id
    except Exception:
        raise refused from None


def list_reports(
    db: Database, flt: ReportFilter, *, limit: int, cursor: str | None = None
) -> tuple[list[ReportRow], str | None]:
    """Newest first; returns the page and the cursor of the next page (None at the end)."""
    query = select(ReportRow).order_by(ReportRow.created_at.desc(), ReportRow.id.desc())
    if flt.published_from:
        query = query.where(ReportRow.published >= flt.published_from)
    if flt.published_to:
        query = query.where(ReportRow.published <= flt.published_to)
    if flt.source:
        query = query.where(ReportRow.source == flt.source)
    if flt.tag:
        query = query.where(ReportRow.id.in_(tagged([flt.tag])))
    if flt.text:
        query = query.where(mentions(flt.text))
    if cursor:
        created, row_id = _decode_cursor(db, cursor)
        query = query.where(
            (ReportRow.created_at < created)
            | ((ReportRow.created_at == created) & (ReportRow.id < row_id))
        )
    with db.session() as s:
        rows = list(s.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(db, rows[-1]) if more and rows else None


def mentions(words: str) -> ColumnElement[bool]:
    """Reports whose title or text holds ``words`` (case-insensitive, as written)."""
    pattern = "%" + words.replace("%", r"\%").replace("_", r"\_") + "%"
    return or_(
        ReportRow.title.ilike(pattern, escape="\\"),
        ReportRow.text.ilike(pattern, escape="\\"),
    )


def tagged(tags: list[str]) -> Select[str]:
    """Ids of the reports with any of ``tags`` (a subquery)."""
    return select(ReportTagRow.report_id).where(ReportTagRow.tag.in_(tags))


def save_brief(db: Database, report_id: str, cache_key: str, body: str) -> BriefRow:
    """Store a brief of a stored report, and index its items for chat (``index_brief``)."""
    brief = Brief.model_validate_json(body)
    with db.session() as s:
        row = BriefRow(report_id=report_id, cache_key=cache_key, body=body)
        s.add(row)
        s.flush()
        index_brief(s, report_id, row.id, brief)
    return row


def get_brief(db: Database, brief_id: str) -> BriefRow | None:
    with db.session() as s:
        return s.get(BriefRow, brief_id)
