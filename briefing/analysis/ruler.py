"""Entity patterns that run after spaCy's statistical NER: one set fills gaps the model left,
another corrects spans the model cut short.

The small English model misses names a pattern can see: a nationality or faith word it leaves
untagged ("Welsh Guardsmen", "Protestant politicians"), a place named by a proper noun and its
kind ("Arghandab district", "Rue Victor Hugo"), and a group's name that it reads as a
nationality ("Islamic State"). Each pattern was kept because switching it off lowers the
figures on evaluation data it was not written for (``python -m eval.ablate_actors``); patterns
that did not (an organization's head noun, geographic heads and "Strait of ...") were removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.analysis.countries import demonyms
from briefing.analysis.lexicon import words

if TYPE_CHECKING:
    from spacy.language import Language

# Faiths, peoples and political communities the model often leaves untagged; organization
# and place head nouns; street prefixes and the particles inside street names
# (briefing/data/lexicon.yaml).
GROUP_WORDS = words("group_words")
ORG_HEADS = words("org_heads")
GROUP_ORG_HEADS = words("group_org_heads")
PLACE_HEADS = words("place_heads")
STREET_PREFIXES = words("street_prefixes")
STREET_SUFFIXES = words("street_suffixes")
NAME_PARTICLES = words("name_particles")

_NAME = {"IS_TITLE": True, "TAG": "NNP"}


def _nationality() -> list[str]:
    return sorted(set(demonyms()) | set(GROUP_WORDS))


def fill_patterns() -> list[dict[str, Any]]:
    """Names the model left untagged; a match that overlaps one of its entities is dropped."""
    return [
        {"label": "NORP", "pattern": [{"TEXT": {"IN": _nationality()}}], "id": "people"},
    ]


def fix_patterns() -> list[dict[str, Any]]:
    """Names the model cut short or mislabeled; a match replaces the entities it overlaps."""
    return [
        {
            "label": "ORG",
            "pattern": [
                {"TEXT": {"IN": [*_nationality(), "Islamic", "Islamist"]}},
                {"TEXT": {"IN": GROUP_ORG_HEADS}},
            ],
            "id": "group-org",
        },
        {
            "label": "FAC",
            "pattern": [{**_NAME, "OP": "+"}, {"LOWER": {"IN": PLACE_HEADS}, "POS": "NOUN"}],
            "id": "place-head",
        },
        {
            "label": "FAC",
            "pattern": [
                {"TEXT": {"IN": STREET_PREFIXES}},
                {"LOWER": {"IN": NAME_PARTICLES}, "OP": "*"},
                {**_NAME, "OP": "+"},
            ],
            "id": "street",
        },
        {
            "label": "FAC",
            "pattern": [{**_NAME, "OP": "+"}, {"TEXT": {"IN": STREET_SUFFIXES}}],
            "id": "street-suffix",
        },
    ]


def add_rulers(nlp: Language) -> None:
    """Add both rulers after the statistical NER (once per pipeline)."""
    if "briefing_fix" in nlp.pipe_names:
        return
    fix = nlp.add_pipe("entity_ruler", name="briefing_fix", config={"overwrite_ents": True})
    fix.add_patterns(fix_patterns())  # type: ignore[attr-defined]
    fill = nlp.add_pipe("entity_ruler", name="briefing_fill", config={"overwrite_ents": False})
    fill.add_patterns(fill_patterns())  # type: ignore[attr-defined]
