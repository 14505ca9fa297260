"""The brief chain on a scripted model: what the code does with the model's judgments."""

from __future__ import annotations

import json

import pytest
from scripted import ScriptedChatModel

from briefing.analysis.result import Analysis
from briefing.chains.brief import BriefChain
from briefing.llm.backend import Backend
from briefing.schemas.brief import ActorKind, Brief
from briefing.schemas.report import Report
from briefing.settings import Settings, StructuredMode


def chain_with(
    script: list[object], mode: StructuredMode = StructuredMode.PLAIN
) -> tuple[BriefChain, ScriptedChatModel]:
    model = ScriptedChatModel(script=script)
    backend = Backend(chat=model, model="scripted-model", label="scripted", mode=mode)
    return BriefChain(Settings(), backend=backend), model


def ids_of(chain: BriefChain, report: Report) -> dict[str, list[str]]:
    state = chain._analyze(report)
    assert state.candidates is not None
    return state.candidates.ids()


def assert_grounded(brief: Brief, text: str) -> None:
    items = [
        *brief.actors,
        *brief.developments,
        *brief.claims,
        *brief.uncertainties,
        *brief.sources,
    ]
    for item in items:
        assert item.evidence, item
        for span in item.evidence:
            assert text[span.start : span.end] == span.text


def test_model_judgments_are_used_and_guarded(example_report: Report) -> None:
    probe, _ = chain_with([])
    ids = ids_of(probe, example_report)
    state = probe._analyze(example_report)
    assert state.analysis is not None and state.candidates is not None
    isw = next(a for a in state.analysis.actors if a.name == "ISW")

    def dev_id(words: str) -> str:
        return next(d.id for d in state.candidates.developments if words in d.evidence.text)  # type: ignore[union-attr]

    draft = {
        "bluf": "Russia has dismissed General Sergey Kisel from its Syrian command after "
        "operational failures, HUR says; ISW notes Russia seeks a diplomatic solution.",
        "actors": [
            {"id": isw.id, "kind": "state"},
            {"id": ids["actor_ids"][-1], "kind": "armed_group"},
        ],
        "developments": [
            {"id": dev_id("Sergey Kisel"), "what": "Vladimir Putin fired General Kisel."},
            {
                "id": dev_id("Chayko"),
                "what": "The Kremlin deployed General Alexander Chayko to Syria.",
            },
        ],
        "uncertainties": [],
    }
    chain, model = chain_with([json.dumps(draft)])
    brief = chain.run(example_report)

    assert len(model.calls) == 1
    assert brief.bluf == draft["bluf"]
    # spaCy's label bounds the model: an ORG may not become a state.
    assert next(a for a in brief.actors if a.name == "ISW").kind is ActorKind.ORGANIZATION
    # Grades come from the rules, whatever the model says (see test_grading).
    hur = next(s for s in brief.sources if s.name == "HUR")
    assert hur.reliability.value == "C" and hur.stake is not None
    whats = [d.what for d in brief.developments]
    assert "The Kremlin deployed General Alexander Chayko to Syria." in whats
    assert not any("Putin" in w for w in whats)
    assert any("Vladimir" in w or "Putin" in w for w in brief.quality.warnings)
    assert brief.provenance.prompt_versions == {"brief": "v2", "repair": "v1", "reduce": "v1"}
    assert brief.provenance.model == "scripted-model"
    assert brief.provenance.usage.llm_calls == 1
    assert_grounded(brief, example_report.text)


def test_unknown_ids_are_repaired_in_plain_mode(example_report: Report) -> None:
    bad = {
        "bluf": "Russia replaced commanders in Syria.",
        "actors": [{"id": "A999", "kind": "person"}],
        "developments": [],
        "uncertainties": [],
    }
    good = {**bad, "actors": []}
    chain, model = chain_with([json.dumps(bad), json.dumps(good)])
    brief = chain.run(example_report)
    assert len(model.calls) == 2
    assert "A999" in model.calls[1]["messages"][-1].content
    assert brief.provenance.usage.llm_calls == 2
    assert "the model needed 2 attempts" in brief.quality.warnings


def test_constrained_schema_lists_only_candidate_ids(example_report: Report) -> None:
    draft = {"bluf": "x", "actors": [], "developments": [], "uncertainties": []}
    chain, model = chain_with([json.dumps(draft)], mode=StructuredMode.JSON_OBJECT_SCHEMA)
    brief = chain.run(example_report)
    schema = model.calls[0]["kwargs"]["response_format"]["schema"]
    actor_ids = schema["$defs"]["ActorJudgment"]["properties"]["id"]["enum"]
    assert set(actor_ids) == set(ids_of(chain, example_report)["actor_ids"])
    # An unusable BLUF ("x") is replaced by the report's lead, which is grounded.
    assert brief.bluf.startswith("The Ukrainian Defense Ministry")
    assert brief.bluf_evidence and all(
        example_report.text[s.start : s.end] == s.text for s in brief.bluf_evidence
    )


def test_report_is_fenced_as_data_in_the_prompt(example_report: Report) -> None:
    draft = {"bluf": "x", "actors": [], "developments": [], "uncertainties": []}
    chain, model = chain_with([json.dumps(draft)])
    chain.run(example_report)
    system, human = model.calls[0]["messages"]
    assert "untrusted data" in system.content
    assert "Sergey Kisel" not in system.content  # report text never enters instructions
    assert human.content.count("<report>") == 1 and "[S0]" in human.content


@pytest.mark.parametrize("mode", [StructuredMode.JSON_SCHEMA, StructuredMode.JSON_OBJECT_SCHEMA])
def test_every_structured_mode_runs_the_same_chain(
    example_report: Report, mode: StructuredMode
) -> None:
    draft = {
        "bluf": "Russia dismissed General Sergey Kisel.",
        "actors": [],
        "developments": [],
        "uncertainties": [],
    }
    chain, _ = chain_with([json.dumps(draft)], mode=mode)
    brief = chain.run(example_report)
    assert brief.provenance.structured_mode == mode.value
    assert brief.bluf == "Russia dismissed General Sergey Kisel."


def test_unusable_model_output_degrades_to_a_grounded_code_only_brief(
    example_report: Report,
) -> None:
    chain, model = chain_with(["no json", "still none", "nothing"])
    brief = chain.run(example_report)
    assert len(model.calls) == 3  # 1 try + 2 repairs (the default)
    assert any("failed validation 3 times" in w for w in brief.quality.warnings)
    assert brief.provenance.usage.llm_calls == 3
    assert {s.name for s in brief.sources} >= {"HUR", "ISW"}  # graded by rule, model or not
    assert brief.bluf.startswith("The Ukrainian Defense Ministry")
    assert_grounded(brief, example_report.text)


def test_invented_numbers_are_rejected_like_invented_names(example_report: Report) -> None:
    draft = {
        "bluf": "HUR reported on December 2, 2023 that Russia dismissed Sergey Kisel.",
        "actors": [],
        "developments": [],
        "uncertainties": [],
    }
    chain, _ = chain_with([json.dumps(draft)])
    brief = chain.run(example_report)
    assert "2023" not in brief.bluf
    assert any("2023" in w for w in brief.quality.warnings)


def test_a_model_that_times_out_gives_a_degraded_brief_not_an_error(
    example_report: Report,
) -> None:
    import httpx
    import openai

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    restarts: list[int] = []
    model = ScriptedChatModel(script=[openai.APITimeoutError(request=request)])
    backend = Backend(
        chat=model,
        model="scripted-model",
        label="scripted",
        mode=StructuredMode.PLAIN,
        on_timeout=lambda: restarts.append(1),
    )
    brief = BriefChain(Settings(llm_timeout_s=7), backend=backend).run(example_report)
    assert len(model.calls) == 1 and restarts == [1]  # not retried; the hook ran once
    assert any("did not come within 7 s" in w for w in brief.quality.warnings)
    assert brief.quality.degraded
    assert brief.bluf and brief.actors and brief.claims  # the code-only brief still stands
    assert_grounded(brief, example_report.text)


def test_a_code_only_brief_starts_no_model(example_report: Report) -> None:
    chain = BriefChain(Settings(llm_base_url="http://127.0.0.1:9/v1"))
    brief = chain.run(example_report, use_model=False)
    assert chain._backend is None  # never built, never called
    assert brief.provenance.model == "none" and brief.provenance.usage.llm_calls == 0
    assert any("code-only" in w for w in brief.quality.warnings)
    assert {a.name for a in brief.actors} >= {"HUR", "ISW", "Dmitry Peskov"}


def _developments(text: str) -> tuple[Analysis, list[str]]:
    """A report's analysis and the words of its brief's developments (no model call)."""
    chain, _ = chain_with([])
    state = chain._analyze(Report(text=text))
    assert state.candidates is not None and state.analysis is not None
    return state.analysis, [d.evidence.text for d in state.candidates.developments]


def test_a_development_is_told_in_the_reporters_words() -> None:
    """A quotation or words in the first person are a claim (who said them), not what
    happened; the reporter's sentence naming an actor is a development."""
    text = (
        "Yvonne Hiller shot two co-workers at the Kraft plant on Thursday.\n"
        '"We talked about her faith," Kenneth Dorsey said.\n'
        "I wished Hiller well, Kenneth Dorsey told reporters.\n"
    )
    analysis, told = _developments(text)
    assert told == ["Yvonne Hiller shot two co-workers at the Kraft plant on Thursday."]
    assert len(analysis.attributions) == 2  # the quotations stay claims


def test_a_sentence_naming_a_place_and_no_one_is_a_development() -> None:
    """A lede often names where, not who: "four men", "a woman" are no named actors."""
    text = (
        "Four men rammed their car into a jewellery store in central Paris on Monday.\n"
        "The thieves fled with watches worth two million euros.\n"
        "A woman was hit by a car that fled the scene in Queens.\n"
    )
    analysis, told = _developments(text)
    assert told == [
        "Four men rammed their car into a jewellery store in central Paris on Monday.",
        "A woman was hit by a car that fled the scene in Queens.",
    ]
    assert not analysis.actors  # no one named: the places make them developments


def test_the_rest_of_a_quotation_a_sentence_before_opened_is_no_development() -> None:
    """A quotation of several sentences: those after the first have no opening mark of their
    own, but are still the speaker's words; the next line starts outside any quotation. A
    quotation whose speaker follows it is no development either, though what was said is kept
    without its marks."""
    text = (
        "LuAnn Johnson died at Hennepin County Medical Center on Wednesday.\n"
        "“She was kind to everyone. Kind and gentle, Leroy Johnson loved her. Leroy was "
        "blessed,” said Pastor Tom Lee of Bloomington.\n"
        "Police arrested Anthony LaSalle two blocks away.\n"
        "“Kind and gentle, LuAnn Johnson loved the Lord,” said Lois Scholz.\n"
    )
    analysis, told = _developments(text)
    assert [s.quoted for s in analysis.sentences] == [False, False, True, True, False, False]
    assert told == [
        "LuAnn Johnson died at Hennepin County Medical Center on Wednesday.",
        "Police arrested Anthony LaSalle two blocks away.",
    ]
    # The speaker's words stay a claim.
    said = [a.content.text for a in analysis.attributions]
    assert "Leroy was blessed" in said
    assert "Kind and gentle, LuAnn Johnson loved the Lord" in said


def test_a_line_without_a_verb_is_no_development() -> None:
    """A credit, a caption or a byline names actors but tells nothing that happened."""
    text = (
        "On behalf of Newman, Anzalone & Newman, LLP.\n"
        "Anthony LaSalle was charged with murder in Bloomington on Friday.\n"
        "(Fox News article).\n"
        "Officer Ann Lee at the Bloomington police station.\n"
    )
    analysis, told = _developments(text)
    assert [s.verbless for s in analysis.sentences] == [True, False, True, True]
    assert told == ["Anthony LaSalle was charged with murder in Bloomington on Friday."]
