import datetime as dt

from conftest import EXPECTED_ACTORS

from briefing.analysis import analyze
from briefing.schemas.brief import ActorKind, ReportingVerb
from briefing.schemas.report import Report


def test_example_actors_with_aliases_roles_and_offsets(example_report: Report) -> None:
    analysis = analyze(example_report)
    by_name = {a.name: a for a in analysis.actors}
    for name in EXPECTED_ACTORS:
        assert name in by_name, name
    assert "Main Directorate of Intelligence" in by_name["HUR"].aliases
    assert "Institute for the Study of War" in by_name["ISW"].aliases
    assert "Kisel" in by_name["Sergey Kisel"].aliases
    # NER slip repaired: "Kremlin Spokesperson Dmitry" was an ORG glued to PERSON "Peskov".
    assert by_name["Dmitry Peskov"].role == "Spokesperson"
    assert by_name["Dmitry Peskov"].affiliation == "Kremlin"
    assert by_name["Sergei Lavrov"].role == "Foreign Minister"
    assert by_name["Wagner Group"].kind is ActorKind.ARMED_GROUP
    assert by_name["Russian Navy"].kind is ActorKind.MILITARY
    # A place tagged ORG ("in Tartus") is a location, not an actor.
    assert "Tartus" not in by_name
    assert "Tartus" in [m.span.text for m in analysis.locations]
    text = example_report.text
    for actor in analysis.actors:
        for mention in actor.mentions:
            assert text[mention.span.start : mention.span.end] == mention.span.text
    assert len(by_name["HUR"].mentions) == 4  # 3 tagged + the one in parentheses


def test_attributions_resolve_speakers(example_report: Report) -> None:
    analysis = analyze(example_report)
    names = {a.id: a.name for a in analysis.actors}
    pairs = [(names.get(a.actor_id or ""), a.verb.text) for a in analysis.attributions]
    assert ("HUR", "says") in pairs
    assert ("ISW", "notes") in pairs
    assert ("Dmitry Peskov", "speculated") in pairs
    assert ("HUR", "According") in pairs  # "According to the Ukrainian intelligence report"
    assert ("HUR", "notes") in pairs  # "..., the report notes."
    peskov = next(a for a in analysis.attributions if a.verb.text == "speculated")
    assert peskov.verb_class is ReportingVerb.SPECULATED
    assert "encroachment" in peskov.content.text


def test_dates_resolve_against_the_report_date(example_report: Report) -> None:
    analysis = analyze(example_report)
    values = {d.span.text: d.value for d in analysis.dates}
    assert values["1 December"] == dt.date(2024, 12, 1)
    assert values["30 November"] == dt.date(2024, 11, 30)


def test_hedges_are_found_with_offsets(example_report: Report) -> None:
    analysis = analyze(example_report)
    cues = {h.cue for h in analysis.hedges}
    assert {"reportedly", "allegedly", "remains uncertain whether", "potentially"} <= cues
    for hedge in analysis.hedges:
        assert (
            example_report.text[hedge.span.start : hedge.span.end].lower()
            == hedge.span.text.lower()
        )


def test_may_the_month_is_not_a_hedge() -> None:
    report = Report(text="The talks ended in May. Russia may send more ships.")
    cues = [(h.cue, h.sentence) for h in analyze(report).hedges]
    assert cues == [("may", 1)]
