"""``briefing eval DATASET``: the pipeline against gold actors, with the spaCy pass alone as the
baseline measured in the same run. Writes JSON and a Markdown table.

Where the dataset has a split (``split.json``), the figures are printed per part: the part that
rules may be tuned on and the part reported as unseen. Rules earn their place on the second."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.chains.brief import BriefChain
from briefing.errors import BriefingError
from briefing.evaluation.datasets import GoldDoc, load_dataset
from briefing.evaluation.scoring import Score, score
from briefing.ingest import load_report
from briefing.schemas.brief import Brief

BASELINE_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}


def baseline_names(doc: GoldDoc, nlp: Any) -> list[list[str]]:
    """The spaCy pass alone: every entity of an actor-like label, grouped by its text."""
    parsed = nlp(doc.text)
    seen: dict[str, list[str]] = {}
    for ent in parsed.ents:
        if ent.label_ in BASELINE_LABELS and doc.in_scope(ent.start_char, ent.end_char):
            seen.setdefault(ent.text.casefold(), [ent.text])
    return list(seen.values())


def brief_names(brief: Brief, doc: GoldDoc | None = None) -> list[list[str]]:
    """The brief's actors (name and aliases) and its places; with ``doc``, those with a mention
    where its gold annotation is complete."""

    def wanted(evidence: list[Any]) -> bool:
        return doc is None or any(doc.in_scope(e.start, e.end) for e in evidence)

    names = [[a.name, *a.aliases] for a in brief.actors if wanted(a.evidence)]
    names += [[p.name, *p.aliases] for p in brief.places if wanted(p.evidence)]
    return names


_ZERO = Score(0, 0, 0, 0)
PART_LABELS = {
    "tune": "tuning part (rules may be fitted here)",
    "report": "untuned part (reported; not used for tuning)",
    "all": "all documents",
}


@dataclass
class Run:
    dataset: str
    documents: int = 0
    baseline: Score = field(default_factory=lambda: Score(0, 0, 0, 0))
    pipeline: Score = field(default_factory=lambda: Score(0, 0, 0, 0))
    valid: int = 0
    kept_items: int = 0
    dropped_items: int = 0
    latencies: list[float] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    per_doc: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    # part -> (documents, baseline, pipeline)
    parts: dict[str, tuple[int, Score, Score]] = field(default_factory=dict)
    model_used: bool = True

    def add(self, part: str, base: Score, got: Score) -> None:
        self.documents += 1
        self.baseline += base
        self.pipeline += got
        n, b, p = self.parts.get(part, (0, _ZERO, _ZERO))
        self.parts[part] = (n + 1, b + base, p + got)

    def summary(self) -> dict[str, Any]:
        total = self.kept_items + self.dropped_items
        return {
            "dataset": self.dataset,
            "documents": self.documents,
            "model_used": self.model_used,
            "matching_rule": "normalized name or alias equals the gold name or a gold surface form",
            "baseline_spacy": _pr(self.baseline),
            "pipeline": _pr(self.pipeline),
            "parts": {
                part: {"documents": n, "baseline_spacy": _pr(b), "pipeline": _pr(p)}
                for part, (n, b, p) in sorted(
                    self.parts.items(), key=lambda kv: list(PART_LABELS).index(kv[0])
                )
            },
            "schema_valid": f"{self.valid}/{self.documents}",
            "failed_documents": len(self.failures),
            "grounding_rate": round(self.kept_items / total, 4) if total else 1.0,
            "latency_s_median": round(statistics.median(self.latencies), 2)
            if self.latencies
            else 0,
            "tokens_median": int(statistics.median(self.tokens)) if self.tokens else 0,
        }


def _pr(s: Score) -> dict[str, float]:
    return {
        "recall": round(s.recall, 4),
        "precision": round(s.precision, 4),
        "gold": s.gold,
        "predicted": s.predicted,
    }


def run_eval(
    folder: Path,
    chain: BriefChain,
    *,
    limit: int | None = None,
    part: str | None = None,
    use_model: bool = True,
    progress: Callable[[str], None] = lambda _m: None,
) -> Run:
    """Brief every document of ``folder`` (``part``: only "tune" or "report" documents) and
    score its actors; ``use_model=False`` makes code-only briefs (the actor set does not depend
    on the model, so the actor figures are the same, in a minute)."""
    from briefing.analysis import get_nlp

    docs: list[GoldDoc] = [d for d in load_dataset(folder) if part in (None, d.part)][:limit]
    nlp = get_nlp(chain.settings.spacy_model, rulers=False)
    run = Run(dataset=folder.name, model_used=use_model)
    for i, doc in enumerate(docs, 1):
        base = score(doc.actors, baseline_names(doc, nlp))
        started = time.perf_counter()
        try:
            brief = chain.run(
                load_report(doc.text, filename=f"{doc.doc_id}.txt"), use_model=use_model
            )
        except BriefingError as exc:  # one failed document does not end the run
            run.add(doc.part, base, score(doc.actors, []))
            run.failures.append({"doc": doc.doc_id, "error": exc.message})
            progress(f"[{i}/{len(docs)}] {doc.doc_id}: FAILED: {exc.message}")
            continue
        elapsed = time.perf_counter() - started
        got = score(doc.actors, brief_names(brief, doc))
        Brief.model_validate_json(brief.model_dump_json())
        run.valid += 1
        run.add(doc.part, base, got)
        items = (
            len(brief.actors)
            + len(brief.developments)
            + len(brief.claims)
            + len(brief.uncertainties)
            + len(brief.sources)
        )
        run.kept_items += items
        run.dropped_items += brief.quality.dropped_count
        run.latencies.append(elapsed)
        run.tokens.append(brief.provenance.usage.total_tokens)
        run.per_doc.append(
            {
                "doc": doc.doc_id,
                "part": doc.part,
                "recall": got.recall,
                "precision": got.precision,
                "baseline_recall": base.recall,
                "baseline_precision": base.precision,
                "seconds": round(elapsed, 2),
            }
        )
        progress(
            f"[{i}/{len(docs)}] {doc.doc_id}: recall {got.recall:.2f} precision "
            f"{got.precision:.2f} (spaCy alone {base.recall:.2f}/{base.precision:.2f}) "
            f"{elapsed:.1f}s"
        )
    return run


def write_results(run: Run, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = run.summary()
    json_path = out_dir / f"eval-{run.dataset}.json"
    json_path.write_text(json.dumps({**summary, "documents_detail": run.per_doc}, indent=2))
    rows = []
    for part, figures in summary["parts"].items():
        label = f"{PART_LABELS.get(part, part)}, {figures['documents']} docs"
        rows.append(_row(f"spaCy pass alone (baseline): {label}", figures["baseline_spacy"]))
        rows.append(_row(f"briefing pipeline: {label}", figures["pipeline"]))
    if len(summary["parts"]) > 1:
        rows.append(_row("spaCy pass alone (baseline): all", summary["baseline_spacy"]))
        rows.append(_row("briefing pipeline: all", summary["pipeline"]))
    model = "the configured model" if run.model_used else "no model (code-only briefs)"
    md = "\n".join(
        [
            f"# Evaluation: {run.dataset} ({run.documents} documents, {model})",
            "",
            "| | recall | precision | gold actors | predicted |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"- schema-valid briefs: {summary['schema_valid']}; documents that failed (scored "
            f"as briefs with no actors): {summary['failed_documents']}",
            f"- grounding rate (items kept / items considered): {summary['grounding_rate']:.3f}",
            f"- median latency per document: {summary['latency_s_median']} s",
            f"- median tokens per document: {summary['tokens_median']}",
            f"- matching rule: {summary['matching_rule']} (see briefing/evaluation/scoring.py)",
            "",
        ]
    )
    md_path = out_dir / f"eval-{run.dataset}.md"
    md_path.write_text(md)
    return json_path, md_path


def _row(label: str, s: dict[str, float]) -> str:
    return (
        f"| {label} | {s['recall']:.3f} | {s['precision']:.3f} | {s['gold']} | {s['predicted']} |"
    )
