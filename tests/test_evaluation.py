"""The evaluation harness: datasets load, the matching rule, a run on a scripted model."""

from __future__ import annotations

import json
from pathlib import Path

from scripted import ScriptedChatModel

from briefing.chains.brief import BriefChain
from briefing.evaluation.datasets import GoldActor, load_dataset
from briefing.evaluation.harness import run_eval, write_results
from briefing.evaluation.scoring import normalize, score
from briefing.llm.backend import Backend
from briefing.settings import Settings, StructuredMode

DATA = Path(__file__).resolve().parent.parent / "eval/data"


def test_datasets_load_with_exact_offsets() -> None:
    wiki = load_dataset(DATA / "wikievents-dev")
    ecb = load_dataset(DATA / "ecbplus-dev")
    assert len(wiki) == 20 and len(ecb) == 345
    assert sum(len(d.actors) for d in wiki) == 339
    assert any(g.name == "Russia" and "Russian" in g.forms for d in wiki for g in d.actors)


def test_matching_rule() -> None:
    assert normalize("The Kremlin's") == "kremlin" and normalize("U.S.") == "us"
    gold = [
        GoldActor("Hugo Chávez", frozenset({"Hugo Chávez", "Chávez"})),
        GoldActor("ISW", frozenset({"ISW"})),
    ]
    s = score(gold, [["Chávez"], ["Institute for the Study of War", "ISW"], ["Mars"]])
    assert (s.gold_matched, s.gold, s.predicted_matched, s.predicted) == (2, 2, 2, 3)
    assert round(s.recall, 2) == 1.0 and round(s.precision, 2) == 0.67


def test_a_run_writes_json_and_markdown(tmp_path: Path) -> None:
    empty = json.dumps({"bluf": "", "actors": [], "developments": [], "uncertainties": []})
    backend = Backend(
        chat=ScriptedChatModel(default=empty),
        model="scripted",
        label="scripted",
        mode=StructuredMode.PLAIN,
    )
    run = run_eval(DATA / "wikievents-dev", BriefChain(Settings(), backend=backend), limit=3)
    assert run.documents == 3 and run.valid == 3
    assert 0 < run.baseline.recall <= 1 and 0 < run.pipeline.recall <= 1
    json_path, md_path = write_results(run, tmp_path)
    data = json.loads(json_path.read_text())
    assert (
        data["documents"] == 3 and "baseline_spacy" in data and len(data["documents_detail"]) == 3
    )
    assert "| briefing pipeline |" in md_path.read_text()
