"""Markdown and standalone HTML of a digest: the bottom line, what changed, then the events
in rank order, each with its BLUF, timeline, claims (corroboration and attribution chains),
contradictions side by side and sources with their grades."""

from __future__ import annotations

import datetime as dt

from briefing.render.html import page
from briefing.render.markdown import period
from briefing.schemas.digest import Digest, DigestDevelopment, Event, EvidenceRef, Phase
from briefing.schemas.scales import CREDIBILITY_LABELS

TIMELINE_SHOWN = 12
CLAIMS_SHOWN = 10


def _cell(text: str | None) -> str:
    return " ".join((text or "").replace("|", "\\|").split())


def _quote(refs: list[EvidenceRef], titles: dict[str, str], limit: int = 140) -> str:
    if not refs:
        return ""
    ref = refs[0]
    text = " ".join(ref.text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f" — “{text}” ({titles.get(ref.report_id, ref.report_id)} [{ref.start}:{ref.end}])"


def _when(d: DigestDevelopment) -> str:
    text = (d.when_text or "").strip()
    if d.when is not None and text.isdigit() and len(text) == 4:  # a year alone is not a day
        return text
    return period(d.when, d.when_end)


def _event(e: Event, titles: dict[str, str]) -> list[str]:
    n = len(e.families)
    basis = f"{n} independent publishers" if n >= 2 else "single source"
    out = [
        f"## {e.rank}. {e.headline}",
        "",
        f"*{e.phase.value}* · {basis} · {e.originators} original report(s), {len(e.reports)} in "
        f"all · first seen {e.first_seen:%Y-%m-%d}, last seen {e.last_seen:%Y-%m-%d}",
        "",
        f"**BLUF:** {e.bluf}",
        "",
    ]
    if e.actors:
        names = [a.name + (f" ({', '.join(a.aliases[:3])})" if a.aliases else "") for a in e.actors]
        out += ["**Actors:** " + "; ".join(names[:12]), ""]
    if e.places:
        out += ["**Places:** " + ", ".join(e.places[:12]), ""]
    if e.timeline:
        out += ["### Timeline", ""]
        # The developments most sources tell (dated first), shown in date order.
        shown = sorted(e.timeline, key=lambda d: (-len(d.families), d.when is None))[
            :TIMELINE_SHOWN
        ]
        for d in sorted(shown, key=lambda d: (d.when is None, d.when or dt.date.min)):
            when = _when(d)
            mark = " **new**" if d.new and e.phase is Phase.DEVELOPING else ""
            out.append(
                f"- **{when}**{mark}: {d.what} ({len(d.families)} publisher(s))"
                f"{_quote(d.evidence, titles)}"
            )
        if len(e.timeline) > len(shown):
            out.append(f"- … {len(e.timeline) - len(shown)} more development(s) in the JSON")
        out.append("")
    if e.claims:
        out += ["### Claims", ""]
        for c in e.claims[:CLAIMS_SHOWN]:
            chains = "; ".join(dict.fromkeys(a.chain for a in c.attributions))
            out.append(
                f"- {c.statement} — {chains}. Corroboration: {c.corroboration} independent "
                f"originator(s) ({', '.join(c.independent_originators)}); credibility "
                f"{c.credibility} ({CREDIBILITY_LABELS[c.credibility]})"
                + (f"; stake: {c.stake}" if c.stake else "")
                + _quote(c.attributions[0].evidence, titles)
            )
        out.append("")
    if e.contradictions:
        out += ["### Contradictions", "", "| About | One side | Other side |", "|---|---|---|"]
        for x in e.contradictions:
            cells = []
            for side in x.sides:
                grade = f" [{side.reliability.value}]" if side.reliability else ""
                value = f" **{side.value}**:" if side.value else ""
                cells.append(
                    _cell(
                        f"{side.source}{grade}{value} “{' '.join(side.evidence[0].text.split())}” "
                        f"({titles.get(side.report_id, side.report_id)})"
                    )
                )
            out.append(f"| {x.kind.value}: {_cell(x.about)} | {cells[0]} | {cells[1]} |")
        out.append("")
    if e.uncertainties:
        out += ["### Uncertainties", ""]
        for u in e.uncertainties:
            how = f"{u.likelihood.value}, " if u.likelihood else ""
            out.append(f"- {u.what} ({how}{u.confidence.value} confidence): {u.why}")
        out.append("")
    if e.sources:
        out += [
            "### Sources",
            "",
            "| Source | Kind | Grade | Reports | Family |",
            "|---|---|---|---|---|",
        ]
        for s in e.sources:
            out.append(
                f"| {_cell(s.name)} | {s.kind.value} | {s.reliability.value} | {s.reports} | "
                f"{_cell(s.family)} |"
            )
        out.append("")
    return out


def render_digest_markdown(digest: Digest) -> str:
    w = digest.window
    out = [
        f"# Digest: {w.since:%Y-%m-%d %H:%M} to {w.until:%Y-%m-%d %H:%M} UTC",
        "",
        "## Bottom line up front",
        "",
        digest.bluf,
        "",
    ]
    if digest.empty:
        return "\n".join(out)
    titles = {r.id: r.title or r.source or r.id for r in digest.reports}
    if digest.changes:
        out += ["## What changed", ""]
        for c in digest.changes:
            out.append(f"- **{c.kind.value.replace('_', ' ')}** — {c.headline}: {c.detail}")
        out.append("")
    news = [e for e in digest.events if e.phase is not Phase.CONTINUING]
    for e in news:
        out += _event(e, titles)
    continuing = [e for e in digest.events if e.phase is Phase.CONTINUING]
    if continuing:
        out += ["## Continuing, nothing new", ""]
        out += [f"- {e.headline} (first seen {e.first_seen:%Y-%m-%d})" for e in continuing]
        out.append("")
    out += [
        "## Reports",
        "",
        "| Report | Source | Family | Published | Carrier of |",
        "|---|---|---|---|---|",
    ]
    for r in digest.reports:
        carried = _cell(titles.get(r.carrier_of, r.carrier_of)) if r.carrier_of else ""
        out.append(
            f"| {_cell(r.title or r.id)} | {_cell(r.source)} | {_cell(r.family)} | "
            f"{r.published or ''} | {carried} |"
        )
    out.append("")
    p = digest.provenance
    out += [
        f"*Model {p.model} ({p.backend}); prompts "
        + ", ".join(f"{k} {v}" for k, v in sorted(p.prompt_versions.items()))
        + f"; code {p.code_version or 'unrecorded'}"
        + f"; {p.usage.llm_calls} digest model call(s); {p.briefs_reused} cached brief(s) reused, "
        f"{p.briefs_made} made.*",
        "",
    ]
    if digest.quality.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in digest.quality.warnings] + [""]
    return "\n".join(out)


def render_digest_html(digest: Digest) -> str:
    w = digest.window
    return page(f"Digest {w.since:%Y-%m-%d} to {w.until:%Y-%m-%d}", render_digest_markdown(digest))
