"""Date expressions resolved against the report date (dateparser), keeping the wording.

The report date is its published date, else the date of its dateline (:func:`dateline`).
A relative date that names no day is the whole of what it names ("last year", "next month",
"last week"); a bare weekday is the latest such day up to the report's."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import warnings
from functools import lru_cache

from briefing.analysis.lexicon import STAMP_WORDS

_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(rf"\b({'|'.join(_WEEKDAYS)})\b", re.I)
_RESOLVABLE = re.compile(
    rf"\b({_MONTHS})\b|\d{{4}}-\d{{2}}-\d{{2}}|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}\b"
    r"|\b(yesterday|today|tomorrow|last|next|ago)\b"
    rf"|{_WEEKDAY.pattern}",
    re.I,
)
_RANGE = re.compile(r"\b(\d{4})\s*[-–]\s*(\d{4})\b")


# A clock time, and the hour a parser cut from one ("September 14, 2013 11" of "…, 2013
# 11:26 pm"): neither says which day it is.
_TIME = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:gmt|utc|bst|cest|cet|[ecmp][sd]t|aest|aedt))?",
    re.I,
)
_TRAILING_HOUR = re.compile(r"(\b\d{4})\s*[-,]?\s*\d{1,2}$")
# 14/09/2013 or 14.09.2013: read only where it cannot be the other way round (a day above 12,
# or day and month alike); 09/10/2013 is 9 October in Britain and 10 September in America.
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")


def _core(expression: str) -> str:
    """The expression without the clock times and stray hours around its day."""
    text = _TIME.sub(" ", expression)
    text = _TRAILING_HOUR.sub(r"\1", text.strip(" ,-|"))
    return " ".join(text.split())


def _numeric(match: re.Match[str]) -> dt.date | None:
    """The day of a d/m/y or m/d/y date, where only one reading is a day."""
    a, b, year = (int(g) for g in match.groups())
    if a <= 12 and b <= 12 and a != b:
        return None  # day and month could be either way round
    day, month = (a, b) if a > 12 or a == b else (b, a)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def resolve_date(
    expression: str, report_date: dt.date | None, ahead: bool = False
) -> dt.date | None:
    """An ISO date for a day-level expression ("1 December", "yesterday"), else None; a day
    without its year is the latest such day up to the report's, or with ``ahead`` (what the
    sentence says will happen) the first after it."""
    if not _RESOLVABLE.search(expression) or _RANGE.search(expression):
        return None
    expression = _core(expression)
    if numeric := _NUMERIC.search(expression):
        return _numeric(numeric)
    import dateparser

    if report_date is None and not re.search(r"\b\d{4}\b", expression):
        return None  # a relative date needs the report's own date; never "today"
    base = dt.datetime.combine(report_date or dt.date(2000, 1, 1), dt.time(12))
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future" if ahead else "past",
        "REQUIRE_PARTS": ["day", "month"],
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    cleaned = re.sub(r"^(on|since|by|from|until|in|the)\s+", "", expression.strip(), flags=re.I)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
        weekday = _WEEKDAY.search(cleaned)
        if parsed and weekday and parsed.strftime("%A").lower() != weekday.group(1).lower():
            # "Saturday, Jan. 15" in a report of 5 January 2011 is the other way in time.
            settings["PREFER_DATES_FROM"] = "past" if ahead else "future"
            other = dateparser.parse(cleaned, languages=["en"], settings=settings)
            if other and other.strftime("%A").lower() == weekday.group(1).lower():
                parsed = other
    return parsed.date() if parsed else None


_BARE_WEEKDAY = re.compile(
    rf"^(?:on\s+)?(?P<last>last\s+)?(?P<day>{'|'.join(_WEEKDAYS)})"
    r"(?:\s+(?:morning|afternoon|evening|night))?$",
    re.I,
)
# A relative date that names a year or a month and no day ("last year", "two years ago", "next
# month"): the whole of it, not the day a year before the report's.
_PERIOD = re.compile(r"\b(year|month)s?\b", re.I)
_DAY_WORDS = re.compile(r"\d|\b(day|days|week|weeks|today|tomorrow|yesterday)\b", re.I)


_YEAR_RANGE = re.compile(
    r"\b(1[89]\d\d|2[01]\d\d)\s*(?:[-–]|to|and|until)\s*(1[89]\d\d|2[01]\d\d)\b"
)
# How early or late in a year or a month: "late 2007", "the end of December 2008".
_PART = r"(?:(?:early|mid|late|end\s+of|start\s+of|beginning\s+of)[\s-]+)?"
_YEAR = re.compile(rf"^(?:in\s+)?(?:the\s+)?{_PART}(1[89]\d\d|2[01]\d\d)$", re.I)
# "April 2003", "late December 2008": the month, however early or late in it.
_MONTH_YEAR = re.compile(
    rf"^(?:in\s+)?{_PART}(?P<month>{_MONTHS})\.?,?\s+(?P<year>1[89]\d\d|2[01]\d\d)$",
    re.I,
)


def resolve_range(
    expression: str, report_date: dt.date | None, ahead: bool = False
) -> tuple[dt.date, dt.date] | None:
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
    month = _MONTH_YEAR.match(_core(text))
    if month:
        return _month(dt.date(int(month["year"]), _month_number(month["month"]), 1))
    week = re.search(r"\b(last|this|next) week\b", text, re.I)
    if report_date is not None and week:
        shift = {"last": -7, "this": 0, "next": 7}[week.group(1).lower()]
        monday = report_date - dt.timedelta(days=report_date.weekday() - shift)
        return monday, monday + dt.timedelta(days=6)
    current = re.fullmatch(r"(?:(?:in|of)\s+)?this (year|month)(?:'s)?", text, re.I)
    if report_date is not None and current:
        if current.group(1).lower() == "year":
            return dt.date(report_date.year, 1, 1), dt.date(report_date.year, 12, 31)
        return _month(report_date)
    weekday = _BARE_WEEKDAY.match(text)
    if report_date is not None and weekday:
        # News tells of what happened: "on Sunday" is the latest Sunday up to the report's day,
        # unless the sentence says what will happen ("talks will resume on Monday").
        number = _WEEKDAYS.index(weekday["day"].lower())
        if ahead and not weekday["last"]:
            that_day = report_date + dt.timedelta(days=(number - report_date.weekday()) % 7 or 7)
            return that_day, that_day
        back = (report_date.weekday() - number) % 7
        if back == 0 and weekday["last"]:
            back = 7
        that_day = report_date - dt.timedelta(days=back)
        return that_day, that_day
    day = resolve_date(text, report_date, ahead)
    if day is None:
        return None
    period = _PERIOD.search(text)
    if period and not _DAY_WORDS.search(text) and not _WEEKDAY.search(text):
        if period.group(1).lower() == "year":
            return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
        return _month(day)
    return day, day


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


_MONTH_ABBREVIATIONS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)


def _month_number(name: str) -> int:
    return _MONTH_ABBREVIATIONS.index(name[:3].lower()) + 1


def dated_part(text: str) -> tuple[int, int]:
    """Where in an expression the parser ran across lines ("August 17, 2011\\nUndersea")
    its date is: the offsets of the first line piece that resolves, else of the first that
    holds a digit or a month, else the whole."""
    if "\n" not in text:
        return 0, len(text)
    pieces, at = [], 0
    for line in text.split("\n"):
        lo = at + len(line) - len(line.lstrip())
        pieces.append((lo, at + len(line.rstrip())))
        at += len(line) + 1
    pieces = [(lo, hi) for lo, hi in pieces if hi > lo]
    for lo, hi in pieces:
        if resolve_range(text[lo:hi], None):
            return lo, hi
    for lo, hi in pieces:
        if re.search(rf"\d|\b({_MONTHS})\b", text[lo:hi], re.I):
            return lo, hi
    return 0, len(text)


# A full date in a dateline: "Monday, 28 November 2005", "September 15, 2013", "14/09/2013",
# "Sun Sep 15 2013", "2013-09-15".
_FULL_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{4}\b|\b\d{4}-\d{2}-\d{2}\b",
    re.I,
)
# A dateline is one of a report's first lines, short and not a sentence of its body.
DATELINE_LINES = 6
DATELINE_CHARS = 120


# A dateline holds a full date or a clock time, and besides them only the words of a time
# stamp (briefing/data/lexicon.yaml), weekdays, months and at most DATELINE_CAPITALS words in
# capitals: "18 September 2013 Last updated at 13:59 GMT", "9:53 AM, MON 22 JUL 2013",
# "WASHINGTON, DC, April 28, 2009". A headline that gives a date says more ("Seacom operations
# fully restored: 4 November 2011").
DATELINE_CAPITALS = 3
_CALENDAR = frozenset(
    w.casefold()
    for w in (*calendar.day_name, *calendar.day_abbr, *calendar.month_name, *calendar.month_abbr)
    if w
)
_STAMP = STAMP_WORDS | _CALENDAR  # the words a time stamp holds besides its date and time


def is_dateline(line: str) -> bool:
    """Whether a line is a dateline or a time stamp, not a headline or a sentence."""
    line = line.strip()
    if not line or len(line) > DATELINE_CHARS or line[-1] in ".!?\"'”’":
        return False
    rest = _TIME.sub(" ", _FULL_DATE.sub(" ", line))
    if rest == line:
        return False
    others = {w for w in re.findall(r"[^\W\d_]+", rest) if w.casefold() not in _STAMP}
    return all(w.isupper() for w in others) and len(others) <= DATELINE_CAPITALS


def dateline(text: str) -> dt.date | None:
    """The date a report gives itself where it has no published date: the first full date on
    one of its first lines that is not prose ("Last updated 13:26 14/09/2013", "September 15,
    2013 11:26 pm"), so that "on Tuesday" in its body has a day."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:DATELINE_LINES]
    for line in lines:
        if len(line) > DATELINE_CHARS or line[-1] in ".!?\"'”’":
            continue
        for match in _FULL_DATE.finditer(line):
            day = resolve_date(match.group(0), None)
            if day is not None:
                return day
    return None
