"""The digest pipeline on hand-built briefs: independence, corroboration, contradictions,
what changed, ranking, empty windows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from digest_fixtures import NOW, actor, claim, development, item, source, span

from briefing.analysis.lines import heading_line
from briefing.digest.cluster import Signals
from briefing.digest.inputs import DigestItem
from briefing.digest.pipeline import DigestBuilder
from briefing.digest.writer import EventWriter
from briefing.schemas.brief import ActorKind, Claim, Development, ReportingVerb, SourceKind
from briefing.schemas.digest import ChangeKind, ContradictionKind, Event, Phase
from briefing.schemas.scales import Reliability

SINCE = NOW - dt.timedelta(days=1)
UNTIL = NOW + dt.timedelta(hours=1)


def builder(one_event: bool = True, signals=None) -> DigestBuilder:  # type: ignore[no-untyped-def]
    """Code-only wording; with ``one_event`` every report shares one signal word, so the
    clustering step puts them in one event and the test is about what follows; ``signals``
    gives each report's signals instead."""
    if signals is None and one_event:
        signals = lambda i: Signals(words=("tartus",))  # noqa: E731
    kwargs = {"signals": signals} if signals else {}
    return DigestBuilder(
        EventWriter(None),
        model="none",
        backend="none",
        prompt_versions={},
        data_versions={},
        **kwargs,
    )


def scripted_builder(reply: dict[str, str]):  # type: ignore[no-untyped-def]
    """The digest builder behind a scripted model that answers every event with ``reply``;
    every report shares one signal word, so they make one event."""
    from scripted import ScriptedChatModel

    from briefing.chains.brief import BriefChain
    from briefing.digest.make import digest_builder
    from briefing.llm.backend import Backend
    from briefing.settings import Settings, StructuredMode

    model = ScriptedChatModel(default=json.dumps(reply))
    chain = BriefChain(
        Settings(),
        backend=Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN),
    )
    b = digest_builder(chain)
    b.signals = lambda i: Signals(words=("tartus",))
    return b, model


ISW = "ISW, citing HUR, reported that Russian forces withdrew air defence systems from Tartus."
KYIV = "The Kyiv Independent, citing HUR, wrote that Russian forces withdrew air defence systems from Tartus."
WIRE = (
    "Satellite images analysed by Maxar show that Russian forces withdrew air defence systems "
    "from Tartus, the company said in a statement on Thursday to reporters in Washington."
)


def relay_items():  # type: ignore[no-untyped-def]
    claim_words = "Russian forces withdrew air defence systems from Tartus"
    return [
        item(
            "isw",
            ISW,
            source_name="ISW",
            url="https://www.understandingwar.org/x",
            claims=[claim(ISW, claim_words, source="ISW", originator="HUR", relays=["ISW"])],
            sources=[source(ISW, "HUR"), source(ISW, "ISW")],
        ),
        item(
            "kyiv",
            KYIV,
            source_name="Kyiv Independent",
            url="https://kyivindependent.com/y",
            claims=[claim(KYIV, claim_words, source="Kyiv Independent", originator="HUR")],
            sources=[source(KYIV, "HUR")],
        ),
        item(
            "reuters",
            WIRE,
            source_name="Reuters",
            url="https://www.reuters.com/z",
            claims=[claim(WIRE, claim_words, source="Maxar", originator="Maxar")],
            sources=[source(WIRE, "Maxar")],
        ),
        # The same wire story, republished word for word by another outlet.
        item(
            "reprint",
            WIRE,
            source_name="Yahoo News",
            url="https://news.yahoo.com/z",
            published=dt.date(2026, 11, 28),
            claims=[claim(WIRE, claim_words, source="Maxar", originator="Maxar")],
            sources=[source(WIRE, "Maxar")],
        ),
    ]


def test_relays_of_one_originator_count_once_and_independent_originators_corroborate() -> None:
    items = relay_items()
    items[3].received = NOW + dt.timedelta(minutes=5)  # the reprint came later
    digest = builder().build(items, since=SINCE, until=UNTIL)
    assert len(digest.events) == 1
    event = digest.events[0]
    [merged] = event.claims
    # ISW citing HUR and the Kyiv Independent citing HUR: HUR once. Maxar via Reuters and its
    # reprint: Maxar once.
    assert merged.independent_originators == ["HUR", "Maxar"]
    assert merged.corroboration == 2
    assert len(merged.attributions) == 4
    # The reprint is a carrier of the wire story and adds no publisher family.
    reprint = next(r for r in digest.reports if r.id == "reprint")
    assert reprint.carrier_of == "reuters"
    assert event.originators == 3
    assert sorted(event.families) == sorted(
        ["understandingwar.org", "kyivindependent.com", "Reuters"]
    )
    # Evidence points at the words of each report.
    for attribution in merged.attributions:
        ref = attribution.evidence[0]
        text = next(i.report.text for i in items if i.id == ref.report_id)
        assert text[ref.start : ref.end] == ref.text


def test_two_relays_of_one_originator_alone_are_one_source() -> None:
    items = relay_items()[:2]
    [merged] = builder().build(items, since=SINCE, until=UNTIL).events[0].claims
    assert merged.independent_originators == ["HUR"]
    assert merged.corroboration == 1


def test_unnamed_originators_count_once_per_publisher_family() -> None:
    a = "Officials said the convoy reached Latakia on Tuesday after a long delay at the border."
    b = "Officials said the convoy reached Latakia on Tuesday, the network reported from Damascus."
    words = "the convoy reached Latakia on Tuesday"
    same_family = [
        item(
            "bbc1",
            a,
            source_name="BBC",
            claims=[claim(a, words, source="officials", originator="officials")],
        ),
        item(
            "bbc2",
            b,
            source_name="BBC World Service",
            claims=[claim(b, words, source="officials", originator="officials")],
        ),
    ]
    [merged] = builder().build(same_family, since=SINCE, until=UNTIL).events[0].claims
    assert merged.corroboration == 1
    other = [
        same_family[0],
        item(
            "cnn",
            b,
            source_name="CNN",
            claims=[claim(b, words, source="officials", originator="officials")],
        ),
    ]
    [merged] = builder().build(other, since=SINCE, until=UNTIL).events[0].claims
    assert merged.corroboration == 2
    # Two outlets' unnamed officials may be one unnamed source: consistent, not confirmed.
    assert merged.credibility == 2
    c = "Governor Omar Haddad said the convoy reached Latakia on Tuesday."
    named = [
        other[0],
        item(
            "cnn",
            c,
            source_name="CNN",
            claims=[claim(c, words, source="Omar Haddad", originator="Omar Haddad")],
            actors=[actor(c, "Omar Haddad", ActorKind.PERSON)],
        ),
    ]
    [merged] = builder().build(named, since=SINCE, until=UNTIL).events[0].claims
    assert merged.corroboration == 2 and merged.credibility == 2  # one named, one not


def test_a_denial_against_a_claim_is_shown_with_both_sides() -> None:
    a = "Ukraine's military said Russian forces shelled the Kherson hospital overnight."
    b = "Russia's defence ministry denied that Russian forces shelled the Kherson hospital."
    words = "Russian forces shelled the Kherson hospital"
    items = [
        item(
            "ua",
            a,
            source_name="Ukrinform",
            claims=[claim(a, words, source="Ukraine's military", originator="Ukraine's military")],
        ),
        item(
            "ru",
            b,
            source_name="TASS",
            claims=[
                claim(
                    b,
                    words,
                    source="Russia's defence ministry",
                    originator="Russia's defence ministry",
                    verb=ReportingVerb.DENIED,
                )
            ],
            sources=[source(b, "Russia's defence ministry")],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    [dispute] = [c for c in event.contradictions if c.kind is ContradictionKind.DENIAL]
    assert {s.report_id for s in dispute.sides} == {"ua", "ru"}
    assert {s.originator for s in dispute.sides} == {
        "Ukraine's military",
        "Russia's defence ministry",
    }


def test_figures_written_in_words_are_figures_too() -> None:
    """News style spells out small numbers: "three people" and "10 people" killed are
    different figures for one quantity."""
    from briefing.digest.contradictions import quantities

    [three] = [q for q in quantities("Three people were killed in the quake.")]
    assert (three.key, three.value, three.shown) == ("people|kill", 3.0, "Three people")
    assert [q.value for q in quantities("Twenty-five people were arrested.")] == [25.0]
    a = "The earthquake on the island killed three people, the governor said."
    b = "The earthquake on the island killed 10 people, the governor said."
    items = [
        item("a", a, source_name="Gulf News", developments=[development(a, a)]),
        item("b", b, source_name="Tehran Times", developments=[development(b, b)]),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    [figure] = [c for c in event.contradictions if c.kind is ContradictionKind.FIGURE]
    assert sorted(s.value or "" for s in figure.sides) == ["10 people", "three people"]


def test_different_dates_for_one_development_are_a_contradiction() -> None:
    a = "The bridge at Zatoka was struck by missiles, local authorities reported."
    b = "The bridge at Zatoka was struck by missiles, according to the regional governor."
    words = "The bridge at Zatoka was struck by missiles"
    items = [
        item(
            "x",
            a,
            source_name="Outlet X",
            developments=[development(a, words, dt.date(2026, 11, 26))],
        ),
        item(
            "y",
            b,
            source_name="Outlet Y",
            developments=[development(b, words, dt.date(2026, 11, 27))],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    assert len(event.timeline) == 1  # one development, told twice
    [dispute] = [c for c in event.contradictions if c.kind is ContradictionKind.DATE]
    assert {s.value for s in dispute.sides} == {"2026-11-26", "2026-11-27"}


def test_two_tellings_that_each_give_both_dates_do_not_disagree_on_the_date() -> None:
    """ "Before 1997, he had served only a heroin term in 1959", dated 1997 by one report's
    parse and 1959 by the other's: both say both years, and disagree on nothing."""
    a = "Before 1997, Gigante had served only a five-year heroin term in 1959."
    b = "Prior to 1997, Gigante had served only a five-year heroin term in 1959."
    first = Development(what=a, when=dt.date(1997, 1, 1), when_text="1997", evidence=[span(a, a)])
    second = Development(what=b, when=dt.date(1959, 1, 1), when_text="1959", evidence=[span(b, b)])
    items = [
        item("x", a, source_name="Outlet X", developments=[first]),
        item("y", b, source_name="Outlet Y", developments=[second]),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    assert len(event.timeline) == 1  # one development, told twice, and no dispute
    assert not [c for c in event.contradictions if c.kind is ContradictionKind.DATE]


def test_actors_under_different_names_are_one_actor() -> None:
    a = "The Institute for the Study of War said Sergey Kisel was dismissed."
    b = "ISW analysts said General Kisel had been removed."
    items = [
        item(
            "a",
            a,
            source_name="A",
            actors=[
                actor(a, "Institute for the Study of War"),
                actor(a, "Sergey Kisel", ActorKind.PERSON),
            ],
        ),
        item(
            "b", b, source_name="B", actors=[actor(b, "ISW"), actor(b, "Kisel", ActorKind.PERSON)]
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    names = {a.name: set(a.reports) for a in event.actors}
    assert names == {"Institute for the Study of War": {"a", "b"}, "Sergey Kisel": {"a", "b"}}


def test_an_organization_told_short_in_some_reports_is_the_one_named_in_full() -> None:
    told = {
        "a": ("The Dunmore Police Department said the road was shut.", "Dunmore Police Department"),
        "b": ("Dunmore Police said two people were hurt.", "Dunmore Police"),
        "c": ("Kraemer Foods closed the plant on Monday.", "Kraemer Foods"),
        "d": ("Kraemer said the plant would reopen.", "Kraemer"),
        "e": ("The Marlow Hawks beat the Ridge Owls.", "Marlow Hawks"),
        "f": ("The Hawks won on Sunday.", "Hawks"),
        "g": ("The Hawks said the win sealed a playoff berth.", "Hawks"),
        "h": ("The Hawks were cheered.", "Hawks"),
        "i": ("The Washington Post reported it.", "Washington Post"),
        "j": ("The New York Post reported it.", "New York Post"),
        "k": ("The Post said nothing more.", "Post"),
    }
    items = [
        item(key, text, source_name=f"Outlet {key}", actors=[actor(text, name)])
        for key, (text, name) in told.items()
    ]
    # A headline the parser took for a person's name, whose last word ("Hawks") would be a
    # surname: the team, an organization in four reports, is not made a person by it.
    headline = "Owls Fall to Hawks in Overtime."
    items.append(
        item(
            "l",
            headline,
            source_name="Outlet l",
            actors=[actor(headline, "Owls Fall to Hawks", ActorKind.PERSON)],
        )
    )
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    actors = {x.name: (sorted(x.reports), x.kind) for x in event.actors}
    org = ActorKind.ORGANIZATION.value
    assert actors["Dunmore Police Department"] == (["a", "b"], org)
    assert actors["Kraemer Foods"] == (["c", "d"], org)
    assert actors["Marlow Hawks"] == (["e", "f", "g", "h"], org)
    # "Post" shortens two outlets' names: it joins neither.
    assert actors["Post"] == (["k"], org) and actors["Washington Post"] == (["i"], org)


def test_a_country_with_a_direction_before_it_is_the_country() -> None:
    a = "A powerful quake struck southern Iran on Sunday."
    b = "Iran said aid was on its way."
    s = ActorKind.STATE
    items = [
        item("a", a, source_name="A", actors=[actor(a, "southern Iran", s)]),
        item("b", b, source_name="B", actors=[actor(b, "Iran", s)]),
    ]
    [iran] = builder().build(items, since=SINCE, until=UNTIL).events[0].actors
    assert (iran.name, iran.aliases, iran.reports) == ("Iran", ["southern Iran"], ["a", "b"])


def test_a_generational_suffix_does_not_make_another_person() -> None:
    a = "Arcade Joseph Comeaux Jr. escaped from a prison van."
    b = "Police said Arcade Joseph Comeaux was armed."
    c = "Comeaux Jr. was seen near Baytown."
    d = "Arcade Smith Sr. watched."
    items = [
        item(
            "a",
            a,
            source_name="A",
            actors=[actor(a, "Arcade Joseph Comeaux Jr.", ActorKind.PERSON)],
        ),
        item("b", b, source_name="B", actors=[actor(b, "Arcade Joseph Comeaux", ActorKind.PERSON)]),
        item("c", c, source_name="C", actors=[actor(c, "Comeaux Jr.", ActorKind.PERSON)]),
        item("d", d, source_name="D", actors=[actor(d, "Arcade Smith Sr.", ActorKind.PERSON)]),
        # spaCy tagged him an organization in this report: the name is a person's elsewhere.
        item("e", "Comeaux was caught.", source_name="E", actors=[actor("Comeaux", "Comeaux")]),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    actors = [(x.name, sorted(x.reports)) for x in event.actors]
    assert ("Arcade Joseph Comeaux Jr.", ["a", "b", "c", "e"]) in actors
    assert ("Arcade Smith Sr.", ["d"]) in actors  # another surname, however alike the rest


def test_a_surname_shared_by_two_people_does_not_make_them_one() -> None:
    a = "Deputy Jerry Ortiz was shot. Ortiz was 35."
    b = "His brother Art Ortiz spoke. Ortiz said he was proud."
    c = "Sheriff Larry Waldie said the deputy died. Jerry Ortiz was a veteran, Texas Department said."
    d = "Ortiz was buried on Friday, Waldie said. Texas said so too."
    p, official = ActorKind.PERSON, SourceKind.OFFICIAL
    items = [
        item("a", a, source_name="A", actors=[actor(a, "Jerry Ortiz", p)]),
        item(
            "b", b, source_name="B", actors=[actor(b, "Art Ortiz", p)], sources=[source(b, "Ortiz")]
        ),
        item(
            "c",
            c,
            source_name="C",
            actors=[actor(c, "Jerry Ortiz", p), actor(c, "Larry Waldie", p)],
            sources=[source(c, "Larry Waldie", kind=official), source(c, "Texas Department")],
        ),
        item(
            "d",
            d,
            source_name="D",
            actors=[actor(d, "Ortiz", p)],
            sources=[source(d, "Waldie", kind=official), source(d, "Texas")],
        ),
        item("e", "Larry spoke.", source_name="E", actors=[actor("Larry spoke.", "Larry", p)]),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    actors = {x.name: sorted(x.reports) for x in event.actors}
    # Two people named Ortiz: each keeps their own reports; "Ortiz" alone joins neither.
    assert actors["Jerry Ortiz"] == ["a", "c"] and actors["Art Ortiz"] == ["b"]
    assert actors["Ortiz"] == ["d"]
    # A surname alone joins the one person of that surname: "Waldie" is Larry Waldie; so
    # does a given name alone that is no one's surname.
    assert actors["Larry Waldie"] == ["c", "e"]
    sources = {x.name: x.reports for x in event.sources}
    assert sources["Larry Waldie"] == 2 and "Waldie" not in sources
    # Institutions go by their names: the state is not its department.
    assert sources["Texas"] == 1 and sources["Texas Department"] == 1


def test_one_name_spelled_two_ways_by_two_outlets_is_one_person() -> None:
    p, official = ActorKind.PERSON, SourceKind.OFFICIAL
    told = {
        "a": ("Massoud Dalvand said roads were shut. Charlene Kafoury wept.", "Charlene"),
        "b": ("Masoud Dalvand said five villages were hit. Charlie Kafoury spoke.", "Charlie"),
    }
    items = []
    for k, (t, given) in told.items():
        speaker = t.split(" said")[0]
        items.append(
            item(
                k,
                t,
                source_name=k.upper(),
                actors=[actor(t, speaker, p), actor(t, f"{given} Kafoury", p)],
                sources=[source(t, speaker, kind=official)],
            )
        )
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    actors = {x.name: sorted(x.reports) for x in event.actors}
    assert actors["Massoud Dalvand"] == ["a", "b"] and "Masoud Dalvand" not in actors
    # A sister and a brother of one family are two people, a name two letters apart.
    assert actors["Charlene Kafoury"] == ["a"] and actors["Charlie Kafoury"] == ["b"]
    assert [(x.name, x.reports) for x in event.sources] == [("Massoud Dalvand", 2)]


def test_a_source_row_goes_by_the_persons_name_not_a_speakers_description() -> None:
    a = "Hengam island governor Omid Tarkbandi told AFP ten people died."
    b = "Omid Tarkbandi said five villages were hit."
    official = SourceKind.OFFICIAL
    items = [
        item("a", a, source_name="A", sources=[source(a, a.split(" told")[0], kind=official)]),
        item("b", b, source_name="B", sources=[source(b, "Omid Tarkbandi", kind=official)]),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    assert [(x.name, x.reports) for x in event.sources] == [("Omid Tarkbandi", 2)]


def test_a_person_graded_as_an_institution_rolls_up_with_the_person() -> None:
    a = "Chela Ortiz, the deputy's wife, said the family was relieved."
    b = "Chela said she would not forget. Jordan said it would send aid, Michael Jordan said."
    other, gov = SourceKind.OTHER, SourceKind.GOVERNMENT
    items = [
        item("a", a, source_name="A", sources=[source(a, "Chela Ortiz", Reliability.F, other)]),
        item(
            "b",
            b,
            source_name="B",
            sources=[
                source(b, "Chela", Reliability.C, gov),  # spaCy's slip: a given name as a body
                source(b, "Jordan", Reliability.C, gov),  # a country, whoever shares its name
                source(b, "Michael Jordan", Reliability.F, other),
            ],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    sources = {x.name: (x.kind.value, x.reports, x.grades) for x in event.sources}
    assert "Chela" not in sources
    assert sources["Chela Ortiz"][1] == 2
    # The mis-kinded telling's grade is no judgment of her: she is still a person, ungraded.
    chela = next(x for x in event.sources if x.name == "Chela Ortiz")
    assert (chela.kind, chela.reliability) == (other, Reliability.F)
    assert sources["Jordan"] == ("government", 1, [Reliability.C])
    assert sources["Michael Jordan"][1] == 1


def test_a_short_given_name_is_the_same_person() -> None:
    texts = {
        "a": "Stan Perlo said the deputy was respected.",
        "b": "Stanley Perlo said the deputy was brave.",
        "c": "Perlo said the trial was over.",
        "d": "Dan Rowe said so. Dana Rowe said otherwise.",
    }
    p = ActorKind.PERSON
    items = [
        item("a", texts["a"], source_name="A", actors=[actor(texts["a"], "Stan Perlo", p)]),
        item("b", texts["b"], source_name="B", actors=[actor(texts["b"], "Stanley Perlo", p)]),
        item("c", texts["c"], source_name="C", actors=[actor(texts["c"], "Perlo", p)]),
        item(
            "d",
            texts["d"],
            source_name="D",
            actors=[actor(texts["d"], "Dan Rowe", p), actor(texts["d"], "Dana Rowe", p)],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    actors = {x.name: sorted(x.reports) for x in event.actors}
    # "Stan" is short for "Stanley": one person, whom "Perlo" alone then joins.
    assert actors["Stanley Perlo"] == ["a", "b", "c"] and "Stan Perlo" not in actors
    assert actors["Dan Rowe"] == ["d"] and actors["Dana Rowe"] == ["d"]  # two people


def test_a_short_given_name_is_the_same_person_with_middle_names_too() -> None:
    texts = {
        "a": "Fred LaRue said he was no millionaire.",
        "b": "Frederick Cheney LaRue said he was no millionaire.",
    }
    p = ActorKind.PERSON
    items = [
        item("a", texts["a"], source_name="A", actors=[actor(texts["a"], "Fred LaRue", p)]),
        item(
            "b",
            texts["b"],
            source_name="B",
            actors=[actor(texts["b"], "Frederick Cheney LaRue", p)],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    assert [sorted(x.reports) for x in event.actors] == [["a", "b"]]


def test_an_empty_window_says_so() -> None:
    digest = builder().build([], since=SINCE, until=UNTIL)
    assert digest.empty and not digest.events
    assert digest.bluf.startswith("No reports in this window")


def test_what_changed_since_the_previous_digest() -> None:
    first_items = relay_items()[:2]
    first = builder().build(first_items, since=SINCE, until=UNTIL).model_copy(update={"id": "d1"})
    assert first.events[0].phase is Phase.NEW
    # Next day: the same story with a new development from a new report.
    text = (
        "Russian forces withdrew air defence systems from Tartus and moved ships to Novorossiysk."
    )
    later = [
        *relay_items()[:2],
        item(
            "new",
            text,
            source_name="Outlet Z",
            developments=[development(text, "moved ships to Novorossiysk", dt.date(2026, 11, 29))],
        ),
    ]
    second = builder().build(later, since=SINCE, until=UNTIL + dt.timedelta(days=1), previous=first)
    event = second.events[0]
    assert event.id == first.events[0].id
    assert event.phase is Phase.DEVELOPING
    assert event.new_developments == 1
    assert [c.kind for c in second.changes] == [ChangeKind.NEW_DEVELOPMENTS]
    # A third digest with nothing new: continuing, not repeated as news.
    third = builder().build(
        later, since=SINCE, until=UNTIL, previous=second.model_copy(update={"id": "d2"})
    )
    assert third.events[0].phase is Phase.CONTINUING
    assert third.continuing == [event.id]
    # A digest where the story is gone: it fades.
    other = "Floods closed the coastal road near Batumi on Friday, officials said."
    fourth = builder(one_event=False).build(
        [item("flood", other, source_name="Outlet Q")], since=SINCE, until=UNTIL, previous=third
    )
    assert ChangeKind.FADED in [c.kind for c in fourth.changes]
    assert ChangeKind.NEW_EVENT in [c.kind for c in fourth.changes]


def test_a_corroborated_event_outranks_a_single_source_rumour() -> None:
    rumour_text = "An anonymous channel claimed a coup was under way in the capital."
    items = [
        *relay_items(),
        item(
            "rumour",
            rumour_text,
            source_name="Anonymous channel",
            developments=[development(rumour_text, "a coup was under way in the capital")],
            sources=[source(rumour_text, "An anonymous channel", grade=Reliability.A)],
        ),
    ]

    def signals(i):  # type: ignore[no-untyped-def]
        return Signals(words=("coup",) if i.id == "rumour" else ("tartus",))

    digest = builder(signals=signals).build(items, since=SINCE, until=UNTIL)
    assert len(digest.events) == 2
    assert digest.events[0].reports[0] != "rumour"
    assert digest.events[1].reports == ["rumour"]
    assert "single source" in digest.bluf


def test_more_publisher_families_outrank_fewer_past_five() -> None:
    """Eleven families against eight, the eight's reports the later: breadth wins (both were
    capped at five before, and the seconds between them decided)."""

    def event(word: str, count: int, minutes: int) -> list[DigestItem]:
        def text(k: int) -> str:  # each outlet's own story: no near-duplicates
            own = " ".join(f"{word}{k}x{j}" for j in range(40))
            return f"Officials said the {word} talks resumed in Geneva. {own}."

        made = [
            item(
                f"{word}{k}",
                text(k),
                source_name=f"Outlet {word} {k}",
                url=f"https://{word}{k}.example.org/story",
            )
            for k in range(count)
        ]
        for one in made:
            one.received = NOW + dt.timedelta(minutes=minutes)
        return made

    items = event("trade", 8, 30) + event("water", 11, 0)

    def signals(i):  # type: ignore[no-untyped-def]
        return Signals(words=(i.id.rstrip("0123456789"),))

    digest = builder(signals=signals).build(items, since=SINCE, until=UNTIL)
    assert [len(e.families) for e in digest.events] == [11, 8]


@pytest.mark.parametrize("n", [1, 3])
def test_model_calls_grow_with_events_not_reports(n: int) -> None:
    b, model = scripted_builder(
        {
            "headline": "Russian forces withdrew air defence systems",
            "bluf": "HUR says Russian forces withdrew air defence systems from Tartus.",
        }
    )
    items = relay_items()[: n + 1]
    digest = b.build(items, since=SINCE, until=UNTIL)
    assert len(model.calls) == len(digest.events) == 1
    assert digest.provenance.usage.llm_calls == 1
    assert digest.events[0].headline == "Russian forces withdrew air defence systems"
    assert digest.provenance.prompt_versions["digest_event"] == "v1"


def test_model_wording_that_names_a_stranger_is_replaced() -> None:
    b, _ = scripted_builder(
        {
            "headline": "Kremlin says Putin orders Tartus pullout",
            "bluf": "HUR says Putin ordered Russian forces to withdraw from Tartus.",
        }
    )
    digest = b.build(relay_items()[:2], since=SINCE, until=UNTIL)
    event = digest.events[0]
    assert "Putin" not in event.headline and "Putin" not in event.bluf
    assert any("Putin" in w for w in digest.quality.warnings)


def test_a_denial_by_an_unnamed_speaker_is_not_a_dispute() -> None:
    a = "Ukraine's military said Russian forces shelled the Kherson hospital overnight."
    b = "A man denied that Russian forces shelled the Kherson hospital."
    words = "Russian forces shelled the Kherson hospital"
    items = [
        item(
            "ua",
            a,
            source_name="Ukrinform",
            claims=[claim(a, words, source="Ukraine's military", originator="Ukraine's military")],
        ),
        item(
            "x",
            b,
            source_name="TASS",
            claims=[claim(b, words, source="A man", originator="A man", verb=ReportingVerb.DENIED)],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    assert event.contradictions == []


def test_a_bottom_line_sentence_that_strays_is_dropped_and_the_rest_kept() -> None:
    b, _ = scripted_builder(
        {
            "headline": "} Russian forces withdrew air defence systems from Tartus",
            "bluf": "HUR says Russian forces withdrew air defence systems from Tartus. "
            "The withdrawal was part of a larger plan involving several other entities and groups.",
        }
    )
    digest = b.build(relay_items()[:2], since=SINCE, until=UNTIL)
    event = digest.events[0]
    assert event.headline == "Russian forces withdrew air defence systems from Tartus"
    assert event.bluf == "HUR says Russian forces withdrew air defence systems from Tartus."
    assert any("bluf sentence 2" in w for w in digest.quality.warnings)


def test_a_source_named_by_surname_is_one_originator_graded_across_the_event() -> None:
    """ "Webb" of one report is "Ann Webb", spokeswoman, of another: one originator (not two
    that confirm each other), and a claim of hers told only where she is "Webb" is graded
    from her grade across the event (C: 3), not left at 6 (F, cannot be judged)."""
    reopened = "the road reopened on Monday"
    a = f"Spokeswoman Ann Webb said {reopened}."
    b = f"Webb said {reopened}. Webb said the bridge needs repairs."
    items = [
        item(
            "full",
            a,
            source_name="Valley Herald",
            url="https://valleyherald.example/a",
            claims=[claim(a, reopened, source="Ann Webb", originator="Ann Webb")],
            sources=[source(a, "Ann Webb", Reliability.C, SourceKind.OFFICIAL)],
        ),
        item(
            "surname",
            b,
            source_name="Lakeside Times",
            url="https://lakesidetimes.example/b",
            claims=[
                claim(b, reopened, source="Webb", originator="Webb", credibility=6),
                claim(
                    b, "the bridge needs repairs", source="Webb", originator="Webb", credibility=6
                ),
            ],
            sources=[source(b, "Webb", Reliability.F, SourceKind.OTHER)],
        ),
    ]
    claims = {
        c.statement: c for c in builder().build(items, since=SINCE, until=UNTIL).events[0].claims
    }
    road, bridge = claims[reopened], claims["the bridge needs repairs"]
    assert road.independent_originators == ["Ann Webb"] and road.credibility == 3
    assert bridge.originator == "Ann Webb" and bridge.credibility == 3


def test_an_unnamed_speaker_adds_nothing_to_a_named_one_of_the_same_publisher() -> None:
    a = "Steve Cooley said Orozco would be charged with murder. He said Orozco would be charged with murder soon."
    words = "Orozco would be charged with murder"
    one = item(
        "latimes",
        a,
        source_name="Los Angeles Times",
        claims=[
            claim(a, words, source="Steve Cooley", originator="Steve Cooley"),
            claim(a, "Orozco would be charged with murder soon", source="He", originator="He"),
        ],
        actors=[actor(a, "Steve Cooley", ActorKind.PERSON)],
    )
    [merged] = builder().build([one], since=SINCE, until=UNTIL).events[0].claims
    assert merged.independent_originators == ["Steve Cooley"]
    assert merged.corroboration == 1 and merged.credibility >= 2  # not "confirmed"


def test_a_news_texts_first_line_is_its_headline_unless_it_is_a_dateline() -> None:
    from briefing.digest.pipeline import headline_line

    assert headline_line("Texas Lifer Escapes Prison Van Near Houston\nA Texas inmate ...") == (
        "Texas Lifer Escapes Prison Van Near Houston"
    )
    body = "A Texas inmate escaped from a prison van on Monday."
    assert headline_line(f"12 January 2010 @ 09:29 pm\n{body}") is None
    assert headline_line(f"{body}\nMore.") is None
    # A dateline or time stamp above the headline is passed over, never the headline itself.
    for stamp in (
        "18 September 2013 Last updated at 13:59 GMT",
        "Posted: Nov 27, 2005 8:20 AM ET Last Updated: Nov 27, 2005 8:10 PM ET",
        "9:53 AM, MON 22 JUL 2013",
    ):
        assert headline_line(f"{stamp}\nFALLOUT CONTINUES AFTER BRAZEN ESCAPE\n{body}") == (
            "FALLOUT CONTINUES AFTER BRAZEN ESCAPE"
        )
    # A headline that gives a date says more than a time stamp does.
    dated = "Seacom operations fully restored: 4 November 2011"
    assert headline_line(f"{dated}\n{body}") == dated


def test_background_told_by_more_publishers_does_not_lead_the_event() -> None:
    """A suspect's past (dated years before the reports) told by two publishers, the escape
    itself by one: the event's bottom line leads with the escape, the past comes after it."""
    past = "In 1999 he stabbed his wife during a prison visit."
    news = "The inmate escaped from a prison van near Houston on Monday."
    first = f"{news} {past}"
    second = f"Officials said little. {past}"
    items = [
        item(
            "r1",
            first,
            source_name="Houston Chronicle",
            url="https://www.chron.com/a",
            developments=[
                development(first, news),
                development(first, past, when=dt.date(1999, 6, 1)),
            ],
        ),
        item(
            "r2",
            second,
            source_name="ABC News",
            url="https://abcnews.go.com/b",
            developments=[development(second, past, when=dt.date(1999, 6, 1))],
        ),
    ]
    digest = builder().build(items, since=SINCE, until=UNTIL)
    (event,) = digest.events
    assert event.bluf.startswith(news)
    told = {d.what: len(d.families) for d in event.timeline}
    assert told == {news: 1, past: 2}


# What else each report says, so that no two are near-duplicates of one wire story.
TAILS = [
    "Shopkeepers on the avenue closed early and the mayor promised more patrols at night.",
    "Insurers were counting losses while tourists photographed the broken window glass.",
    "A neighbouring baker recalled an earlier burglary and praised the quick firemen.",
]


def by_outlet(
    texts: list[str], brief_items: Callable[[str], dict[str, Any]], **report: Any
) -> list[DigestItem]:
    """One report per outlet (each a publisher family of its own), its brief holding what
    ``brief_items`` gives for its text."""
    return [
        item(
            f"r{k}",
            text,
            source_name=None,
            url=f"https://outlet{k}.example/a",
            **report,
            **brief_items(text),
        )
        for k, text in enumerate(texts)
    ]


def test_a_report_file_with_no_published_date_is_news_of_its_datelines_day() -> None:
    """Reports read from files have no published date: their datelines date them, so what
    they tell of that week is news and a robbery of five years before is background (dated by
    the time they were read, everything they tell was background)."""
    past = "In December 2008, three men emptied a jewelry store in Paris."
    news = "Four men rammed their car into a jewelry store in Paris on Monday."
    texts = [f"{past} {news} {tail}" for tail in TAILS[:2]] + [f"{past} {TAILS[2]}"]
    items = by_outlet(
        texts,
        lambda text: {
            "developments": [development(text, past, when=dt.date(2008, 12, 1))]
            + ([development(text, news, when=dt.date(2013, 9, 16))] if news in text else [])
        },
        published=None,
        dated=dt.date(2013, 9, 16),
    )
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert {d.what: len(d.families) for d in event.timeline} == {past: 3, news: 2}
    assert event.bluf == news


def test_the_bottom_line_leads_with_what_the_reports_ledes_tell() -> None:
    """A news report tells what happened first and context after: a development three
    publishers tell deep in their reports comes after one two tell in their first sentence."""
    news = "A climber fell to his death on Mount Sefton on Saturday."
    context = "The deaths were a reminder that climbers must take care."
    filler = "The weather was fine. Rescuers came by helicopter. The hut was near."
    deep = [f"{news} {filler} {context} {tail}" for tail in TAILS[:2]]
    late = f"Rescuers came by helicopter. The weather was fine. The hut was near. {context} "
    items = by_outlet(
        [*deep, late + TAILS[2]],
        lambda text: {"developments": [development(text, d) for d in (news, context) if d in text]},
    )
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert {d.what: len(d.families) for d in event.timeline} == {news: 2, context: 3}
    assert event.bluf == f"{news} {context}"


RAMMED = "Four men rammed their car into a jewellery store in Paris on Monday"


def _police_and_owner(text: str, owners_words: str) -> list[Claim]:
    """A report's two claims: what happened as a police source told it, and the owner's."""
    return [
        claim(text, RAMMED, source="a police source", originator="a police source"),
        claim(text, owners_words, source="the owner", originator="owner"),
    ]


def test_a_claim_the_ledes_tell_opens_the_bottom_line_with_who_said_it() -> None:
    """What happened told only as what police said (no development: the sentence names no
    actor) leads, with its source; a quotation, words in the first person and a sentence's
    tail never stand in a bottom line, nor a sentence said again."""
    quoted = "\u201cWe are shocked by the raid,\u201d the owner said."
    texts = [
        f"{RAMMED}, a police source said. {quoted} The store is near the Place Vendome. {tail}"
        for tail in TAILS[:2]
    ]
    items = by_outlet(
        texts,
        lambda text: {
            "claims": _police_and_owner(text, "We are shocked by the raid"),
            "developments": [
                development(text, "\u201cWe are shocked by the raid,\u201d"),
                development(text, "near the Place Vendome. " + text.split(". ")[-1]),
                development(text, "The store is near the Place Vendome."),
            ],
        },
    )
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert event.bluf == (
        f"{RAMMED}, according to a police source. The store is near the Place Vendome."
    )


def test_a_quotation_is_no_sentence_of_the_bottom_line_even_as_a_claim() -> None:
    """A quotation is the speaker's words, not the reporter's: kept without its marks as a
    claim, it still stays out of the bottom line ('"The raid was over in a minute," the owner
    said'), while a claim told in the reporter's words leads with who said it."""
    over = "The raid was over in a minute"
    texts = [
        f"{RAMMED}, a police source said. \u201c{over},\u201d the owner said. {tail}"
        for tail in TAILS[:2]
    ]
    items = by_outlet(
        texts,
        lambda text: {"claims": _police_and_owner(text, over)},
    )
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert any(c.statement.startswith(over) for c in event.claims)  # still a claim
    assert event.bluf == f"{RAMMED}, according to a police source."


def test_a_hedged_development_does_not_lead_the_event_the_lead_reports_news_does() -> None:
    """What two publishers think likely ("probably died instantly") is no bottom line; where
    nothing else is told by two, the lead report's first development is."""
    hedged = "The deputy probably died instantly."
    news = "A gang member was convicted of killing the deputy in Lakeside."
    first = f"{news} {hedged}"
    second = f"The coroner spoke on Monday. {hedged}"
    items = [
        item(
            "r1",
            first,
            source_name="Lakeside Times",
            url="https://lakesidetimes.example/a",
            developments=[development(first, news), development(first, hedged)],
        ),
        item(
            "r2",
            second,
            source_name="Valley Herald",
            url="https://valleyherald.example/b",
            developments=[development(second, hedged)],
        ),
    ]
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert {d.what: len(d.families) for d in event.timeline} == {news: 1, hedged: 2}
    assert event.bluf == news


def test_codes_bottom_line_opens_each_sentence_with_a_capital() -> None:
    """A development that is a reported clause ('Officials said the epicenter was ...') is a
    sentence of its own in the bottom line."""
    said = "the epicenter was in the waters of the Gulf near Qeshm"
    text = f"Officials said {said}."
    items = [
        item(
            "r1",
            text,
            source_name="Gulf News",
            url="https://gulfnews.example/a",
            developments=[development(text, said)],
        )
    ]
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert event.bluf == "The epicenter was in the waters of the Gulf near Qeshm."


def test_an_events_places_leave_out_its_actors_and_put_the_most_named_first() -> None:
    """A company one report's parser took for a place is an actor of the event, not a place;
    the place most reports name comes first, whatever its name."""
    from briefing.schemas.brief import Place

    def place(text: str, name: str) -> Place:
        return Place(name=name, evidence=[span(text, name)])

    one = "Trend Micro found the flaw in Redmond. The patch reached Zurich."
    two = "Trend Micro said the patch reached Zurich on Tuesday."
    items = [
        item(
            "r1",
            one,
            source_name="Tech Daily",
            url="https://techdaily.example/a",
            places=[place(one, "Trend Micro"), place(one, "Redmond"), place(one, "Zurich")],
        ),
        item(
            "r2",
            two,
            source_name="Net News",
            url="https://netnews.example/b",
            actors=[actor(two, "Trend Micro")],
            places=[place(two, "Zurich")],
        ),
    ]
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert event.places == ["Zurich", "Redmond"]


def worded_by_the_model(told: str, headline: str, bluf: str) -> tuple[Event, list[str]]:
    """A one-report event (``told`` is its text and its development) that the scripted model
    words with ``headline`` and ``bluf``: the event and the digest's warnings."""
    b, _ = scripted_builder({"headline": headline, "bluf": bluf})
    items = [item("a", told, source_name="KHOU", developments=[development(told, told)])]
    digest = b.build(items, since=SINCE, until=UNTIL)
    return digest.events[0], digest.quality.warnings


def test_a_bottom_line_with_a_word_no_report_uses_is_dropped() -> None:
    """Most of the sentence is one item's words, but it adds a charge no report mentions: the
    sentence goes; a sentence in the reports' words, inflected otherwise, stays."""
    event, warnings = worded_by_the_model(
        "Comeaux is serving a life sentence for aggravated sexual assault and escaped.",
        headline="Comeaux escapes",
        bluf="Comeaux is serving a life sentence for assault and possession of pornography. "
        "Comeaux escapes while serving a life sentence.",
    )
    assert event.headline == "Comeaux escapes"
    assert event.bluf == "Comeaux escapes while serving a life sentence."
    assert any(
        "bluf sentence 1" in w and "pornography, possession" in w and "none of the reports" in w
        for w in warnings
    ), warnings


def test_a_bottom_line_that_opens_with_a_pronoun_loses_that_sentence() -> None:
    """Read first and alone, "He escaped..." names no one: that sentence goes, the next one
    (which names him) leads; a headline opening with "He" gives way to code's."""
    event, warnings = worded_by_the_model(
        "Comeaux escaped from a prison van. Comeaux is serving a life sentence.",
        headline="He escaped from a prison van",
        bluf="He escaped from a prison van. Comeaux is serving a life sentence. "
        "He escaped from a prison van.",
    )
    assert event.bluf == "Comeaux is serving a life sentence. He escaped from a prison van."
    assert not event.headline.startswith("He ")
    assert sum("opens with 'He'" in w for w in warnings) == 2


def _two_publishers_telling(first: str, second: str, *, between: str) -> list[DigestItem]:
    """Two reports from two publishers, each telling ``first`` then ``second`` (joined by
    ``between``) as two developments, then a sentence of its own."""
    out = []
    for name, outlet, url, own in (
        ("r1", "Houston Chronicle", "https://www.chron.com/a", "Roads were closed."),
        ("r2", "ABC News", "https://abcnews.go.com/b", "A reward was offered."),
    ):
        text = f"{first}{between}{second} {own}"
        developments = [development(text, first), development(text, second)]
        out.append(item(name, text, source_name=outlet, url=url, developments=developments))
    return out


def test_what_happened_leads_what_someone_is_when_as_many_publishers_tell_both() -> None:
    """Two publishers each tell the escape and describe the inmate, a third only describes
    him: the description has more reports, but the escape leads the bottom line."""
    state = "The inmate is a convicted sex offender serving a life sentence."
    news = "The inmate took the officers' weapons and fled on foot."
    items = _two_publishers_telling(state, news, between=" ")
    items.append(
        item(
            "r3",
            f"Officials said little. {state}",
            source_name="Houston Chronicle",
            url="https://www.chron.com/c",
            developments=[development(f"Officials said little. {state}", state)],
        )
    )
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    told = {d.what: (len(d.families), len(d.reports)) for d in event.timeline}
    assert told == {state: (2, 3), news: (2, 2)}
    assert event.bluf.startswith(news)


def test_a_sentence_of_the_body_leads_a_headline_line_as_widely_told() -> None:
    """Two publishers each run the headline and tell the escape: the bottom line opens with
    the sentence, not with the headline (a line of its own without end punctuation)."""
    head = "Prison Escapee Added to Most Wanted List"
    news = "The inmate took the officers' weapons and fled on foot."
    items = _two_publishers_telling(head, news, between="\n")
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert {d.what for d in event.timeline} == {news}  # a headline line is no development
    assert event.bluf.startswith(news)
    # A sentence of the body is no heading, wherever it stands.
    assert not heading_line(f"{head}\n{news}", len(head) + 1, len(head) + 1 + len(news))
    assert heading_line(f"{head}\n{news}", 0, len(head))


def test_a_bottom_line_sentence_pieced_from_words_of_many_items_is_dropped() -> None:
    """Each of its words but one is in some item, but no one item says it: made up, dropped."""
    withdrew = "Russian forces withdrew air defence systems from Tartus."
    talks = "Turkish officials opened talks with Damascus on Thursday."
    b, _ = scripted_builder(
        {
            "headline": "Russian forces withdrew air defence systems from Tartus",
            "bluf": f"{withdrew} Turkish forces opened air defence talks yesterday.",
        }
    )
    spoke = "Officials in Ankara spoke yesterday."  # every word is some report's
    items = [
        item("a", withdrew, source_name="ISW", developments=[development(withdrew, withdrew)]),
        item("b", talks, source_name="Reuters", developments=[development(talks, talks)]),
        item("c", spoke, source_name="AP", developments=[development(spoke, spoke)]),
    ]
    digest = b.build(items, since=SINCE, until=UNTIL)
    assert digest.events[0].bluf == withdrew
    assert any("bluf sentence 2" in w and "strayed" in w for w in digest.quality.warnings)


def _untitled(one: DigestItem) -> DigestItem:
    """The report without a title of its own (the fixtures title each report by its id)."""
    one.report = one.report.model_copy(update={"title": None})
    return one


def test_code_takes_the_headline_of_another_report_when_the_lead_has_none() -> None:
    """The lead report (it names the shared actors and tells the most) opens with a sentence;
    another report of the event opens with a headline line: the event's headline is that
    line, not the lead's sentence cut short."""
    escape = "Arcade Comeaux took the officers' weapons and fled on foot near Baytown on Monday."
    lead_text = f"{escape} Roads were closed."
    head = "Texas Inmate Escapes Prison Van Near Houston"
    other_text = f"{head}\nArcade Comeaux escaped from a prison van."
    items = [
        _untitled(
            item(
                "lead",
                lead_text,
                source_name="Houston Chronicle",
                url="https://www.chron.com/a",
                developments=[
                    development(lead_text, escape),
                    development(lead_text, "Roads were closed."),
                ],
                actors=[actor(lead_text, "Arcade Comeaux", ActorKind.PERSON)],
            )
        ),
        _untitled(
            item(
                "other",
                other_text,
                source_name="ABC News",
                url="https://abcnews.go.com/b",
                developments=[development(other_text, "Arcade Comeaux escaped from a prison van.")],
                actors=[actor(other_text, "Arcade Comeaux", ActorKind.PERSON)],
            )
        ),
    ]
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert event.headline == head
    # Without any headline line, code cuts the lead's most told sentence short.
    items[1].report = items[1].report.model_copy(update={"text": other_text[len(head) + 1 :]})
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert event.headline != head and event.headline.startswith("Arcade Comeaux")


# What each publisher adds, long enough that no two of the reports are near-duplicates.
_OWN = (
    "Roads around the county jail stayed closed all afternoon while deputies and state "
    "troopers went from house to house along the bayou with dogs and a helicopter overhead.",
    "A reward of five thousand dollars was offered by the governor's office for any tip that "
    "leads to an arrest, and schools in two districts kept their pupils indoors until dusk.",
    "Relatives of the guard gathered outside the hospital in Conroe, where a chaplain read a "
    "statement from the family thanking nurses, neighbours and the volunteer firefighters.",
)


def test_a_headline_line_is_never_the_second_sentence_of_codes_bottom_line() -> None:
    """Three publishers tell the escape and run the headline line, two also tell the search:
    the headline is as widely told as the escape, but the bottom line's second sentence is
    the search (the headline line is a line of its own, no sentence)."""
    news = "The inmate took the officers' weapons and fled on foot."
    head = "RIP Texas Prison Guard Jerry Ortiz"
    search = "Police searched the woods near Baytown."
    items = []
    for name, outlet, url, own in (
        ("r1", "Houston Chronicle", "https://www.chron.com/a", _OWN[0]),
        ("r2", "ABC News", "https://abcnews.go.com/b", _OWN[1]),
        ("r3", "KHOU", "https://www.khou.com/c", _OWN[2]),
    ):
        told = (news, head, search) if name != "r3" else (news, head)
        text = f"{news}\n{head}\n" + (f"{search} " if search in told else "") + own
        developments = [development(text, d) for d in told]
        items.append(item(name, text, source_name=outlet, url=url, developments=developments))
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    told_by = {d.what: len(d.families) for d in event.timeline}
    assert told_by == {news: 3, search: 2}  # a headline line is no development
    assert event.bluf == f"{news} {search}"


def test_a_source_judged_in_one_report_keeps_that_grade_where_others_cannot_judge_it() -> None:
    """F is the want of a grade, not a grade: the roll-up takes the judgment one report made
    over the reports that gave nothing to judge by, and its kind with it."""
    a = "District Attorney Steve Cooley said the verdict was just."
    b = "Cooley said he would seek the death penalty."
    c = "Steve Cooley said the jury had done its work."
    d = "Pat Doe said the road was closed."
    official, other = SourceKind.OFFICIAL, SourceKind.OTHER
    items = [
        item("a", a, source_name="A", sources=[source(a, "Steve Cooley", Reliability.C, official)]),
        item("b", b, source_name="B", sources=[source(b, "Cooley", Reliability.F, other)]),
        item(
            "c",
            c + " " + d,
            source_name="C",
            sources=[
                source(c, "Steve Cooley", Reliability.F, other),
                source(d, "Pat Doe", Reliability.F, other),
            ],
        ),
    ]
    event = builder().build(items, since=SINCE, until=UNTIL).events[0]
    rows = {x.name: x for x in event.sources}
    cooley = rows["Steve Cooley"]
    assert (cooley.reliability, cooley.kind, cooley.reports) == (Reliability.C, official, 3)
    assert cooley.grades == [Reliability.C, Reliability.F, Reliability.F]
    assert rows["Pat Doe"].reliability is Reliability.F  # nothing judged it anywhere


def test_a_bottom_line_sentence_is_in_the_reporters_words() -> None:
    from briefing.digest.pipeline import _in_reporters_words

    assert _in_reporters_words("A British climber has fallen to his death in New Zealand.")
    assert _in_reporters_words("the epicenter was in the Gulf")  # a reported clause
    assert not _in_reporters_words("\u201cI\u2019m in the middle of the riot action.")
    assert not _in_reporters_words("We talked about her faith and I wished her well.")
    assert not _in_reporters_words("of killing two co-workers at the plant")
    assert not _in_reporters_words("they had located Anthony LaCalamita on the highway")
    assert not _in_reporters_words("He was wearing crampons but was inexperienced.")
    # A sentence linked to the one before it does not stand alone either.
    assert not _in_reporters_words("But the five young men stood before another day of riots.")
    assert not _in_reporters_words("Meanwhile, local ISPs scrambled to keep customers online.")
    assert _in_reporters_words("Andrew Luck led the Colts to a 20-13 win.")


def test_where_no_lede_is_told_by_two_the_lead_reports_news_opens_the_bottom_line() -> None:
    """Nothing two publishers tell is in their first sentences: the lead report's first
    development that is news opens the bottom line, then what most publishers tell."""
    news = "Microsoft will push out an out-of-cycle patch to fix the browser flaw."
    context = "The flaw lets an attacker take control of a Windows machine."
    filler = "Analysts had expected a fix. Users were worried. The update is large."
    texts = [f"{news} {filler} {context} {TAILS[0]}", f"{filler} {context} {TAILS[1]}"]
    items = by_outlet(
        texts,
        lambda text: {"developments": [development(text, d) for d in (news, context) if d in text]},
    )
    (event,) = builder().build(items, since=SINCE, until=UNTIL).events
    assert {d.what: len(d.families) for d in event.timeline} == {news: 1, context: 2}
    assert event.bluf == f"{news} {context}"


def test_a_speaker_named_by_a_pronoun_is_no_second_originator_of_a_named_ones_words() -> None:
    """ "He said" in one outlet and "Kenneth Dorsey said" in another, of the same words: "he"
    is someone the report named, not an independent anonymous source; two outlets' unnamed
    "officials" still count apart."""
    quote = "We talked about her faith and I wished her well"
    named = f"{quote}, Kenneth Dorsey said."
    pronoun = f"Dorsey worked with her. {quote}, he said."
    items = [
        item(
            "nbc",
            named,
            source_name="nbc.com",
            claims=[claim(named, quote, source="Kenneth Dorsey", originator="Kenneth Dorsey")],
            actors=[actor(named, "Kenneth Dorsey", ActorKind.PERSON)],
        ),
        item(
            "blog",
            pronoun,
            source_name="blog.com",
            claims=[claim(pronoun, quote, source="he", originator="he")],
        ),
    ]
    [merged] = builder().build(items, since=SINCE, until=UNTIL).events[0].claims
    assert merged.independent_originators == ["Kenneth Dorsey"]
    assert merged.corroboration == 1 and len(merged.attributions) == 2
    fact = "the plant closed for the day"
    texts = [f"Officials said {fact}.", f"Police said {fact}."]
    unnamed = [
        item(
            f"r{k}",
            text,
            source_name=f"outlet{k}.com",
            claims=[claim(text, fact, source=who, originator=who)],
        )
        for k, (text, who) in enumerate(zip(texts, ("Officials", "Police"), strict=True))
    ]
    [both] = builder().build(unnamed, since=SINCE, until=UNTIL).events[0].claims
    assert both.corroboration == 2


def test_a_headline_line_is_no_development_of_the_timeline() -> None:
    """The event has its headline; a report's headline line ("Kraft Shooting: Yvonne Hiller
    Charged With Murder") is no development, the body's sentence is; a line longer than a
    headline, without a full stop, is a lede and stays."""
    head = "Kraft Shooting: Yvonne Hiller Charged With Murder"
    body = "Yvonne Hiller was charged with murder on Friday."
    lede = (
        "Peaceful protest for Kimani Gray turned chaotic tonight as 100 people rioted and "
        "threw bottles at officers"
    )

    def timeline(*lines: str) -> list[str]:
        text = "\n".join(lines)
        told = [development(text, line) for line in lines[:2]]
        one = item("r1", text, source_name="nbc.com", developments=told)
        [event] = builder().build([one], since=SINCE, until=UNTIL).events
        return [d.what for d in event.timeline]

    assert timeline(head, body) == [body]
    assert timeline(head, lede, body) == [lede]


def test_who_speaks_for_an_organization_is_no_second_originator_beside_it() -> None:
    """A spokeswoman for the FBI and the FBI are one source of "his death"; an outside expert
    and the FBI are two."""
    from briefing.schemas.brief import Actor

    death = "Gigante died in prison on Monday"

    def told(rid: str, who: str, role: str | None, kind: ActorKind) -> DigestItem:
        text = f"{death}, {who} said."
        person = Actor(id="A1", name=who, kind=kind, role=role, evidence=[span(text, who)])
        return item(
            rid,
            text,
            source_name=f"{rid}.com",
            claims=[claim(text, death, source=who, originator=who)],
            actors=[person],
        )

    fbi = told("a", "FBI", None, ActorKind.ORGANIZATION)
    spokeswoman = told("b", "Christine Monaco", "spokeswoman for the FBI", ActorKind.PERSON)
    expert = told("c", "Ann Webb", "historian", ActorKind.PERSON)
    [one] = builder().build([fbi, spokeswoman], since=SINCE, until=UNTIL).events[0].claims
    assert one.independent_originators == ["FBI"] and one.corroboration == 1
    [two] = builder().build([fbi, expert], since=SINCE, until=UNTIL).events[0].claims
    assert two.independent_originators == ["Ann Webb", "FBI"] and two.corroboration == 2


def test_a_model_bottom_line_loses_its_label_and_does_not_lead_with_a_hedge() -> None:
    """A small model writes the field's name first ("the bottom line: ...") and may lead with
    what someone thinks likely: the name goes, and a leading hedged sentence is dropped."""
    convicted = "Orozco was convicted of the murder of Deputy Jerry Ortiz."
    instantly = "Ortiz probably died instantly."
    b, _ = scripted_builder(
        {
            "headline": "Headline: Orozco convicted of murder",
            "bluf": f"the bottom line: {instantly} {convicted}",
        }
    )
    items = [
        item(
            "a", convicted, source_name="LA Times", developments=[development(convicted, convicted)]
        ),
        item(
            "b",
            instantly,
            source_name="Press-Telegram",
            developments=[development(instantly, instantly)],
        ),
    ]
    digest = b.build(items, since=SINCE, until=UNTIL)
    event = digest.events[0]
    assert event.headline == "Orozco convicted of murder"
    assert event.bluf == convicted
    assert any("leading sentence hedges" in w for w in digest.quality.warnings)


def test_what_someone_says_a_person_is_leads_no_bottom_line_without_them() -> None:
    """ "Kenneth Dorsey says the woman is a good person": the reported clause describes, and
    is no sentence of code's bottom line (it would read as the reporter's own); a reported
    clause that tells what happened ("police said the plant closed ...") still is."""
    news = "A suspended worker shot three co-workers at the Kraft plant on Thursday."
    closed = "the plant closed for the rest of the week"
    opinion = "the woman is a good person"

    def bluf(said: str, who: str) -> str:
        texts = [f"{news} {who} said {said}. {own}" for own in _OWN[:2]]  # no reprints
        items = [
            item(
                f"r{k}",
                text,
                source_name=f"outlet{k}.com",
                developments=[development(text, news), development(text, said)],
            )
            for k, text in enumerate(texts)
        ]
        (event,) = builder().build(items, since=SINCE, until=UNTIL).events
        return event.bluf

    assert bluf(opinion, "Kenneth Dorsey") == news
    assert bluf(closed, "Police") == f"{news} The plant closed for the rest of the week."
