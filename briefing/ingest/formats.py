"""Turning bytes into report text: decoding, format detection, HTML to text."""

from __future__ import annotations

import re
from pathlib import PurePath

from briefing.errors import InputError
from briefing.schemas.report import ReportFormat

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<p[\s>]|<div[\s>]|<article)", re.I)


def decode(data: bytes) -> str:
    """Decode UTF-8 (a BOM is allowed); anything else is a clear :class:`InputError`."""
    if b"\x00" in data[:8192]:
        raise InputError("input looks binary (it contains NUL bytes); send UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise InputError(
            f"input is not valid UTF-8: undecodable byte(s) {bad} at byte offset {exc.start}",
            byte_offset=exc.start,
        ) from None


def detect_format(
    text: str, *, filename: str | None = None, content_type: str | None = None
) -> ReportFormat:
    """Pick the format from the content type, then the file name, then the content."""
    if content_type:
        ctype = content_type.split(";")[0].strip().lower()
        if ctype in ("text/html", "application/xhtml+xml"):
            return ReportFormat.HTML
        if ctype in ("text/markdown", "text/x-markdown"):
            return ReportFormat.MARKDOWN
        if ctype == "text/plain":
            return ReportFormat.TEXT
    if filename:
        suffix = PurePath(filename).suffix.lower()
        if suffix in (".html", ".htm", ".xhtml"):
            return ReportFormat.HTML
        if suffix in (".md", ".markdown"):
            return ReportFormat.MARKDOWN
        if suffix in (".txt", ".text"):
            return ReportFormat.TEXT
    if _HTML_SNIFF.match(text):
        return ReportFormat.HTML
    return ReportFormat.TEXT


def html_to_text(html: str) -> tuple[str, str | None]:
    """Readable text of an HTML page and its <title>, via inscriptis and lxml."""
    import lxml.html
    from inscriptis import get_text
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    try:
        tree = lxml.html.fromstring(html)
    except Exception as exc:  # lxml raises several types for unparsable markup
        raise InputError(f"HTML could not be parsed: {exc}") from None
    title_el = tree.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else None
    for bad in tree.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    config = ParserConfig(css=CSS_PROFILES["strict"], display_links=False)
    text = get_text(lxml.html.tostring(tree, encoding="unicode"), config)
    lines = [line.strip() for line in text.splitlines()]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return cleaned, title or None
