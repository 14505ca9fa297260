"""Source reliability and information credibility, by rule (not by the model).

The rules, from docs/ANALYTIC-STANDARDS.md, as code:

* Reliability (A-F) starts from the kind of source, with no track record beyond this report:
  think tank B; intelligence service, media, government or official C; anyone else F. A source
  never gets A from one report.
* A party to a conflict (briefing/data/conflicts.yaml) reporting on its adversary has a *stake*,
  stated in the grade.
* Credibility (1-6) of a claim: 1 when at least two independent originators say it (a relay,
  "ISW citing HUR", is the same chain, not corroboration); otherwise from the source's
  reliability (B 2, C 3, D 4, E 5, F 6); no better than 3 with a stake; no better than 4 for
  speculation; 6 when nothing supports a judgment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from briefing.analysis.sides import ConflictData
from briefing.chains.guards import figures, jaccard
from briefing.schemas.brief import ReportingVerb, SourceKind
from briefing.schemas.scales import Reliability

BASE_RELIABILITY: dict[SourceKind, Reliability] = {
    SourceKind.THINK_TANK: Reliability.B,
    SourceKind.INTELLIGENCE_SERVICE: Reliability.C,
    SourceKind.MEDIA: Reliability.C,
    SourceKind.GOVERNMENT: Reliability.C,
    SourceKind.OFFICIAL: Reliability.C,
    SourceKind.OTHER: Reliability.F,
}
_BY_RELIABILITY = {"A": 2, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6}
SAME_CLAIM = 0.5  # content-word Jaccard at which two statements say the same thing


@dataclass(frozen=True)
class SourceGrade:
    reliability: Reliability
    rationale: str


def grade_source(kind: SourceKind, side: str | None, stake: str | None) -> SourceGrade:
    letter = BASE_RELIABILITY[kind]
    words = {
        SourceKind.THINK_TANK: "a research institute with a published method",
        SourceKind.INTELLIGENCE_SERVICE: "an intelligence service",
        SourceKind.MEDIA: "a news organization",
        SourceKind.GOVERNMENT: "a government body",
        SourceKind.OFFICIAL: "a government official",
        SourceKind.OTHER: "a source with no known record",
    }[kind]
    rationale = f"{letter.value} ({letter.label.lower()}): {words}"
    rationale += f" of {side}" if side else ""
    rationale += "; no track record beyond this report."
    if stake:
        rationale += f" Stake: {stake}."
    return SourceGrade(letter, rationale)


def stake_of(
    side: str | None, statements: list[str], data: ConflictData, on: dt.date | None = None
) -> str | None:
    """'party to the conflict with X, reporting on X' when the source's claims name an adversary
    in a conflict of ``data`` going on at ``on`` (the report's date; any conflict when it has
    none)."""
    if side is None:
        return None
    enemies = data.adversaries_of(side, on)
    named = set().union(*(data.sides_in(s) for s in statements)) if statements else set()
    return stake_statement(side, sorted(enemies & named))


def stake_statement(side: str, adversaries: list[str], note: str = "") -> str | None:
    """The stake in words, or None when the source names none of its adversaries."""
    if not adversaries:
        return None
    return (
        f"{side} is a party to the conflict with {', '.join(adversaries)} and reports on it{note}"
    )


def same_claim(a: str, b: str) -> bool:
    """Two statements say the same thing: most of their content words are shared, and the
    figures of one are all in the other ("The third victim died on the way to the hospital"
    and "two of the three victims died", "The 6.1-magnitude quake struck" and "The
    5.9-magnitude quake struck" do not confirm each other; "Gray was hit by seven bullets" and
    "Seven bullets hit Gray, three from the rear" do)."""
    if jaccard(a, b) < SAME_CLAIM:
        return False
    fa, fb = figures(a), figures(b)
    return fa <= fb or fb <= fa


@dataclass(frozen=True)
class Credibility:
    value: int
    rationale: str
    corroborated_by: tuple[str, ...]


def claim_credibility(
    *,
    statement: str,
    originator: str,
    reliability: Reliability | None,
    stake: str | None,
    verb_class: ReportingVerb,
    others: list[tuple[str, str]],  # (originator, statement) of every other claim
) -> Credibility:
    independent = sorted(
        {orig for orig, text in others if orig != originator and same_claim(statement, text)}
    )
    if independent:
        return Credibility(
            1,
            f"Confirmed: also reported independently by {', '.join(independent)}.",
            tuple(independent),
        )
    if reliability is None:
        return Credibility(6, "Truth cannot be judged: the originator is not identified.", ())
    value = _BY_RELIABILITY[reliability.value]
    reasons = [f"single source ({originator}, reliability {reliability.value})"]
    if stake and value < 3:
        value = 3
    if stake:
        reasons.append("the source has a stake and is not independently corroborated")
    if verb_class is ReportingVerb.SPECULATED and value < 4:
        value = 4
        reasons.append("it is speculation, not a statement of fact")
    label = {
        1: "Confirmed",
        2: "Probably true",
        3: "Possibly true",
        4: "Doubtful",
        5: "Improbable",
        6: "Truth cannot be judged",
    }[value]
    return Credibility(value, f"{label}: {'; '.join(reasons)}.", ())
