"""What changed since the previous digest of the same schedule.

An event of this digest is the same as one of the previous digest when they share a report, or
when most of their actors and places are the same (a story carried on by new reports). It then
keeps the previous event's id and first-seen time, and its phase says whether anything is new:
new reports or developments make it *developing*; nothing new makes it *continuing*, and it is
not repeated as news. Events of the previous digest that nothing matches are listed as faded.
Judgments that moved (a claim's credibility, an uncertainty's likelihood) and uncertainties
that a new development or confirmation settles are listed as changes.
"""

from __future__ import annotations

from briefing.analysis.actors import normalize_name
from briefing.chains.grading import same_claim
from briefing.chains.guards import jaccard, support
from briefing.digest.merge import SAME_UNCERTAINTY, same_development
from briefing.schemas.brief import ReportingVerb
from briefing.schemas.digest import Change, ChangeKind, Digest, Event, Phase

SAME_NAMES = 0.5  # Jaccard of two events' actor and place names
RESOLVES = 0.6  # share of an uncertainty's words that a later development or confirmation tells


def names_of(event: Event) -> set[str]:
    names = {normalize_name(f) for a in event.actors for f in (a.name, *a.aliases)}
    return names | {normalize_name(p) for p in event.places}


def match(event: Event, previous: Digest) -> Event | None:
    """The previous digest's event this one continues, if any."""
    reports = set(event.reports)
    best, best_score = None, 0.0
    names = names_of(event)
    for old in previous.events:
        if reports & set(old.reports):
            return old
        other = names_of(old)
        if len(names) >= 2 and len(other) >= 2:
            score = len(names & other) / len(names | other)
            if score >= SAME_NAMES and score > best_score:
                best, best_score = old, score
    return best


def carry_over(event: Event, previous: Digest | None) -> tuple[Event, list[Change]]:
    """The event with its id, first-seen time, phase and new-development marks settled against
    the previous digest, and the changes it brings."""
    if previous is None:
        return event.model_copy(update={"new_developments": len(event.timeline)}), []
    old = match(event, previous)
    if old is None:
        event = event.model_copy(update={"new_developments": len(event.timeline)})
        change = Change(
            kind=ChangeKind.NEW_EVENT,
            event_id=event.id,
            headline=event.headline,
            detail=f"{event.originators} report(s) from {len(event.families)} publisher(s)",
        )
        return event, [change]
    changes: list[Change] = []
    timeline = []
    for dev in event.timeline:
        seen = any(same_development(dev, o) for o in old.timeline)
        timeline.append(dev.model_copy(update={"new": not seen}))
    new_devs = [d for d in timeline if d.new]
    new_reports = set(event.reports) - set(old.reports)
    phase = Phase.DEVELOPING if new_devs or new_reports else Phase.CONTINUING
    event = event.model_copy(
        update={
            "id": old.id,
            "first_seen": min(old.first_seen, event.first_seen),
            "phase": phase,
            "timeline": timeline,
            "new_developments": len(new_devs),
        }
    )
    if new_devs:
        changes.append(
            Change(
                kind=ChangeKind.NEW_DEVELOPMENTS,
                event_id=event.id,
                headline=event.headline,
                detail="; ".join(d.what for d in new_devs[:5]),
            )
        )
    for claim in event.claims:
        before = next((c for c in old.claims if same_claim(c.statement, claim.statement)), None)
        if before is not None and before.credibility != claim.credibility:
            changes.append(
                Change(
                    kind=ChangeKind.CREDIBILITY_MOVED,
                    event_id=event.id,
                    headline=event.headline,
                    detail=f"{claim.statement!r}: credibility {before.credibility} -> "
                    f"{claim.credibility} ({claim.corroboration} independent originator(s))",
                )
            )
    for unc in event.uncertainties:
        before_u = next(
            (u for u in old.uncertainties if jaccard(u.what, unc.what) >= SAME_UNCERTAINTY), None
        )
        if before_u is not None and before_u.likelihood != unc.likelihood:
            changes.append(
                Change(
                    kind=ChangeKind.LIKELIHOOD_MOVED,
                    event_id=event.id,
                    headline=event.headline,
                    detail=f"{unc.what!r}: {before_u.likelihood or 'no estimate'} -> "
                    f"{unc.likelihood or 'no estimate'}",
                )
            )
    settled = [d.what for d in new_devs] + [
        c.statement
        for c in event.claims
        if any(a.verb_class is ReportingVerb.CONFIRMED for a in c.attributions)
    ]
    for unc in old.uncertainties:
        still = any(jaccard(u.what, unc.what) >= SAME_UNCERTAINTY for u in event.uncertainties)
        if not still and any(support(unc.what, text) >= RESOLVES for text in settled):
            changes.append(
                Change(
                    kind=ChangeKind.UNCERTAINTY_RESOLVED,
                    event_id=event.id,
                    headline=event.headline,
                    detail=f"{unc.what!r} is now reported as a fact",
                )
            )
    return event, changes


def faded(previous: Digest | None, matched_ids: set[str]) -> list[Change]:
    if previous is None:
        return []
    return [
        Change(
            kind=ChangeKind.FADED,
            event_id=old.id,
            headline=old.headline,
            detail="no reports in this window",
        )
        for old in previous.events
        if old.id not in matched_ids
    ]
