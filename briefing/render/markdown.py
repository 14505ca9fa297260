"""Markdown rendering of a brief: BLUF first, then actors, developments, claims,
uncertainties (with their ICD 203 bands) and sources (with Admiralty grades)."""

from __future__ import annotations

import datetime as dt

from briefing.schemas.brief import Brief
from briefing.schemas.span import Span


def period(when: dt.date | None, end: dt.date | None = None) -> str:
    """A resolved date as a reader says it: "2009-11-30", a whole month "2009-11", a whole
    year "2009", whole years "1991 to 1998", else "2009-11-23 to 2009-11-29"."""
    if when is None:
        return "date not given"
    if end is None or end == when:
        return when.isoformat()
    if (when.month, when.day, end.month, end.day) == (1, 1, 12, 31):
        return str(when.year) if end.year == when.year else f"{when.year} to {end.year}"
    following = end + dt.timedelta(days=1)
    if when.day == 1 and following.day == 1 and (when.year, when.month) == (end.year, end.month):
        return f"{when:%Y-%m}"
    return f"{when.isoformat()} to {end.isoformat()}"


def _quote(spans: list[Span], limit: int = 160) -> str:
    if not spans:
        return ""
    text = " ".join(spans[0].text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f" — “{text}” [{spans[0].start}:{spans[0].end}]"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(brief: Brief) -> str:
    meta = brief.report
    out: list[str] = [f"# Brief: {meta.title or 'untitled report'}", ""]
    dateline = f"dated {meta.dated} by its dateline" if meta.dated and not meta.published else None
    published = f"published {meta.published}" if meta.published else dateline
    facts = [published, meta.source, meta.url]
    if any(facts):
        out += [" · ".join(f for f in facts if f), ""]
    out += ["## Bottom line up front", "", brief.bluf, ""]

    if brief.actors:
        out += [
            "## Key actors",
            "",
            "| Actor | Kind | Role | Affiliation | Also called |",
            "|---|---|---|---|---|",
        ]
        for a in brief.actors:
            out.append(
                f"| {_cell(a.name)} | {a.kind.value} | {_cell(a.role)} | "
                f"{_cell(a.affiliation)} | {_cell(', '.join(a.aliases))} |"
            )
        out.append("")

    if brief.developments:
        out += ["## Developments", ""]
        for d in sorted(brief.developments, key=lambda d: (d.when is None, d.when)):
            when = period(d.when, d.when_end)
            where = f" ({d.where})" if d.where else ""
            out.append(f"- **{when}**{where}: {d.what}")
        out.append("")

    if brief.claims:
        out += ["## Claims", ""]
        for c in brief.claims:
            verb = c.reporting_verb.lower()
            how = verb if verb == c.verb_class.value else f"{verb}: {c.verb_class.value}"
            when = f", {c.said_on.isoformat()}" if c.said_on else ""
            out.append(
                f"- **{c.chain}** ({how}{when}) — credibility **{c.credibility}**: {c.statement}"
                f" *{c.credibility_rationale}*"
            )
        out.append("")

    if brief.uncertainties:
        out += ["## Uncertainties", ""]
        for u in brief.uncertainties:
            band = f" *{u.likelihood.value}* [{u.likelihood_band}]." if u.likelihood else ""
            out.append(
                f"- {u.what}{band} {u.why} Confidence: {u.confidence.value} "
                f"({u.confidence_basis}){_quote(u.evidence)}"
            )
        out.append("")

    if brief.sources:
        out += ["## Sources", ""]
        for s in brief.sources:
            side = f", {s.side}" if s.side else ""
            proposed = (
                f" Side proposed by the model: {s.side_rationale}"
                if s.side_basis == "model" and s.side_rationale
                else ""
            )
            out.append(
                f"- **{s.name}** ({s.kind.value}{side}) — reliability **{s.reliability.value}** "
                f"({s.reliability.label.lower()}). {s.rationale}{proposed}"
            )
        out.append("")

    q = brief.quality
    if q.dropped_count or q.warnings:
        out += ["## Quality", ""]
        if q.dropped_count:
            out.append(
                f"- {q.dropped_count} item(s) dropped: their evidence did not match the report."
            )
        out += [f"- {w}" for w in q.warnings]
        out.append("")

    p = brief.provenance
    out += [
        "---",
        f"*{p.model} via {p.backend}; prompts "
        + ", ".join(f"{k} {v}" for k, v in sorted(p.prompt_versions.items()))
        + "".join(f"; {k} data {v}" for k, v in sorted(p.data_versions.items()))
        + f"; schema v{p.schema_version}; code {p.code_version or 'unrecorded'}; "
        f"{p.usage.llm_calls} LLM call(s), "
        f"{p.usage.total_tokens} tokens; {p.timings.total_ms / 1000:.1f}s.*",
        "",
    ]
    return "\n".join(out)
