"""Content negotiation for resources offered as JSON, Markdown and HTML."""

from __future__ import annotations

from briefing_api.problems import ApiProblem

OFFERED = ["application/json", "text/markdown", "text/html"]
BY_FORMAT = {"json": "application/json", "md": "text/markdown", "html": "text/html"}


def negotiate(accept: str, format: str | None = None) -> str:
    """The media type to answer with: ``?format=`` wins, else the best of ``Accept``."""
    if format is not None:
        if format not in BY_FORMAT:
            raise ApiProblem(422, "Invalid input", "format must be json, md or html")
        return BY_FORMAT[format]
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # nan, inf and out-of-range weights mean nothing
                    q = 0.0
        ranked.append((q, -i, media.lower()))
    for q, _, media in sorted(ranked, reverse=True):
        if q <= 0:
            continue
        if media in OFFERED:
            return media
        if media in ("*/*", "application/*", ""):
            return "application/json"
        if media == "text/*":
            return "text/markdown"
    raise ApiProblem(406, "Not acceptable", "this resource is offered as " + ", ".join(OFFERED))
