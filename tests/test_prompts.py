from pathlib import Path

import pytest

from briefing.chains.brief import BriefChain
from briefing.errors import ConfigError
from briefing.prompts import available_versions, load_prompt, load_prompt_file
from briefing.schemas.report import Report
from briefing.settings import Settings

PROMPTS = Path(__file__).resolve().parent.parent / "briefing/prompts"
ALL_FILES = sorted(PROMPTS.glob("*/v*.yaml"))


def test_there_are_prompt_files() -> None:
    assert {p.parent.name for p in ALL_FILES} >= {"brief", "repair"}


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_prompt_file_loads_and_declares_its_variables(path: Path) -> None:
    prompt = load_prompt_file(path)
    assert prompt.task == path.parent.name and prompt.version == path.stem
    assert set(prompt.chat_prompt().input_variables) == set(prompt.variables)
    assert prompt.description.strip()


def test_brief_prompt_variables_are_exactly_what_the_chain_passes(example_report: Report) -> None:
    chain = BriefChain(Settings(), backend=None)
    state = chain._analyze(example_report)
    assert state.candidates is not None
    passed = chain.prompt_variables(example_report, state.candidates)
    assert set(passed) == set(chain.prompt.variables)
    messages = chain.prompt.chat_prompt().format_messages(**passed)
    assert "Sergey Kisel" in messages[-1].content


def test_the_model_is_told_the_reports_date_from_its_dateline_when_none_was_given() -> None:
    chain = BriefChain(Settings(), backend=None)
    text = "Cable cut off Egypt\nAugust 17, 2011\nAn undersea cable was cut on Tuesday, Telecom Egypt said.\n"
    for report, told in (
        (Report(text=text), "2011-08-17"),
        (Report(text=text.split("\n", 2)[2]), "unknown"),
    ):
        state = chain._analyze(report)
        assert state.candidates is not None
        assert chain.prompt_variables(report, state.candidates)["report_date"] == told


def test_repair_prompt_takes_the_error() -> None:
    repair = load_prompt(PROMPTS, "repair")
    assert repair.variables == ["error"]
    assert "boom" in repair.template.format(error="boom")


def test_newest_version_is_the_default(tmp_path: Path) -> None:
    for version in ("v1", "v2", "v10"):
        folder = tmp_path / "demo"
        folder.mkdir(exist_ok=True)
        (folder / f"{version}.yaml").write_text(
            f"description: d\nvariables: [x]\ntemplate: 'say {{x}} {version}'\n"
        )
    assert available_versions(tmp_path, "demo") == ["v1", "v2", "v10"]
    assert load_prompt(tmp_path, "demo").version == "v10"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("description: d\nvariables: [x]\ntemplate: 'hi {x}'\nsurprise: 1\n", "surprise"),
        ("description: d\nvariables: [x, y]\ntemplate: 'hi {x}'\n", "declared variables"),
        ("description: d\nvariables: []\ntemplate: 'hi {x}'\n", "declared variables"),
        ("- just\n- a list\n", "mapping"),
        ("description: d\nvariables: [x]\ntemplate: 'hi {x'\n", "invalid"),
    ],
)
def test_invalid_prompt_files_are_config_errors(tmp_path: Path, body: str, message: str) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    path = folder / "v1.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_prompt_file(path)
