"""Standalone HTML of a brief: the Markdown rendering through markdown-it (raw HTML off,
so report text can never inject markup), in a page with its own small stylesheet."""

from __future__ import annotations

import html

from markdown_it import MarkdownIt

from briefing.render.markdown import render_markdown
from briefing.schemas.brief import Brief

_CSS = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
em{color:#555}
"""


def page(title: str, markdown: str) -> str:
    """A standalone page of Markdown (raw HTML off: report text never becomes markup)."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = md.render(markdown)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}"
        "</body></html>\n"
    )


def render_html(brief: Brief) -> str:
    return page(f"Brief: {brief.report.title or 'Brief'}", render_markdown(brief))
