"""Digests of real report files: the CLI, a contradiction between two real reports, and the
embedded model writing event headlines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from test_cli import ROOT, run_cli

from briefing.schemas.digest import digest_json_schema

DEV = ROOT / "eval/data/ecbplus-dev"
SOURCES = json.loads((DEV / "sources.json").read_text())


def real_reports(folder: Path, names: list[str], published: dict[str, str] | None = None) -> None:
    """ECB+ dev documents (real news) as Markdown with their outlet's URL in front matter."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        meta = {"url": SOURCES[name]}
        if published and name in published:
            meta["published"] = published[name]
        front = yaml.safe_dump(meta)
        (folder / name.replace(".txt", ".md")).write_text(
            f"---\n{front}---\n\n{(DEV / name).read_text()}"
        )


def test_a_figure_contradiction_between_two_real_reports(tmp_path: Path) -> None:
    # USA Today and Reuters on the same Athens riot: 12 injured against 18, both "police said".
    real_reports(tmp_path, ["8_3ecbplus.txt", "8_8ecbplus.txt"])
    result = run_cli("digest", str(tmp_path), "--no-model", "--quiet")
    assert result.returncode == 0, result.stderr.decode()
    digest = json.loads(result.stdout)
    [event] = digest["events"]
    assert sorted(event["families"]) == ["Gannett", "Reuters"]  # USA Today is Gannett
    figures = [c for c in event["contradictions"] if c["kind"] == "figure"]
    [dispute] = [c for c in figures if "people" in c["about"]]
    sides = {s["report_id"]: s for s in dispute["sides"]}
    assert sides["8_3ecbplus.md"]["value"] == "12 people"
    assert sides["8_8ecbplus.md"]["value"] == "18 people"
    texts = {p.name: p.read_text() for p in tmp_path.iterdir()}
    for side in dispute["sides"]:
        ref = side["evidence"][0]
        body = texts[ref["report_id"]].split("---\n\n", 1)[1]
        assert body[ref["start"] : ref["end"]] == ref["text"]
    assert {s["family"] for s in dispute["sides"]} == {"Gannett", "Reuters"}


def test_digest_cli_formats_window_and_folder_output(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    names = ["8_3ecbplus.txt", "8_8ecbplus.txt", "16_1ecbplus.txt", "16_5ecbplus.txt"]
    dates = {
        "8_3ecbplus.txt": "2010-05-05",
        "8_8ecbplus.txt": "2010-05-05",
        "16_1ecbplus.txt": "2005-07-26",
        "16_5ecbplus.txt": "2005-06-25",
    }
    real_reports(reports, names, dates)
    result = run_cli("digest", str(reports), "--no-model", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr.decode()
    digest = json.loads(result.stdout)
    jsonschema.validate(digest, digest_json_schema())
    assert len(digest["reports"]) == 4 and len(digest["events"]) == 2
    assert "briefing 4/4" in result.stderr.decode()  # progress on stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".json", ".md"]
    # The window: only the 2010 reports.
    window = run_cli(
        "digest",
        str(reports),
        "--no-model",
        "-q",
        "--since",
        "2010-01-01",
        "--until",
        "2010-12-31",
        "-f",
        "md",
    )
    assert window.returncode == 0
    md = window.stdout.decode()
    assert md.startswith("# Digest: 2010-01-01 00:00 to 2010-12-31 00:00 UTC")
    assert "Gannett" in md and "lacounty" not in md
    from briefing.version import code_version

    assert f"; code {code_version()};" in md  # which code made it, as in a brief
    empty = run_cli(
        "digest", str(reports), "--no-model", "-q", "--since", "2020-01-01", "--until", "2020-01-02"
    )
    assert json.loads(empty.stdout)["empty"] is True
    bad = run_cli("digest", str(tmp_path / "missing"), "--no-model")
    assert (
        bad.returncode == 2
        and b"no such file or folder" in bad.stderr
        and b"Traceback" not in bad.stderr
    )
    assert run_cli("schema", "digest").returncode == 0


@pytest.mark.embedded
def test_digest_on_the_embedded_model(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path, ignore_errors=True)
    # Three short real reports of one supermarket fire, from three outlets.
    real_reports(tmp_path, ["14_10ecbplus.txt", "14_4ecbplus.txt", "14_11ecbplus.txt"])
    result = run_cli("digest", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr.decode()
    digest = json.loads(result.stdout)
    provenance = digest["provenance"]
    assert (
        provenance["backend"] == "embedded"
        and provenance["prompt_versions"]["digest_event"] == "v1"
    )
    # One model call per event for the digest itself (briefs are counted on their own).
    assert provenance["usage"]["llm_calls"] >= len(digest["events"]) == 1
    event = digest["events"][0]
    assert event["headline"] and event["bluf"] and len(event["families"]) == 3
    texts = {p.name: p.read_text().split("---\n\n", 1)[1] for p in tmp_path.iterdir()}
    for ref in event["bluf_evidence"]:
        assert texts[ref["report_id"]][ref["start"] : ref["end"]] == ref["text"]
