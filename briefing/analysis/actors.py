"""Actor candidates from spaCy entities: NER slips repaired, aliases merged, roles found.

Repairs: a leading "the" and a trailing possessive are cut; a title swallowed into an ORG
span that runs into a PERSON ("Kremlin Spokesperson Dmitry" + "Peskov") is split off; an ORG
that only stands as the object of a place preposition ("in Tartus") becomes a location; a
country that never acts in the text stays a location. Merges: "Long Name (ABBR)" makes ABBR an
alias; a surname alone joins the full name; identical normalized names are one actor.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from briefing.analysis.lexicon import (
    GOVERNMENT_WORDS,
    INTEL_WORDS,
    MEDIA_WORDS,
    MILITARY_WORDS,
    NOT_ACTORS,
    THINK_TANK_WORDS,
    TITLE_HEADS,
    TITLE_MODIFIERS,
    org_kind,
)
from briefing.analysis.result import ActorCandidate, Mention
from briefing.ingest.textmap import TextMap
from briefing.schemas.brief import ActorKind
from briefing.schemas.span import Span

ACTOR_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
PLACE_LABELS = {"LOC", "FAC", "GPE"}
_PLACE_PREPS = {"in", "at", "near", "outside", "inside", "into", "across", "around"}
_ACTING_DEPS = {"nsubj", "nsubjpass", "poss", "agent", "dobj", "conj", "appos"}


@dataclass
class _Ent:
    start: int  # token indices, end exclusive
    end: int
    label: str

    def span(self, doc: Doc) -> SpacySpan:
        return doc[self.start : self.end]


@dataclass
class _Group:
    label: str
    forms: Counter[str] = field(default_factory=Counter)
    ents: list[_Ent] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)
    adjective_forms: set[str] = field(default_factory=set)  # nationality words merged in


def normalize_name(name: str) -> str:
    name = re.sub(r"^(the)\s+", "", name.strip(), flags=re.I)
    name = re.sub(r"['’]s?$", "", name)
    return re.sub(r"[^\w\s-]", "", name).casefold().strip()


def is_title(token: Token) -> bool:
    return token.lower_ in TITLE_HEADS


def _trim(doc: Doc, ent: _Ent) -> _Ent | None:
    start, end = ent.start, ent.end
    while start < end and (doc[start].lower_ == "the" or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
        end -= 1
    while end > start and "\n" in doc[start:end].text:
        end -= 1
    while end - start > 1 and doc[end - 1].lower_.rstrip(".") + "." in TITLE_HEADS:
        end -= 1  # "US Army Col" -> "US Army"
    return _Ent(start, end, ent.label) if end > start else None


def _split_titles(doc: Doc, ents: list[_Ent]) -> list[_Ent]:
    """ORG "Kremlin Spokesperson Dmitry" + PERSON "Peskov" -> ORG "Kremlin" + PERSON."""
    out: list[_Ent] = []
    for i, ent in enumerate(ents):
        nxt = ents[i + 1] if i + 1 < len(ents) else None
        titles = [t.i for t in ent.span(doc) if is_title(t)]
        adjacent_person = nxt is not None and nxt.label == "PERSON" and nxt.start == ent.end
        if ent.label in ("ORG", "PERSON") and titles and adjacent_person:
            assert nxt is not None
            last_title = titles[-1]
            first_title = last_title
            while first_title > ent.start and doc[first_title - 1].lower_ in TITLE_MODIFIERS:
                first_title -= 1
            if first_title > ent.start:
                out.append(_Ent(ent.start, first_title, "ORG"))
            if last_title + 1 < ent.end:
                nxt.start = last_title + 1
            continue
        if ent.label == "PERSON" and ent.end - ent.start > 1 and is_title(doc[ent.start]):
            ent = _Ent(ent.start + 1, ent.end, ent.label)  # "General Kisel" -> "Kisel"
        out.append(ent)
    return out


_CITE_WORDS = {"citing", "quoting", "cited", "quoted"}


def _untagged_speakers(doc: Doc) -> list[_Ent]:
    """NER slip: an acronym that speaks or is cited ("HUR says", "citing HUR") but was not
    tagged is an organization."""
    from briefing.analysis.lexicon import REPORTING_VERBS

    found = []
    for tok in doc:
        if tok.ent_type_ or not tok.is_upper or not tok.is_alpha or not 2 <= len(tok.text) <= 6:
            continue
        head = tok.head
        speaks = tok.dep_ in ("nsubj", "nsubjpass") and head.lemma_.lower() in REPORTING_VERBS
        cited = head.lower_ in _CITE_WORDS or (
            tok.dep_ == "pobj" and head.lower_ == "to" and head.head.lower_ == "according"
        )
        if speaks or cited:
            found.append(_Ent(tok.i, tok.i + 1, "ORG"))
    return found


def _org_is_place(doc: Doc, ent: _Ent) -> bool:
    span = ent.span(doc)
    text = span.text
    if any(
        p.search(text)
        for p in (GOVERNMENT_WORDS, INTEL_WORDS, THINK_TANK_WORDS, MEDIA_WORDS, MILITARY_WORDS)
    ):
        return False
    if text.isupper():
        return False
    root = span.root
    return root.dep_ == "pobj" and root.head.lower_ in _PLACE_PREPS


def _acts(doc: Doc, ent: _Ent) -> bool:
    root = ent.span(doc).root
    if root.dep_ == "pobj" and root.head.lower_ == "by":
        return True
    if root.dep_ == "conj" and root.head.dep_ == "pobj":
        return False
    return root.dep_ in _ACTING_DEPS


@dataclass(frozen=True)
class ActorsResult:
    actors: tuple[ActorCandidate, ...]
    locations: tuple[Mention, ...]


def find_actors(doc: Doc, textmap: TextMap, sentence_of: dict[int, int]) -> ActorsResult:
    """Actor candidates and place mentions from ``doc`` (parsed from ``textmap.norm``)."""
    raw = [
        _Ent(e.start, e.end, e.label_) for e in doc.ents if e.label_ in ACTOR_LABELS | PLACE_LABELS
    ]
    ents = [
        t
        for e in raw
        if (t := _trim(doc, e)) is not None and any(c.isupper() for c in t.span(doc).text)
    ]
    ents = sorted(ents + _untagged_speakers(doc), key=lambda e: e.start)
    ents = _split_titles(doc, ents)

    actor_ents: list[_Ent] = []
    place_ents: list[_Ent] = []
    gpe_acting: set[str] = set()
    for ent in ents:
        name = ent.span(doc).text
        if normalize_name(name) in NOT_ACTORS:
            continue
        if ent.label == "ORG" and _org_is_place(doc, ent):
            place_ents.append(_Ent(ent.start, ent.end, "LOC"))
        elif ent.label in ("LOC", "FAC"):
            place_ents.append(ent)
        else:
            actor_ents.append(ent)
            if ent.label == "GPE" and _acts(doc, ent):
                gpe_acting.add(normalize_name(name))
    # A country that never acts in the text is a place, not an actor.
    for ent in list(actor_ents):
        if ent.label == "GPE" and normalize_name(ent.span(doc).text) not in gpe_acting:
            actor_ents.remove(ent)
            place_ents.append(ent)
    # A nationality or group word ("Russian", "Protestants") is an alias of its country when
    # that country is an actor, an actor itself when it acts, and otherwise a modifier.
    countries = {normalize_name(e.span(doc).text) for e in actor_ents if e.label == "GPE"}
    for ent in [e for e in actor_ents if e.label == "NORP"]:
        key = normalize_name(ent.span(doc).text)
        if not (
            _demonym_of(key, countries) or (_acts(doc, ent) and ent.span(doc).root.pos_ != "ADJ")
        ):
            actor_ents.remove(ent)

    groups = _group(doc, actor_ents)
    actors = [_candidate(doc, textmap, g, sentence_of, i) for i, g in enumerate(groups, 1)]
    places = tuple(
        _mention(doc, textmap, e.span(doc), e.label, sentence_of)
        for e in sorted(place_ents, key=lambda e: e.start)
    )
    return ActorsResult(actors=tuple(actors), locations=places)


def _demonym_of(word: str, countries: set[str]) -> str | None:
    """The country a nationality word derives from: russian(s) -> russia, afghan -> afghanistan."""
    for country in countries:
        if len(country) < 4 or " " in country:
            continue
        prefix = 0
        for a, b in zip(word, country, strict=False):
            if a != b:
                break
            prefix += 1
        if prefix >= min(len(country) - 1, 6) and prefix >= 4:
            return country
    return None


def _group(doc: Doc, ents: list[_Ent]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    order: list[str] = []
    acronym_of: dict[str, str] = {}
    for ent in sorted(ents, key=lambda e: e.start):
        span = ent.span(doc)
        key = normalize_name(span.text)
        if not key:
            continue
        key = acronym_of.get(key, key)
        if ent.label == "NORP":
            country = _demonym_of(key, {k for k in order if groups[k].label == "GPE"})
            key = country or key
        if ent.label == "PERSON" and " " not in key:
            key = next(
                (k for k in order if groups[k].label == "PERSON" and k.split()[-1] == key), key
            )
        if key not in groups:
            groups[key] = _Group(label=ent.label)
            order.append(key)
        group = groups[key]
        group.forms[span.text] += 1
        if ent.label == "NORP" and group.label != "NORP":
            group.adjective_forms.add(span.text)
        group.ents.append(ent)
        acronym = _parenthesized_acronym(doc, ent)
        if acronym:
            group.aliases.add(acronym)
            acronym_of[normalize_name(acronym)] = key
    # An acronym seen before its expansion ("HUR ... Directorate (HUR)") joins late.
    for akey, target in acronym_of.items():
        if akey in groups and akey != target:
            src = groups.pop(akey)
            order.remove(akey)
            groups[target].forms.update(src.forms)
            groups[target].ents.extend(src.ents)
    _add_untagged_mentions(doc, groups)
    result = [groups[k] for k in order]
    result.sort(key=lambda g: min(e.start for e in g.ents))
    return result


def _parenthesized_acronym(doc: Doc, ent: _Ent) -> str | None:
    if ent.end + 2 < len(doc) and doc[ent.end].text == "(" and doc[ent.end + 2].text == ")":
        word = doc[ent.end + 1].text
        if word.isupper() and 2 <= len(word) <= 8:
            return word
    return None


def _add_untagged_mentions(doc: Doc, groups: dict[str, _Group]) -> None:
    """Occurrences spaCy did not tag: an acronym in its own parentheses, a repeated name."""
    taken = {i for g in groups.values() for e in g.ents for i in range(e.start, e.end)}
    for group in groups.values():
        names = set(group.aliases) | {f for f in group.forms if f.isupper() or " " in f}
        for name in names:
            for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", doc.text):
                span = doc.char_span(match.start(), match.end())
                if span is None or any(t.i in taken for t in span):
                    continue
                group.ents.append(_Ent(span.start, span.end, group.label))
                group.forms[span.text] += 1
                taken.update(range(span.start, span.end))


def _canonical(group: _Group) -> str:
    proper = [f for f in group.forms if f not in group.adjective_forms]
    if proper and len(proper) < len(group.forms):  # "Russia", not "Russian"
        return max(proper, key=lambda f: (group.forms[f], len(f)))
    if group.label == "PERSON":
        return max(group.forms, key=lambda f: (len(f.split()), group.forms[f], len(f)))
    return max(group.forms, key=lambda f: (group.forms[f], len(f)))


def _candidate(
    doc: Doc, textmap: TextMap, group: _Group, sentence_of: dict[int, int], index: int
) -> ActorCandidate:
    name = _canonical(group)
    aliases = sorted(({*group.forms, *group.aliases} - {name}), key=len)
    ents = sorted(group.ents, key=lambda e: e.start)
    role, affiliation = None, None
    for ent in ents:
        role, affiliation = _role_and_affiliation(doc, ent, group.label)
        if role or affiliation:
            break
    if group.label == "PERSON":
        kind = ActorKind.PERSON
    elif group.label == "GPE":
        kind = ActorKind.STATE
    elif group.label == "NORP":
        kind = ActorKind.OTHER
    else:
        context = " ".join(doc[e.end : e.end + 3].text for e in ents)
        kind = org_kind(" ".join(group.forms), context)
    return ActorCandidate(
        id=f"A{index}",
        name=name,
        aliases=tuple(aliases),
        label=group.label,
        kind=kind,
        role=role,
        affiliation=affiliation,
        mentions=tuple(_mention(doc, textmap, e.span(doc), group.label, sentence_of) for e in ents),
    )


def _role_and_affiliation(doc: Doc, ent: _Ent, label: str) -> tuple[str | None, str | None]:
    """Capitalized words just before a name: a title suffix is the role, the rest affiliation."""
    i = ent.start - 1
    run: list[Token] = []
    while i >= 0:
        tok = doc[i]
        capitalized = tok.is_alpha and (tok.is_title or tok.is_upper)
        named = tok.ent_type_ in ("", "ORG", "NORP", "GPE", "PERSON")
        if tok.lower_ == "the" or not named or not (capitalized or tok.tag_ == "POS"):
            break
        run.insert(0, tok)
        i -= 1
    if not run:
        return None, None
    if label != "PERSON" and run[-1].tag_ != "POS":
        return None, None  # an organization's affiliation only from a possessive
    words = [t for t in run if t.tag_ != "POS"]
    role_start = len(words)
    if label == "PERSON":
        j = len(words) - 1
        if j >= 0 and is_title(words[j]):
            role_start = j
            while role_start > 0 and (
                words[role_start - 1].lower_ in TITLE_MODIFIERS or is_title(words[role_start - 1])
            ):
                role_start -= 1
    role = " ".join(t.text for t in words[role_start:]) or None
    affiliation = " ".join(t.text for t in words[:role_start]) or None
    if affiliation and affiliation.lower() in ("the", "and", "with"):
        affiliation = None
    return role, affiliation


def _mention(
    doc: Doc, textmap: TextMap, span: SpacySpan, label: str, sentence_of: dict[int, int]
) -> Mention:
    start, end = textmap.to_original(span.start_char, span.end_char)
    return Mention(
        span=Span(start=start, end=end, text=textmap.original[start:end]),
        label=label,
        sentence=sentence_of.get(span.start, 0),
    )
