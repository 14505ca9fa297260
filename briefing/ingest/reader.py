"""Ingest: bytes or text in, a :class:`Report` out (metadata parsed, body normalized)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import yaml

from briefing.errors import InputError
from briefing.ingest.formats import decode, detect_format, html_to_text
from briefing.schemas.report import Report, ReportFormat

# Our example reports open with "date 2024-12-02 <headline>" on the first line.
_META_LINE = re.compile(r"\A[ \t\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]+(?P<headline>[^\n]*)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_DATE_KEYS = ("published", "published_at", "date")
# The same caps as the JSON fields of POST /v1/reports, wherever metadata comes from.
MAX_TITLE, MAX_SOURCE, MAX_URL, MAX_TAGS, MAX_TAG = 1000, 200, 2000, 50, 200
MAX_FRONT_MATTER = 16_384  # bytes of YAML


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: nested aliases expand exponentially ("billion
    laughs"), and front matter has no use for them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise InputError("YAML front matter may not use aliases (*name)")
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None):
            raise InputError("YAML front matter may not use anchors (&name)")
        return super().compose_node(parent, index)


def load_report(
    data: bytes | str,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    max_bytes: int | None = None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
    tags: list[str] | None = None,
) -> Report:
    """Parse a report. Explicit keyword metadata wins over what the text itself declares."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if max_bytes is not None and size > max_bytes:
        raise InputError(f"report is {size} bytes; the limit is {max_bytes} bytes", size=size)
    text = decode(data) if isinstance(data, bytes) else data
    if not text.strip():
        raise InputError("report is empty (no text after decoding)")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    _reject_control_chars(text)

    fmt = detect_format(text, filename=filename, content_type=content_type)
    meta: dict[str, Any] = {}
    text, front = _split_front_matter(text)
    meta.update(front)
    if fmt is ReportFormat.HTML:
        text, html_title = html_to_text(text)
        if html_title:
            meta.setdefault("title", html_title)
    else:
        match = _META_LINE.match(text)
        if match:
            meta.setdefault("published", match.group(1))
            meta.setdefault("title", _headline(match.group("headline")))
            text = text[match.start("headline") :]
    text = text.strip("\n").rstrip()
    if not text.strip():
        raise InputError("report has metadata but no body text")
    if not any(ch.isalpha() for ch in text[:100_000]):
        raise InputError("report has no words (no letters in its text)")

    front_tags = meta.get("tags") or []
    if not isinstance(front_tags, list):
        front_tags = [front_tags]
    return Report(
        text=text,
        format=fmt,
        title=_capped("title", title or _str_or_none(meta.get("title")), MAX_TITLE),
        source=_capped("source", source or _str_or_none(meta.get("source")), MAX_SOURCE),
        url=_capped("url", url or _str_or_none(meta.get("url")), MAX_URL),
        published=published or _parse_date(meta.get("published")),
        tags=_checked_tags(tags or [str(t) for t in front_tags]),
    )


def _capped(field: str, value: str | None, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise InputError(f"{field} is {len(value)} characters; the limit is {limit}", field=field)
    return value


def _checked_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS:
        raise InputError(f"{len(tags)} tags; the limit is {MAX_TAGS}", field="tags")
    for tag in tags:
        _capped("tags", tag, MAX_TAG)
    return list(dict.fromkeys(t for t in tags if t.strip()))


def _headline(line: str) -> str:
    """The first sentence of a metadata line's text: the line itself often runs on into a lead."""
    line = line.strip()
    first = re.match(r"(.+?[.!?])\s+[A-Z]", line)
    return first.group(1) if first else line


def _split_front_matter(text: str) -> tuple[str, dict[str, Any]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    if len(match.group("yaml").encode("utf-8")) > MAX_FRONT_MATTER:
        raise InputError(f"YAML front matter is over {MAX_FRONT_MATTER} bytes")
    try:
        data = yaml.load(match.group("yaml"), Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"YAML front matter is invalid: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("YAML front matter must be a mapping of keys to values")
    meta: dict[str, Any] = {k: data[k] for k in ("title", "source", "url", "tags") if k in data}
    for key in _DATE_KEYS:
        if data.get(key):
            meta["published"] = data[key]
            break
    return text[match.end() :], meta


def _parse_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"published date {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _str_or_none(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _reject_control_chars(text: str) -> None:
    sample = text[:65536]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\t")
    if controls > max(8, len(sample) // 100):
        raise InputError("input looks binary (too many control characters); send UTF-8 text")
