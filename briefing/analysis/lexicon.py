"""Word lists the analysis pass uses: reporting verbs, hedges, titles, kind keywords."""

from __future__ import annotations

import re

from briefing.schemas.brief import ActorKind, ReportingVerb, SourceKind
from briefing.schemas.scales import Likelihood

# Reporting verb lemma -> class. Reported speech keeps its verb; the class groups it.
REPORTING_VERBS: dict[str, ReportingVerb] = {
    **dict.fromkeys(
        [
            "say",
            "report",
            "note",
            "state",
            "tell",
            "announce",
            "write",
            "add",
            "publish",
            "reveal",
            "disclose",
            "inform",
            "describe",
            "indicate",
            "observe",
            "explain",
            "warn",
            "stress",
            "emphasize",
            "emphasise",
            "mention",
            "highlight",
        ],
        ReportingVerb.REPORTED,
    ),
    **dict.fromkeys(
        [
            "assess",
            "estimate",
            "judge",
            "conclude",
            "believe",
            "argue",
            "forecast",
            "predict",
            "expect",
            "analyze",
            "analyse",
            "find",
        ],
        ReportingVerb.ASSESSED,
    ),
    **dict.fromkeys(
        ["claim", "allege", "insist", "accuse", "assert", "maintain"], ReportingVerb.CLAIMED
    ),
    **dict.fromkeys(
        ["speculate", "suggest", "suppose", "guess", "hint", "imply"], ReportingVerb.SPECULATED
    ),
    **dict.fromkeys(["deny", "reject", "dispute", "refute", "dismiss"], ReportingVerb.DENIED),
    **dict.fromkeys(
        ["confirm", "acknowledge", "verify", "admit", "corroborate"], ReportingVerb.CONFIRMED
    ),
}
# "dismiss" is a reporting verb only with a clausal complement ("dismissed claims that..."),
# otherwise it is an event ("dismissed General X"): the pass checks for that.
REPORTING_NEEDS_CLAUSE = {"dismiss", "find", "expect", "maintain", "publish", "add"}

# Nouns that make a subject a reference to a report rather than an actor.
REPORT_NOUNS = {"report", "reports", "statement", "assessment", "update", "bulletin", "sources"}

# Hedge cues, longest first; each with the ICD 203 likelihood it implies, if any.
HEDGES: list[tuple[str, Likelihood | None]] = [
    ("remains uncertain whether", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("it is unclear whether", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("remains unclear", None),
    ("it is unclear", None),
    ("could not be verified", None),
    ("could not be independently verified", None),
    ("not independently verified", None),
    ("almost certainly", Likelihood.ALMOST_CERTAIN),
    ("very likely", Likelihood.VERY_LIKELY),
    ("highly likely", Likelihood.VERY_LIKELY),
    ("very unlikely", Likelihood.VERY_UNLIKELY),
    ("unlikely", Likelihood.UNLIKELY),
    ("likely", Likelihood.LIKELY),
    ("probably", Likelihood.LIKELY),
    ("possibly", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("potentially", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("perhaps", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("reportedly", None),
    ("allegedly", None),
    ("purportedly", None),
    ("apparently", None),
    ("unconfirmed", None),
    ("uncertain", None),
    ("unclear", None),
    ("unknown", None),
    ("rumored", None),
    ("rumoured", None),
    ("speculated", None),
    ("may", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("might", Likelihood.ROUGHLY_EVEN_CHANCE),
    ("could", Likelihood.ROUGHLY_EVEN_CHANCE),
]
HEDGE_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(cue) for cue, _ in HEDGES) + r")\b", re.IGNORECASE
)
HEDGE_LIKELIHOOD: dict[str, Likelihood | None] = dict(HEDGES)

# Titles that precede a name ("Foreign Minister Sergei Lavrov"): head words and modifiers.
TITLE_HEADS = {
    "general",
    "admiral",
    "president",
    "minister",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "commander",
    "colonel",
    "secretary",
    "chief",
    "director",
    "ambassador",
    "senator",
    "governor",
    "mayor",
    "king",
    "queen",
    "prince",
    "chairman",
    "chairwoman",
    "chair",
    "premier",
    "lieutenant",
    "major",
    "captain",
    "sergeant",
    "marshal",
    "envoy",
    "leader",
    "gen.",
    "adm.",
    "col.",
    "lt.",
    "maj.",
    "capt.",
    "sgt.",
    "dr.",
    "mr.",
    "mrs.",
    "ms.",
    "representative",
    "rep.",
    "sen.",
    "gov.",
    "pres.",
    "sheikh",
    "emir",
    "chancellor",
    "head",
    "officer",
    "spy",
    "deputy",
    "ayatollah",
    "pope",
    "cardinal",
    "bishop",
    "judge",
    "justice",
    "agent",
    "prosecutor",
    "attorney",
    "inspector",
    "detective",
    "constable",
    "superintendent",
    "sheriff",
    "magistrate",
    "corporal",
    "private",
    "airman",
    "specialist",
    "cleric",
    "imam",
    "rabbi",
    "reverend",
    "father",
}
TITLE_MODIFIERS = {
    "foreign",
    "defense",
    "defence",
    "prime",
    "deputy",
    "vice",
    "interior",
    "finance",
    "first",
    "acting",
    "former",
    "supreme",
    "chief",
    "general",
    "national",
    "security",
    "rear",
    "lieutenant",
    "major",
    "attorney",
    "press",
    "state",
    "armed",
    "forces",
}

MILITARY_WORDS = re.compile(
    r"\b(army|navy|naval|air force|forces|military|guard|brigade|division|regiment|"
    r"battalion|corps|command|marines?|troops|fleet|defen[cs]e forces|armed forces)\b",
    re.I,
)
ARMED_GROUP_WORDS = re.compile(
    r"\b(wagner|militia|militias|hezbollah|hamas|taliban|al-qaeda|al-qaida|isis|isil|"
    r"islamic state|hayat tahrir|hts|rebels?|insurgents?|militants?|fighters|"
    r"paramilitary|guerrillas?|cartel|front)\b",
    re.I,
)
INTEL_WORDS = re.compile(
    r"\b(intelligence|directorate|hur|gur|sbu|cia|fsb|gru|svr|mi6|mossad|nsa|dia)\b", re.I
)
THINK_TANK_WORDS = re.compile(
    r"\b(institute|isw|center|centre|council|foundation|rand|brookings|chatham|"
    r"think tank|study of war|observatory|monitor)\b",
    re.I,
)
GOVERNMENT_WORDS = re.compile(
    r"\b(ministry|government|kremlin|white house|cabinet|parliament|department|"
    r"office|embassy|state department|pentagon|presidency|administration)\b",
    re.I,
)
MEDIA_WORDS = re.compile(
    r"\b(news|times|post|reuters|associated press|ap|afp|bbc|cnn|tass|ria|"
    r"agency|journal|gazette|tribune|herald|radio|tv|television|voa|guardian)\b",
    re.I,
)
NOT_ACTORS = {"god", "allah", "covid", "covid-19", "internet"}


def org_kind(name: str, context: str = "") -> ActorKind:
    """An organization's kind from its name and the words around it."""
    if ARMED_GROUP_WORDS.search(name) or ARMED_GROUP_WORDS.search(context):
        return ActorKind.ARMED_GROUP
    if MILITARY_WORDS.search(name):
        return ActorKind.MILITARY
    return ActorKind.ORGANIZATION


def source_kind(name: str, kind: ActorKind, role: str | None) -> SourceKind:
    """What kind of source an actor is, from its name, kind and role."""
    if INTEL_WORDS.search(name):
        return SourceKind.INTELLIGENCE_SERVICE
    if THINK_TANK_WORDS.search(name):
        return SourceKind.THINK_TANK
    if MEDIA_WORDS.search(name):
        return SourceKind.MEDIA
    if kind is ActorKind.PERSON:
        return SourceKind.OFFICIAL if role else SourceKind.OTHER
    if GOVERNMENT_WORDS.search(name) or kind in (ActorKind.STATE, ActorKind.MILITARY):
        return SourceKind.GOVERNMENT
    return SourceKind.OTHER
