"""Renderers of a brief."""

from briefing.render.html import render_html
from briefing.render.markdown import render_markdown

__all__ = ["render_html", "render_markdown"]
