"""Renderers of briefs and digests."""

from briefing.render.digest import render_digest_html, render_digest_markdown
from briefing.render.html import render_html
from briefing.render.markdown import render_markdown

__all__ = ["render_digest_html", "render_digest_markdown", "render_html", "render_markdown"]
