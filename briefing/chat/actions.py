"""What an analyst asks chat to do, routed by code to the brief and digest pipelines.

- "brief report ID": the report's brief (the cached one, else the code-only brief): its
  bottom line and claims with their attribution chains and grades.
- "profile ACTOR": every stored report and claim naming the actor, merged across the aliases
  each brief resolved (a surname, an acronym, a country adjective).
- "what is new about TOPIC since DATE": a digest, made by code, of the reports matching the
  topic since that day: its events, told by how many independent publishers.

Each answer is built from the pipelines' items, every statement cited to the words of its
report (the items' own evidence spans), so nothing here is model prose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefing.schemas.brief import Brief
from briefing.schemas.digest import Digest
from briefing.store.passages import Hit

_BRIEF = re.compile(r"^\s*(?:please\s+)?brief\s+(?:report\s+)?(?P<id>[0-9a-f]{32})\b", re.I)
_PROFILE = re.compile(r"^\s*(?:please\s+)?profile\s+(?P<actor>[^?.!]{2,100})", re.I)
_SINCE = re.compile(
    r"^\s*what(?:'s|’s| is)\s+new\s+(?:about|on|with|in)\s+(?P<topic>.{2,100}?)\s+since\s+"
    r"(?P<date>[^?!]{2,60})[?!.]?\s*$",
    re.I,
)
MAX_ITEMS = 5


@dataclass(frozen=True)
class Action:
    kind: str  # "brief", "profile", "since"
    subject: str
    since: dt.datetime | None = None


def parse_action(question: str, *, now: dt.datetime | None = None) -> Action | None:
    """The action a question asks for, or None for a plain question."""
    if m := _BRIEF.match(question):
        return Action("brief", m.group("id"))
    if m := _PROFILE.match(question):
        return Action("profile", m.group("actor").strip())
    if m := _SINCE.match(question):
        import dateparser

        when = dateparser.parse(
            m.group("date"),
            settings={
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "UTC",
                "PREFER_DATES_FROM": "past",
                "RELATIVE_BASE": (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None),
            },
        )
        if when is not None:
            return Action("since", m.group("topic").strip(), since=when.astimezone(dt.UTC))
    return None


@dataclass
class Cited:
    """A statement and the report words it rests on."""

    text: str
    hit: Hit


class ActionRunner:
    """Runs actions on the service's pipelines, given as callables: a stored report's text
    and metadata, its brief, the reports naming a term, a digest of a window."""

    def __init__(
        self,
        *,
        report: Callable[[str], tuple[str, str | None, str | None, dt.date | None] | None],
        brief_of: Callable[[str], Brief | None],
        reports_naming: Callable[[Sequence[str]], list[str]],
        digest_of: Callable[[str, dt.datetime], Digest],
    ) -> None:
        self.report = report
        self.brief_of = brief_of
        self.reports_naming = reports_naming
        self.digest_of = digest_of

    def run(self, action: Action) -> tuple[list[Cited], str | None]:
        """Statements with their evidence, or none and why."""
        if action.kind == "brief":
            return self._brief(action.subject)
        if action.kind == "profile":
            return self._profile(action.subject)
        return self._since(action.subject, action.since or dt.datetime.now(dt.UTC))

    def _hit(self, report_id: str, start: int, end: int) -> Hit | None:
        found = self.report(report_id)
        if found is None:
            return None
        text, title, source, published = found
        return Hit(
            passage_id=-1,
            report_id=report_id,
            start=start,
            end=end,
            text=text[start:end],
            score=0.0,
            title=title,
            source=source,
            published=published,
        )

    def _brief(self, report_id: str) -> tuple[list[Cited], str | None]:
        brief = self.brief_of(report_id)
        if brief is None:
            return [], f"No stored report has the id {report_id}."
        out = []
        if brief.bluf_evidence:
            span = brief.bluf_evidence[0]
            hit = self._hit(report_id, span.start, span.end)
            if hit:
                out.append(Cited(f"Bottom line: {brief.bluf}", hit))
        for claim in sorted(brief.claims, key=lambda c: c.credibility)[: MAX_ITEMS - 1]:
            span = claim.evidence[0]
            hit = self._hit(report_id, span.start, span.end)
            if hit:
                out.append(Cited(_claim_line(brief, claim), hit))
        return out, None if out else "The brief of that report holds no cited items."

    def _profile(self, name: str) -> tuple[list[Cited], str | None]:
        wanted = name.casefold()
        out: list[Cited] = []
        reports = 0
        for report_id in self.reports_naming(name.split()):
            brief = self.brief_of(report_id)
            if brief is None:
                continue
            actors = [
                a
                for a in brief.actors
                if any(
                    wanted in n.casefold() or n.casefold() in wanted for n in [a.name, *a.aliases]
                )
            ]
            if not actors:
                continue
            reports += 1
            names = {n.casefold() for a in actors for n in [a.name, *a.aliases]}
            actor = actors[0]
            if len(out) < MAX_ITEMS:
                span = actor.evidence[0]
                hit = self._hit(report_id, span.start, span.end)
                role = f", {actor.role}" if actor.role else ""
                if hit:
                    out.append(Cited(f"{actor.name} ({actor.kind.value}{role}) is named", hit))
            for claim in brief.claims:
                said_by = claim.originator.casefold() in names or claim.source.casefold() in names
                about = any(n in claim.statement.casefold() for n in names)
                if (said_by or about) and len(out) < MAX_ITEMS * 2:
                    span = claim.evidence[0]
                    hit = self._hit(report_id, span.start, span.end)
                    if hit:
                        out.append(Cited(_claim_line(brief, claim), hit))
        if not out:
            return [], f"The reports do not name {name}."
        head = f"{name} appears in {reports} stored report(s)"
        return [Cited(f"{head}; {out[0].text}", out[0].hit), *out[1:]], None

    def _since(self, topic: str, since: dt.datetime) -> tuple[list[Cited], str | None]:
        digest = self.digest_of(topic, since)
        day = since.date().isoformat()
        if not digest.events:
            return [], f"No stored report about {topic} since {day}."
        out = []
        for event in digest.events[:MAX_ITEMS]:
            refs = event.bluf_evidence or [e for d in event.timeline for e in d.evidence]
            if not refs:
                continue
            ref = refs[0]
            hit = self._hit(ref.report_id, ref.start, ref.end)
            if hit is None:
                continue
            told = len(event.families)
            out.append(
                Cited(
                    f"Since {day}: {event.headline} ({len(event.reports)} report(s), "
                    f"{told} independent publisher(s), {event.phase.value})",
                    hit,
                )
            )
        return out, None if out else f"No stored report about {topic} since {day}."


def _claim_line(brief: Brief, claim: object) -> str:
    from briefing.schemas.brief import Claim

    assert isinstance(claim, Claim)
    grade = next((s.reliability.value for s in brief.sources if s.name == claim.source), None)
    graded = f"source {grade}, " if grade else ""
    return (
        f"{claim.chain} {claim.reporting_verb}: {claim.statement.rstrip('.')} "
        f"({graded}credibility {claim.credibility})"
    )
