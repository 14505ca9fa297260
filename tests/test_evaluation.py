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
    md = md_path.read_text()
    assert "| briefing pipeline: " in md and "| spaCy pass alone (baseline): " in md
    # The first three documents by file order fall in both parts of the split.
    parts = {d["part"] for d in data["documents_detail"]}
    assert parts <= {"tune", "report"} and set(data["parts"]) == parts


def test_the_split_keeps_the_parts_apart() -> None:
    docs = load_dataset(DATA / "wikievents-dev")
    tune = {d.doc_id for d in docs if d.part == "tune"}
    report = {d.doc_id for d in docs if d.part == "report"}
    assert len(tune) == len(report) == 10 and not tune & report


def test_ecbplus_is_scored_where_it_is_annotated() -> None:
    """ECB+ annotates participants fully only in its coreference sentences."""
    train = load_dataset(DATA / "ecbplus-train")
    assert len(train) == 318
    doc = train[0]
    assert doc.scored and all(
        doc.text[lo:hi] and "\n" not in doc.text[lo:hi] for lo, hi in doc.scored
    )
    lo, hi = doc.scored[0]
    assert doc.in_scope(lo, hi) and not doc.in_scope(hi + 1, hi + 5)


def test_a_run_without_a_model_scores_parts_separately() -> None:
    backend = Backend(
        chat=ScriptedChatModel(script=[]), model="x", label="x", mode=StructuredMode.PLAIN
    )
    run = run_eval(
        DATA / "wikievents-dev",
        BriefChain(Settings(), backend=backend),
        part="report",
        use_model=False,
    )
    assert run.documents == 10 and set(run.parts) == {"report"} and not run.model_used
    assert run.pipeline.recall > run.baseline.recall
