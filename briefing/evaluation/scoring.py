"""Named-actor scoring.

The name-matching rule: a predicted actor matches a gold actor when any of its names (canonical
or alias) equals, after normalization, the gold canonical name or any gold surface form.
Normalization: NFKC, case-folded, curly apostrophes straightened, dots removed, a leading "the"
and a trailing possessive ('s) removed, edge punctuation stripped. Recall counts gold actors
matched; precision counts predicted actors that match some gold actor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefing.evaluation.datasets import GoldActor


def normalize(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().replace("’", "'").replace(".", "")
    text = re.sub(r"^the\s+", "", text.strip())
    text = re.sub(r"'s?$", "", text)
    return text.strip(" \t\n,;:!?\"'()[]-")


@dataclass(frozen=True)
class Score:
    gold: int
    predicted: int
    gold_matched: int
    predicted_matched: int

    @property
    def recall(self) -> float:
        return self.gold_matched / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.predicted_matched / self.predicted if self.predicted else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.gold + other.gold,
            self.predicted + other.predicted,
            self.gold_matched + other.gold_matched,
            self.predicted_matched + other.predicted_matched,
        )


def score(gold: Sequence[GoldActor], predicted: Iterable[Iterable[str]]) -> Score:
    """``predicted``: one iterable of names (canonical and aliases) per predicted actor."""
    gold_forms = [{normalize(f) for f in g.forms} - {""} for g in gold]
    predicted_sets = [{normalize(n) for n in names} - {""} for names in predicted]
    predicted_sets = [p for p in predicted_sets if p]
    gold_hit = sum(1 for forms in gold_forms if any(forms & p for p in predicted_sets))
    pred_hit = sum(1 for p in predicted_sets if any(p & forms for forms in gold_forms))
    return Score(len(gold_forms), len(predicted_sets), gold_hit, pred_hit)
