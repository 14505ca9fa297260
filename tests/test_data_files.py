"""The versioned data files: each loads, and none writes a key twice (PyYAML would keep the
last silently, and a word list written under a used name would replace the first)."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from briefing.data import load, safe_load
from briefing.errors import ConfigError

SHIPPED = sorted(
    p.name.removesuffix(".yaml")
    for p in resources.files("briefing.data").iterdir()
    if p.name.endswith(".yaml")
)


def test_a_key_written_twice_is_an_error() -> None:
    with pytest.raises(yaml.YAMLError, match="'words' is written twice"):
        safe_load("words: [a, b]\nother: [c]\nwords: [d]\n")
    # ... in a nested mapping too, and the same key in two mappings is fine.
    with pytest.raises(yaml.YAMLError, match="'x' is written twice"):
        safe_load("outer:\n  x: 1\n  x: 2\n")
    assert safe_load("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_data_file_loads_with_a_version(name: str) -> None:
    assert {"conflicts", "countries", "lexicon", "publishers"} <= set(SHIPPED)
    data = load(name)
    assert isinstance(data, dict) and data.get("version"), name


def test_a_street_name_keeps_its_particles() -> None:
    # "della" was in the street rule's list until a second list of the same name replaced it.
    from briefing.analysis.spacy_pass import analyze
    from briefing.schemas.report import Report

    text = "Protesters gathered on Via della Conciliazione on Sunday, police said."
    analysis = analyze(Report(text=text))
    places = [text[m.span.start : m.span.end] for m in analysis.locations]
    assert places == ["Via della Conciliazione"]
    assert not any("Conciliazione" in a.name for a in analysis.actors)


def test_a_conflicts_file_with_a_key_written_twice_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from briefing.analysis.sides import load_conflicts

    path = tmp_path / "conflicts.yaml"
    path.write_text("version: 1\nconflicts: []\nversion: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="written twice"):
        load_conflicts(path)
