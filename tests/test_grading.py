"""Source grading rules (code, not the model) and reporting chains."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from scripted import ScriptedChatModel

from briefing.analysis.lexicon import source_kind
from briefing.analysis.sides import load_conflicts, parse_conflicts
from briefing.chains.brief import BriefChain
from briefing.chains.grading import claim_credibility, grade_source, same_claim, stake_of
from briefing.errors import ConfigError
from briefing.ingest import load_report
from briefing.llm.backend import Backend
from briefing.schemas.brief import ActorKind, Brief, ReportingVerb, SourceKind
from briefing.schemas.scales import Reliability
from briefing.settings import Settings, StructuredMode

EMPTY = json.dumps({"bluf": "", "actors": [], "developments": [], "uncertainties": []})


def brief_of(text: str) -> Brief:
    model = ScriptedChatModel(default=EMPTY)
    backend = Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN)
    return BriefChain(Settings(), backend=backend).run(load_report(text.encode()))


def test_sides_and_stake() -> None:
    data = load_conflicts()
    assert (
        data.side_of("HUR Main Directorate of Intelligence", "Ukrainian Defense Ministry")
        == "Ukraine"
    )
    assert data.sides_in("Russian troops have experienced significant losses") == {"Russia"}
    assert stake_of("Ukraine", ["Russian troops lost ground"], data) is not None
    assert stake_of("Ukraine", ["the weather in Kyiv was fine"], data) is None
    assert stake_of(None, ["Russian troops lost ground"], data) is None


def test_parties_come_from_the_data_file_not_from_names_in_code() -> None:
    data = load_conflicts()
    # A state party is marked by the gazetteer's names, nationality words and capital.
    assert data.sides_in("Addis Ababa said Ethiopian troops held Mekelle") == {
        "Ethiopian government"
    }
    # The longest name wins: the opposition is not the Syrian government.
    assert data.sides_in("Syrian opposition forces advanced") == {"Syrian opposition"}
    # Acronyms match with their case only: "is" is not the Islamic State.
    assert data.sides_in("this is what IS fighters said") == {"Islamic State"}
    assert data.sides_in("this is what it is") == set()
    # Officials by title or affiliation, not by name.
    assert data.side_of("Getachew Reda", "TPLF", "spokesman") == "TPLF"
    # Conflicts have dates: the Syrian civil war of Assad's government ended in December 2024.
    assert "Syrian opposition" in data.adversaries_of("Russia", dt.date(2024, 12, 2))
    assert "Syrian opposition" not in data.adversaries_of("Russia", dt.date(2025, 6, 1))


def test_a_users_conflicts_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "conflicts.yaml"
    path.write_text(
        "version: mine-1\n"
        "parties:\n"
        "  Ruritania: {state: Germany}\n"
        "  Red Hand: {armed_groups: [Red Hand, RHF]}\n"
        "conflicts:\n"
        "  - {name: Ruritanian war, since: 2020-01-01, sides: [[Ruritania], [Red Hand]]}\n"
    )
    data = load_conflicts(path)
    assert data.version == "mine-1" and data.adversaries_of("Red Hand") == {"Ruritania"}
    # The brief chain grades by the file its own settings name.
    chain = BriefChain(Settings(conflicts_file=path, llm_base_url="http://127.0.0.1:9/v1"))
    assert chain.conflicts is data and chain.data_versions["conflicts"] == "mine-1"
    assert data.sides_in("the RHF attacked a German post in Berlin") == {"Red Hand", "Ruritania"}
    bad = {
        "parties": {"A": {"armed_groups": ["X"]}, "B": {"armed_groups": ["X"]}},
        "conflicts": [],
    }
    with pytest.raises(ConfigError, match="listed under both"):
        parse_conflicts(bad, "test")
    with pytest.raises(ConfigError, match="not among the parties"):
        parse_conflicts({"parties": {"A": {}}, "conflicts": [{"sides": [["A"], ["Z"]]}]}, "t")
    with pytest.raises(ConfigError, match="no country"):
        parse_conflicts({"parties": {"A": {"state": "Atlantis"}}, "conflicts": []}, "t")


TIGRAY = (
    "date 2021-07-02 Fighting in Tigray\n"
    "The Tigray People's Liberation Front (TPLF) said on Thursday that its fighters had "
    "captured more than 6,000 Ethiopian soldiers near Mekelle.\n"
    "TPLF spokesman Getachew Reda said the Ethiopian National Defense Force had lost three "
    "divisions and that Eritrean troops were retreating.\n"
    "The Ethiopian government said the withdrawal from Mekelle was a unilateral ceasefire.\n"
    "Reuters could not independently verify the claims.\n"
)


def test_a_report_on_another_conflict_gets_its_stakes() -> None:
    """Issue: sides from data. Not the example's conflict: Ethiopia and the TPLF."""
    brief = brief_of(TIGRAY)
    tplf = next(s for s in brief.sources if s.name in ("Tigray People's Liberation Front", "TPLF"))
    assert tplf.side == "TPLF"
    assert tplf.stake and "Ethiopian government" in tplf.stake
    tplf_claims = [c for c in brief.claims if c.originator == tplf.name]
    assert tplf_claims and all(c.stake and c.credibility >= 3 for c in tplf_claims)
    getachew = next(s for s in brief.sources if "Getachew" in s.name)
    assert getachew.side == "TPLF" and getachew.stake
    government = next(s for s in brief.sources if "Ethiopian" in s.name or s.name == "Ethiopia")
    assert government.side == "Ethiopian government"
    assert brief.provenance.data_versions["conflicts"] == load_conflicts().version


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


def test_a_claim_quoted_inside_another_or_told_by_no_one_named_confirms_nothing() -> None:
    # Reuters tells what Jane Doe said: one telling, not two sources, though the two
    # statements are the same claim by their words.
    nested = brief_of(
        "date 2024-12-02 Update\n"
        "Reuters reported that Governor Jane Doe said the old bridge over the river Sava "
        "collapsed during the storm.\n"
    )
    assert len(nested.claims) == 2 and same_claim(*(c.statement for c in nested.claims))
    assert all(c.credibility != 1 and not c.corroborated_by for c in nested.claims)
    # "Local residents" names no one: they cannot be the independent source that confirms.
    unnamed = brief_of(
        "date 2024-12-02 Update\n"
        "HUR says Russia has moved S-300 systems out of Syria.\n"
        "Local residents said Russia has moved S-300 systems out of Syria.\n"
    )
    hur = next(c for c in unnamed.claims if c.originator == "HUR")
    assert not hur.corroborated_by and hur.credibility == 3
    told = next(c for c in unnamed.claims if c.originator == "Local residents")
    assert told.corroborated_by == ["HUR"] and told.credibility == 1  # a named one confirms it


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


RURITANIA = (
    "date 2031-05-04 Clashes in the north\n"
    "The Free Ruritania Front (FRF) said its fighters had killed 40 soldiers of the Ruritanian "
    "army near Zenda.\n"
    "The FRF also said the Ruritanian army had shelled two villages.\n"
)


def test_a_capable_model_may_propose_a_side_the_data_lacks() -> None:
    """Issue: sides from data; a capable model may propose a side, recorded with its reason."""
    probe = brief_of(RURITANIA)
    frf = next(s for s in probe.sources if "FRF" in s.name or "Front" in s.name)
    assert frf.side is None and frf.stake is None  # no such party in the data
    actor_id = next(a.id for a in probe.actors if a.name == frf.name)

    def with_model(sides: list[dict[str, object]]) -> Brief:
        draft = {"bluf": "", "actors": [], "developments": [], "uncertainties": [], "sides": sides}
        model = ScriptedChatModel(default=json.dumps(draft))
        backend = Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN)
        chain = BriefChain(Settings(model_proposes_sides=True), backend=backend)
        brief = chain.run(load_report(RURITANIA.encode()))
        prompt = str(model.calls[0]["messages"][-1].content)
        assert f"Unsided sources: {actor_id} " in prompt
        return brief

    proposal = {
        "id": actor_id,
        "side": "Free Ruritania Front",
        "opposes": ["Ruritanian army"],
        "rationale": "The FRF says its fighters fought the Ruritanian army near Zenda.",
    }
    brief = with_model([proposal])
    frf = next(s for s in brief.sources if s.name == frf.name)
    assert frf.side == "Free Ruritania Front" and frf.side_basis == "model"
    assert frf.side_rationale and "Zenda" in frf.side_rationale
    assert frf.stake and "Ruritanian army" in frf.stake and "proposed by the model" in frf.stake
    claims = [c for c in brief.claims if c.originator == frf.name]
    assert claims and all(c.stake and c.credibility >= 3 for c in claims)
    # A proposal naming a party the report never names is not used, and the brief says so.
    invented = with_model([{**proposal, "opposes": ["Graustark"]}])
    frf = next(s for s in invented.sources if s.name == frf.name)
    assert frf.side is None and frf.stake is None
    assert any("the side the model proposed" in w for w in invented.quality.warnings)
    # The embedded model is never asked (auto: only remote backends propose sides).
    assert not Settings().proposes_sides and Settings(llm_base_url="http://x/v1").proposes_sides


def test_a_countrys_media_speak_for_themselves_not_for_the_country() -> None:
    """ "Iranian media said" is the media's claim, ungraded, not Iran's as a government body;
    "Russian officials said" stays Russia's."""
    brief = brief_of(
        "Iranian media said five people were hurt in the quake on Qeshm island. Iran's state "
        "television reported that the island was calm. Russian officials said the drone was "
        "shot down. According to the Venezuelan newspaper El Nacional, the hospital had no water."
    )
    by_statement = {c.statement.rstrip("."): c for c in brief.claims}
    media = by_statement["Five people were hurt in the quake on Qeshm island"]
    assert (media.source, media.originator) == ("Iranian media", "Iranian media")
    assert by_statement["The island was calm"].originator == "Iran's state television"
    assert by_statement["The drone was shot down"].originator == "Russia"
    # A paper named in apposition is the source, not its country.
    assert by_statement["The hospital had no water"].originator == "El Nacional"
    identified = sorted(s.name for s in brief.sources if s.identified)
    assert identified == ["El Nacional", "Iran's state television", "Russia"]
    # Media that the words name no one of are listed as such, graded F like their claims (6);
    # "Iran's state television" names a country: no actor, but a source of its kind (media).
    unnamed = {s.name: s for s in brief.sources if not s.identified}
    assert sorted(unnamed) == ["Iranian media"]
    assert {s.reliability.value for s in unnamed.values()} == {"F"} and media.credibility == 6
    # ... and a medium: the words before its name say so.
    kinds = {s.name: s.kind for s in brief.sources}
    assert kinds["El Nacional"] is SourceKind.MEDIA
    assert kinds["Iran's state television"] is SourceKind.MEDIA
    assert kinds["Russia"] is SourceKind.GOVERNMENT
    office = brief_of("The White House press office said the visit was cancelled.")
    assert [(s.name, s.kind) for s in office.sources] == [("White House", SourceKind.GOVERNMENT)]
    # The parser makes "agency" and "IRNA" two subjects of "reported": the name speaks, and
    # the description before it says what it is.
    agency = brief_of("The state news agency IRNA reported that five people were hurt.")
    assert [(s.name, s.kind) for s in agency.sources] == [("IRNA", SourceKind.MEDIA)]
    assert [c.originator for c in agency.claims] == ["IRNA"]
    # A medium by its name alone: a newspaper's word or a news agency's acronym; a press
    # office of the government stays government.
    for name, kind in (
        ("Detroit Free Press", SourceKind.MEDIA),
        ("Philadelphia Inquirer", SourceKind.MEDIA),
        ("Xinhua", SourceKind.MEDIA),
        ("White House Office of the Press", SourceKind.GOVERNMENT),
        # ... or the word a newspaper's name ends with
        ("The Vancouver Sun", SourceKind.MEDIA),
        ("USA Today", SourceKind.MEDIA),
        ("Sun Microsystems", SourceKind.OTHER),
        ("Office of the Chief Medical Examiner", SourceKind.GOVERNMENT),
    ):
        assert source_kind(name, ActorKind.ORGANIZATION, None) is kind, name
    assert source_kind("Li Sun", ActorKind.PERSON, None) is SourceKind.OTHER
    sun = brief_of("The Vancouver Sun reported that the mill would close in March.")
    assert [(s.name, s.kind, s.reliability.value) for s in sun.sources] == [
        ("Vancouver Sun", SourceKind.MEDIA, "C")
    ]
    # Nor does a given name or a legal form that is also some agency's acronym.
    assert source_kind("Petra Novak", ActorKind.PERSON, None) is SourceKind.OTHER
    assert source_kind("Fiat SpA", ActorKind.ORGANIZATION, None) is SourceKind.OTHER
    # "agency" alone names no medium: only a news or press agency is one.
    fema = source_kind("Federal Emergency Management Agency", ActorKind.ORGANIZATION, None)
    assert fema is not SourceKind.MEDIA


def test_a_title_that_is_a_calling_makes_no_official() -> None:
    """A defence lawyer or a priest speaks as a source of no known kind (F), a mayor or a
    deputy district attorney as an official (C)."""
    brief = brief_of(
        "Defense Attorney Stanley Perlo said the appeal would fail. Father Tom Ward said the "
        "church would reopen. Mayor Ann Lee said the bridge would reopen. Deputy District "
        "Attorney Phil Stirling said such cases can never be predicted."
    )
    kinds = {s.name: (s.kind, s.reliability) for s in brief.sources}
    assert kinds == {
        "Stanley Perlo": (SourceKind.OTHER, Reliability.F),
        "Tom Ward": (SourceKind.OTHER, Reliability.F),
        "Ann Lee": (SourceKind.OFFICIAL, Reliability.C),
        "Phil Stirling": (SourceKind.OFFICIAL, Reliability.C),
    }
    # The same in apposition, where the role goes on after its title.
    apposed = brief_of(
        "Karl Menzies, a lawyer for the family, said the appeal would fail. Ann Lee, head of "
        "the county's emergency service, said the bridge would reopen."
    )
    kinds = {s.name: (s.kind, s.reliability) for s in apposed.sources}
    assert kinds == {
        "Karl Menzies": (SourceKind.OTHER, Reliability.F),
        "Ann Lee": (SourceKind.OFFICIAL, Reliability.C),
    }


def test_a_brief_says_which_day_its_relative_dates_count_from() -> None:
    from briefing.render.markdown import render_markdown

    text = (
        "Cable cut off Egypt\nAugust 17, 2011\n"
        "Telecom Egypt lost its undersea cable to Italy on Tuesday.\n"
    )
    brief = brief_of(text)
    assert (brief.report.published, brief.report.dated) == (None, dt.date(2011, 8, 17))
    cut = next(d for d in brief.developments if "Tuesday" in d.what)
    assert (cut.when, cut.when_text) == (dt.date(2011, 8, 16), "Tuesday")
    assert "dated 2011-08-17 by its dateline" in render_markdown(brief)
    undated = brief_of(text.replace("August 17, 2011\n", ""))
    assert undated.report.dated is None
    assert next(d for d in undated.developments if "Tuesday" in d.what).when is None


def test_a_time_stamp_is_no_development() -> None:
    """A dateline or time stamp names no development, though spaCy may find an "actor" in it
    ("ET"); a headline that gives a date is still one."""
    stamp = "Posted: Nov 27, 2005 8:20 AM ET Last Updated: Nov 27, 2005 8:10 PM ET"
    body = "The Red Crescent sent rescue teams to Qeshm island on Sunday."
    told = [d.evidence[0].text for d in brief_of(f"{stamp}\n{body}\n").developments]
    assert stamp not in told and any("Red Crescent" in t for t in told)
    headline = "Seacom operations fully restored: 4 November 2011"
    told = [d.evidence[0].text for d in brief_of(f"{headline}\nSeacom said so.\n").developments]
    assert headline in told


def test_speakers_no_actor_stands_for_are_sources_too() -> None:
    """ICD 203: describe every source. Speakers whose words name no one ("police said", "a
    spokesman told", "a source close to the talks said") are listed once each, not identified,
    graded F; a name spaCy found no entity for ("Lyons said") is an identified source graded by
    its kind; an unresolved "he" is no source; a named actor keeps its grade."""
    text = (
        "Talks stall\n\nThe talks stalled on Monday, police said. Police said 40 people were "
        'arrested. "We will not sign," a spokesman told reporters. A source close to the talks '
        "said the deal was dead. The van was found empty, Lyons said. He said more talks were "
        "planned. Mayor John Whitmire said the city was calm."
    )
    brief = brief_of(text)
    unnamed = {s.name.casefold(): s for s in brief.sources if not s.identified}
    assert sorted(unnamed) == ["a source close to the talks", "a spokesman", "police"]
    assert all(
        s.reliability.value == "F" and "names no one" in s.rationale for s in unnamed.values()
    )
    assert unnamed["a spokesman"].kind is SourceKind.OFFICIAL  # a title, though unnamed
    police = unnamed["police"]
    assert sorted({e.text.casefold() for e in police.evidence}) == ["police", "said"]
    assert all(text[e.start : e.end] == e.text for e in police.evidence)
    assert len([e for e in police.evidence if e.text == "said"]) == 2  # both tellings
    named = {s.name: s for s in brief.sources if s.identified}
    assert sorted(named) == ["John Whitmire", "Lyons"]
    assert named["John Whitmire"].reliability.value == "C"
    assert (named["Lyons"].kind, named["Lyons"].reliability.value) == (SourceKind.OTHER, "F")
    claims = {c.source.casefold(): c for c in brief.claims}
    assert claims["police"].credibility == 6
    assert "not identified" in claims["police"].credibility_rationale
    assert "single source (Lyons, reliability F)" in claims["lyons"].credibility_rationale
    assert claims["john whitmire"].credibility == 3
    assert "he" not in {s.name.casefold() for s in brief.sources}


def test_a_place_where_a_speaker_was_does_not_name_them() -> None:
    """ "An office worker in Dubai" names no one: not identified, graded F (it was graded C,
    by its kind, as if Dubai named the worker); researchers at a company are its source."""
    text = (
        "Quake felt in the Gulf\n\nAn office worker in Dubai said the building shook for a "
        "minute. Researchers at the security firm Halvorsen Labs said the flaw was known."
    )
    sources = {s.name: s for s in brief_of(text).sources}
    worker = sources["An office worker in Dubai"]
    assert not worker.identified and worker.reliability.value == "F"
    assert sources["Halvorsen Labs"].identified


def test_statements_that_give_other_figures_are_not_the_same_claim() -> None:
    # Most of their words are shared, but one says the third victim died, the other two of three.
    assert not same_claim(
        "The third victim died on the way to the hospital.", "two of the three victims died"
    )
    assert not same_claim(
        "The 6.1-magnitude quake struck Qeshm island, home to 120,000 people.",
        "The 5.9-magnitude quake struck Qeshm island, home to 120,000 people.",
    )
    assert not same_claim("Ten people were killed in the quake.", "12 people were killed in it.")
    # The same figures in words or digits, or more figures on one side, keep them together.
    assert same_claim(
        "Twelve people were killed in the quake.", "12 people were killed in the quake"
    )
    assert same_claim(
        "Gray was hit by seven bullets.", "Seven bullets hit Gray, three from behind."
    )
    assert same_claim(
        "They took watches worth €2 million.", "They took watches worth two million euros"
    )
    assert same_claim("The victim died on the way to the hospital.", "The third victim died.")
