"""The analysis pass (spaCy): it finds; the model judges and writes."""

from briefing.analysis.result import (
    ActorCandidate,
    Analysis,
    Attribution,
    DateExpression,
    Hedge,
    Mention,
    Sentence,
)
from briefing.analysis.spacy_pass import analyze, get_nlp

__all__ = [
    "ActorCandidate",
    "Analysis",
    "Attribution",
    "DateExpression",
    "Hedge",
    "Mention",
    "Sentence",
    "analyze",
    "get_nlp",
]
