"""Date expressions resolved against the report date (dateparser), keeping the wording."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from functools import lru_cache

_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
_RESOLVABLE = re.compile(
    rf"\b({_MONTHS})\b|\d{{4}}-\d{{2}}-\d{{2}}|\b(yesterday|today|tomorrow|last|next|ago)\b"
    r"|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_RANGE = re.compile(r"\b(\d{4})\s*[-–]\s*(\d{4})\b")


@lru_cache(maxsize=1024)
def resolve_date(expression: str, report_date: dt.date | None) -> dt.date | None:
    """An ISO date for a day-level expression ("1 December", "yesterday"), else None."""
    if not _RESOLVABLE.search(expression) or _RANGE.search(expression):
        return None
    import dateparser

    if report_date is None and not re.search(r"\b\d{4}\b", expression):
        return None  # a relative date needs the report's own date; never "today"
    base = dt.datetime.combine(report_date or dt.date(2000, 1, 1), dt.time(12))
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month"],
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    cleaned = re.sub(r"^(on|since|by|from|until|in|the)\s+", "", expression.strip(), flags=re.I)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


_YEAR_RANGE = re.compile(
    r"\b(1[89]\d\d|2[01]\d\d)\s*(?:[-–]|to|and|until)\s*(1[89]\d\d|2[01]\d\d)\b"
)
_YEAR = re.compile(r"^(?:in\s+)?(1[89]\d\d|2[01]\d\d)$", re.I)


def resolve_range(expression: str, report_date: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """A date range: "between 2017-2019" -> 2017-01-01..2019-12-31; "last week" -> its days;
    a bare year -> that year; a single day -> that day."""
    text = expression.strip()
    years = _YEAR_RANGE.search(text)
    if years:
        first, last = int(years.group(1)), int(years.group(2))
        if first <= last:
            return dt.date(first, 1, 1), dt.date(last, 12, 31)
    year = _YEAR.match(text)
    if year:
        return dt.date(int(year.group(1)), 1, 1), dt.date(int(year.group(1)), 12, 31)
    if report_date is not None and re.search(r"\blast week\b", text, re.I):
        monday = report_date - dt.timedelta(days=report_date.weekday() + 7)
        return monday, monday + dt.timedelta(days=6)
    day = resolve_date(text, report_date)
    return (day, day) if day else None
