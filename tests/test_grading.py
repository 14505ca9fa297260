"""Source grading rules (code, not the model) and reporting chains."""

from __future__ import annotations

import datetime as dt
import json

from scripted import ScriptedChatModel

from briefing.analysis.sides import side_of, sides_in
from briefing.chains.brief import BriefChain
from briefing.chains.grading import claim_credibility, grade_source, stake_of
from briefing.ingest import load_report
from briefing.llm.backend import Backend
from briefing.schemas.brief import Brief, ReportingVerb, SourceKind
from briefing.schemas.scales import Reliability
from briefing.settings import Settings, StructuredMode

EMPTY = json.dumps({"bluf": "", "actors": [], "developments": [], "uncertainties": []})


def brief_of(text: str) -> Brief:
    model = ScriptedChatModel(default=EMPTY)
    backend = Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN)
    return BriefChain(Settings(), backend=backend).run(load_report(text.encode()))


def test_sides_and_stake() -> None:
    assert (
        side_of("HUR Main Directorate of Intelligence", "Ukrainian Defense Ministry") == "Ukraine"
    )
    assert sides_in("Russian troops have experienced significant losses") == {"Russia"}
    assert stake_of("Ukraine", ["Russian troops lost ground"]) is not None
    assert stake_of("Ukraine", ["the weather in Kyiv was fine"]) is None
    assert stake_of(None, ["Russian troops lost ground"]) is None


def test_grades_never_invented() -> None:
    assert grade_source(SourceKind.OTHER, None, None).reliability is Reliability.F
    assert grade_source(SourceKind.THINK_TANK, None, None).reliability is Reliability.B
    stake = "Ukraine is a party to the conflict with Russia and reports on it"
    grade = grade_source(SourceKind.INTELLIGENCE_SERVICE, "Ukraine", stake)
    assert grade.reliability is Reliability.C and "Stake" in grade.rationale
    unknown = claim_credibility(
        statement="x",
        originator="someone",
        reliability=None,
        stake=None,
        verb_class=ReportingVerb.REPORTED,
        others=[],
    )
    assert unknown.value == 6


def test_stake_caps_credibility_at_3_unless_corroborated() -> None:
    stake = "party"
    alone = claim_credibility(
        statement="Russia lost 300 tanks near Pokrovsk",
        originator="HUR",
        reliability=Reliability.B,
        stake=stake,
        verb_class=ReportingVerb.REPORTED,
        others=[],
    )
    assert alone.value == 3 and "stake" in alone.rationale
    backed = claim_credibility(
        statement="Russia lost 300 tanks near Pokrovsk",
        originator="HUR",
        reliability=Reliability.B,
        stake=stake,
        verb_class=ReportingVerb.REPORTED,
        others=[("Reuters", "Russia lost 300 tanks near Pokrovsk, Reuters said")],
    )
    assert backed.value == 1 and backed.corroborated_by == ("Reuters",)
    speculation = claim_credibility(
        statement="x y z",
        originator="ISW",
        reliability=Reliability.B,
        stake=None,
        verb_class=ReportingVerb.SPECULATED,
        others=[],
    )
    assert speculation.value == 4


def test_a_relay_is_the_same_chain_not_corroboration() -> None:
    brief = brief_of(
        "date 2024-12-02 Update\n"
        "HUR says Russia has moved S-300 systems out of Syria.\n"
        "ISW, citing HUR, reports that Russia has moved S-300 systems out of Syria.\n"
    )
    relayed = next(c for c in brief.claims if c.relays)
    assert (relayed.originator, relayed.relays, relayed.chain) == (
        "HUR",
        ["ISW"],
        "ISW, citing HUR",
    )
    for claim in brief.claims:
        assert claim.originator == "HUR"
        assert claim.corroborated_by == [] and claim.credibility == 3  # Ukraine on Russia: stake


def test_independent_sources_confirm() -> None:
    brief = brief_of(
        "date 2024-12-02 Update\n"
        "HUR says Russia has moved S-300 systems out of Syria.\n"
        "ISW reports that Russia has moved S-300 systems out of Syria.\n"
    )
    assert {c.credibility for c in brief.claims} == {1}
    assert {tuple(c.corroborated_by) for c in brief.claims} == {("ISW",), ("HUR",)}


def test_example_claims_chains_and_dates(example_report) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedChatModel(default=EMPTY)
    backend = Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN)
    brief = BriefChain(Settings(), backend=backend).run(example_report)
    hur_claims = [c for c in brief.claims if c.originator == "HUR"]
    assert len(hur_claims) >= 4
    assert all(c.credibility >= 3 and not c.corroborated_by for c in hur_claims)
    hur = next(s for s in brief.sources if s.name == "HUR")
    assert hur.side == "Ukraine" and hur.stake and "Russia" in hur.stake
    first = next(c for c in hur_claims if c.reporting_verb == "reported")
    assert first.said_on == dt.date(2024, 12, 1) and first.said_on_text == "1 December"
    isw_dated = next(c for c in brief.claims if c.reporting_verb == "noting")
    assert isw_dated.said_on == dt.date(2024, 11, 30)
    peskov = next(c for c in brief.claims if c.originator == "Dmitry Peskov")
    assert peskov.verb_class is ReportingVerb.SPECULATED and peskov.credibility >= 4
    chayko = next(d for d in brief.developments if "Chayko" in d.what)
    assert (chayko.when, chayko.when_end) == (dt.date(2017, 1, 1), dt.date(2019, 12, 31))
