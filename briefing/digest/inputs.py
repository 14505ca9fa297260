"""What a digest is built from: reports of a window, each with its brief and its outlet's family.

Both the service (stored reports) and the CLI (report files) hand the pipeline the same items.
Evidence leaves a brief as :class:`EvidenceRef` (report id + offsets) only after it is checked
against the report's text once more, as a brief's own spans are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from briefing.schemas.brief import Brief
from briefing.schemas.digest import EvidenceRef
from briefing.schemas.report import Report
from briefing.schemas.span import Span


@dataclass
class DigestItem:
    """One report of the window with its brief."""

    id: str
    report: Report
    brief: Brief
    received: dt.datetime
    brief_id: str | None = None
    reused: bool = False  # the brief came from the cache
    family: str | None = None  # publisher family (set by the pipeline)
    carrier_of: str | None = None  # near-duplicate of this report id (set by the pipeline)

    @property
    def when(self) -> dt.datetime:
        """The report's time for windows and recency: its published date, else received."""
        if self.report.published is not None:
            return dt.datetime.combine(self.report.published, dt.time(12), tzinfo=dt.UTC)
        return self.received

    @property
    def day(self) -> dt.date:
        """The report's own day, for telling news from background: its published date, else
        its dateline's (a report file with no metadata is not news of the day it was read),
        else the day it was received."""
        return self.brief.report.dated or self.when.date()


@dataclass
class EvidenceChecker:
    """Turns spans of one report into checked references; counts what no longer matches."""

    dropped: int = 0
    _texts: dict[str, str] = field(default_factory=dict)

    def add(self, item: DigestItem) -> None:
        self._texts[item.id] = item.report.text

    def refs(self, report_id: str, spans: Iterable[Span]) -> list[EvidenceRef]:
        text = self._texts[report_id]
        out = []
        for span in spans:
            if (
                0 <= span.start <= span.end <= len(text)
                and text[span.start : span.end] == span.text
            ):
                out.append(
                    EvidenceRef(report_id=report_id, start=span.start, end=span.end, text=span.text)
                )
            else:
                self.dropped += 1
        return out


def in_window(
    published: dt.date | None, received: dt.datetime, since: dt.datetime, until: dt.datetime
) -> bool:
    """Published date within [since, until] (by day), else received time in [since, until)."""
    if published is not None:
        return since.date() <= published <= until.date()
    return since <= received < until
