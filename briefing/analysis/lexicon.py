"""Word lists the analysis pass uses (reporting verbs, hedges, titles, kind keywords, the
words of the span repairs), read from the versioned data file ``briefing/data/lexicon.yaml``."""

from __future__ import annotations

import re
from typing import Any

from briefing.data import load, word_list
from briefing.schemas.brief import ActorKind, ReportingVerb, SourceKind
from briefing.schemas.scales import Likelihood

_DATA: dict[str, Any] = load("lexicon")
VERSION = str(_DATA["version"])


def words(key: str) -> list[str]:
    """One word list of ``briefing/data/lexicon.yaml``, as written there."""
    return word_list("lexicon", key)


def _pattern(items: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b", re.I)


# Reporting verb lemma -> class. Reported speech keeps its verb; the class groups it.
REPORTING_VERBS: dict[str, ReportingVerb] = {
    lemma: ReportingVerb(cls)
    for cls, lemmas in _DATA["reporting_verbs"].items()
    for lemma in lemmas
}
# "dismiss" is a reporting verb only with a clausal complement ("dismissed claims that..."),
# otherwise it is an event ("dismissed General X"): the pass checks for that.
REPORTING_NEEDS_CLAUSE = set(words("reporting_needs_clause"))
# Verbs of speech whose words say nothing without a verb in them (see the data file).
SPEECH_NEEDS_VERB = frozenset(words("speech_needs_verb"))
NEGATING_SUBJECTS = frozenset(words("negating_subjects"))
NEGATING_OBJECTS = frozenset(words("negating_objects"))
ORDER_VERBS = frozenset(words("order_verbs"))
SAID_OF_VERBS = frozenset(words("said_of_verbs"))
MEDIA_HEADS = frozenset(words("media_heads"))
MEDIA_NAMEPLATES = frozenset(words("media_nameplates"))
# Nouns that make a subject a reference to a report rather than an actor.
REPORT_NOUNS = set(words("report_nouns"))
# Nouns by which a person's words speak for them ("Magruder's testimony"); see the data file.
UTTERANCE_NOUNS = frozenset(words("utterance_nouns"))
# What a time stamp says besides its date and time ("Posted", "Last Updated"); see the data file.
STAMP_WORDS = frozenset(words("stamp_words"))
# Words an acronym skips ("Ministry of Defence" is "MD"); see the data file.
ACRONYM_SKIP = frozenset(words("acronym_skip"))
# Nouns by which a report refers back to an organization it named, and the kind it must be.
ORG_ANAPHORS: dict[str, SourceKind] = {
    **{w: SourceKind.OTHER for w in words("company_anaphors")},
    **{w: SourceKind.MEDIA for w in words("media_anaphors")},
}
# Hedge cues, longest first; each with the ICD 203 likelihood it implies, if any.
HEDGES: list[tuple[str, Likelihood | None]] = [
    (str(cue), Likelihood(value) if value else None) for cue, value in _DATA["hedges"]
]
HEDGE_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(cue) for cue, _ in HEDGES) + r")\b", re.IGNORECASE
)
HEDGE_LIKELIHOOD: dict[str, Likelihood | None] = dict(HEDGES)
# Titles that precede a name ("Foreign Minister Sergei Lavrov"): head words and modifiers.
TITLE_HEADS = set(words("titles"))
TITLE_MODIFIERS = set(words("title_modifiers"))
_KINDS: dict[str, list[str]] = _DATA["kind_words"]
MILITARY_WORDS = _pattern(_KINDS["military"])
ARMED_GROUP_WORDS = _pattern(_KINDS["armed_group"])
INTEL_WORDS = _pattern(_KINDS["intelligence"])
THINK_TANK_WORDS = _pattern(_KINDS["think_tank"])
GOVERNMENT_WORDS = _pattern(_KINDS["government"])
MEDIA_WORDS = _pattern(_KINDS["media"])
NOT_ACTORS = set(words("not_actors"))
STATE_VOICES = frozenset(words("state_voices"))


def speaks_for_state(head: str) -> bool:
    """Whether a speaker's head word after a nationality word is that country's voice."""
    return head.lower() in STATE_VOICES or any(
        p.fullmatch(head) for p in (GOVERNMENT_WORDS, MILITARY_WORDS, INTEL_WORDS)
    )


def org_kind(name: str, context: str = "") -> ActorKind:
    """An organization's kind from its name and the words around it."""
    if ARMED_GROUP_WORDS.search(name) or ARMED_GROUP_WORDS.search(context):
        return ActorKind.ARMED_GROUP
    if MILITARY_WORDS.search(name):
        return ActorKind.MILITARY
    return ActorKind.ORGANIZATION


_CIVIL_ROLES = tuple(words("civil_roles"))
_ROLE_PREPOSITIONS = frozenset(words("role_prepositions"))


def role_title(role: str) -> list[str]:
    """A role's title, lowercased words: those before its first preposition but "of"
    ("spokesman for the company" -> ["spokesman"]; "Secretary of State" whole)."""
    held = role.lower().split()
    return held[: next((i for i, w in enumerate(held) if w in _ROLE_PREPOSITIONS), len(held))]


def public_office(role: str | None) -> bool:
    """A role that is a public office: a title, and not a calling ("Defense Attorney", "Father",
    "lawyer for the family"; a "District Attorney" holds an office)."""
    if not role:
        return False
    title = " ".join(role_title(role))
    return not any(title == c or title.endswith(" " + c) for c in _CIVIL_ROLES)


def named_as_media(speaker: str, names: list[str]) -> bool:
    """Whether a speaker's words call the actor a medium just before its name ("the
    Venezuelan newspaper El Nacional", "broadcaster NHK"); "the White House press office" does
    not ("press" follows the name)."""
    folded = " ".join(speaker.split()).casefold()
    for name in names:
        at = folded.find(" ".join(name.split()).casefold())
        before = [w.strip(",") for w in folded[:at].split()] if at > 0 else []
        if before and (before[-1] in MEDIA_HEADS or " ".join(before[-2:]) in MEDIA_HEADS):
            return True
    return False


def _nameplate(name: str) -> bool:
    """Whether a name ends as many a newspaper's does ("The Vancouver Sun", "USA Today")."""
    last = next(reversed(name.split()), "")
    return last.strip(".,'’\"").casefold() in MEDIA_NAMEPLATES


def source_kind(name: str, kind: ActorKind, role: str | None) -> SourceKind:
    """What kind of source an actor is, from its name, kind and role."""
    if INTEL_WORDS.search(name):
        return SourceKind.INTELLIGENCE_SERVICE
    if THINK_TANK_WORDS.search(name):
        return SourceKind.THINK_TANK
    if kind is not ActorKind.PERSON and GOVERNMENT_WORDS.search(name):
        return SourceKind.GOVERNMENT  # "White House Press Office" is no medium
    if MEDIA_WORDS.search(name) or (kind is not ActorKind.PERSON and _nameplate(name)):
        return SourceKind.MEDIA
    if kind is ActorKind.PERSON:
        return SourceKind.OFFICIAL if public_office(role) else SourceKind.OTHER
    if kind in (ActorKind.STATE, ActorKind.MILITARY):
        return SourceKind.GOVERNMENT
    return SourceKind.OTHER


# Number words that scale the figure before them ("3.5 million"), for digest contradictions.
FIGURE_SCALES: dict[str, float] = {str(k): float(v) for k, v in _DATA["figure_scales"].items()}
