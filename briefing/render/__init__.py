"""Renderers of a brief."""

from briefing.render.markdown import render_markdown

__all__ = ["render_markdown"]
