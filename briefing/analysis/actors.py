"""Actor candidates from spaCy entities (repaired in :mod:`briefing.analysis.repairs`):
aliases merged, roles found, actors told from places.

An ORG that only stands as the object of a place preposition ("in Tartus") becomes a location;
a country that never acts in the text stays a location; a nationality word ("Iraqi forces")
names its country, which then acts. Merges: "Long Name (ABBR)" makes ABBR an alias; a surname
alone joins the full name; "U.S." and "United States" are one country; identical normalized
names are one actor.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from briefing.analysis.countries import country_of, same_country
from briefing.analysis.lexicon import (
    ACRONYM_SKIP,
    GOVERNMENT_WORDS,
    INTEL_WORDS,
    MEDIA_WORDS,
    MILITARY_WORDS,
    NOT_ACTORS,
    THINK_TANK_WORDS,
    TITLE_MODIFIERS,
    org_kind,
    words,
)
from briefing.analysis.repairs import Ent, is_title, office_title_word, repaired_entities
from briefing.analysis.result import ActorCandidate, Mention
from briefing.analysis.ruler import ORG_HEADS, PLACE_HEADS
from briefing.ingest.textmap import TextMap
from briefing.schemas.brief import ActorKind
from briefing.schemas.span import Span

VERB_POS = ("VERB", "AUX")  # the parts of speech of a verb
PLACE_PREPOSITIONS = frozenset(words("place_prepositions"))
_ACTING_DEPS = {"nsubj", "nsubjpass", "poss", "agent", "dobj", "conj", "appos"}


@dataclass
class _Group:
    label: str
    forms: Counter[str] = field(default_factory=Counter)
    ents: list[Ent] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)
    adjective_forms: set[str] = field(default_factory=set)  # nationality words merged in
    country: str | None = None  # the country a nationality word names, for its display name
    full_name: str | None = None  # a company's full name where its short name joined it


# A nickname in quotation marks between a given name and a surname ("Vincent 'The Chin'
# Gigante"): no part of the name's key, so "Vincent Gigante" is the same name.
_NICKNAME = re.compile(r"(?<=\w)\s+['\"‘“][^'\"‘“’”]{1,30}['\"’”]\s+(?=\w)")


def normalize_name(name: str) -> str:
    name = _NICKNAME.sub(" ", name)
    name = re.sub(r"^(the)\s+", "", name.strip(), flags=re.I)
    name = re.sub(r"['’]s?$", "", name)
    return re.sub(r"[^\w\s-]", "", name).casefold().strip()


_NAME_SUFFIXES = set(words("name_suffixes"))
_COMPANY_SUFFIXES = frozenset(words("company_suffixes"))


def company_key(key: str) -> str:
    """A normalized organization's name without its legal form ("france telecom sa" ->
    "france telecom")."""
    head, _, last = key.rpartition(" ")
    return head if head and last in _COMPANY_SUFFIXES else key


_COMPANY_TAILS = frozenset(words("company_tails")) | _COMPANY_SUFFIXES
_GENERIC_ORG_WORDS = frozenset(w.casefold() for w in ORG_HEADS) | {"the", "a", "an"}


def short_org_name(short: str, full: str) -> bool:
    """Two normalized organization names where the first is the second told short: its last
    words after the place or qualifier the full name opens with ("saints" of "new orleans
    saints", "post" of "washington post"; not "tehran university" of "geophysics institute of
    tehran university"), or its first words before words that only say it
    is a company or a body ("kraft" of "kraft foods", "staunton police" of "staunton police
    department"). Not "committee" of "democratic national committee" (a head word alone names
    no one), nor "microsoft" of "microsoft update" (a product) or "france telecom" of "france
    telecom marine" (a unit)."""
    x, y = short.split(), full.split()
    if not x or len(x) >= len(y) or all(w in _GENERIC_ORG_WORDS for w in x):
        return False
    if y[-len(x) :] == x:
        return "of" not in y[: -len(x)]  # not "tehran university" of "institute of tehran ..."
    return y[: len(x)] == x and all(w in _COMPANY_TAILS for w in y[len(x) :])


def name_words(key: str) -> list[str]:
    """A normalized person's name as words, without a generational suffix ("jr", "iii")."""
    tokens = key.split()
    while len(tokens) > 1 and tokens[-1] in _NAME_SUFFIXES:
        tokens.pop()
    return tokens


def surname(key: str) -> str:
    """The surname of a normalized person's name: its last word but a generational suffix
    ("arcade joseph comeaux jr" -> "comeaux")."""
    tokens = name_words(key)
    return tokens[-1] if tokens else ""


def same_person(a: str, b: str) -> bool:
    """Two normalized person's names of two or more words that can be one person: read from
    the surname back, each word of the shorter is the other's word or its initial ("w mark
    felt" and "william mark felt"; "mark felt" and both); the longer may have given names
    before ("luis gerardo jerry ortiz" and "jerry ortiz"), and a given name and surname are
    the same with middle names or initials between ("vincent gigante", "vincent l gigante").
    Not "george h w bush" and "george w bush", nor "tom craft" and "charles craft"."""
    x, y = name_words(a), name_words(b)
    if len(x) < 2 or len(y) < 2 or a.split()[len(x) :] != b.split()[len(y) :]:
        return False  # "mark felt jr" is the son of "mark felt"
    short, full = sorted((x, y), key=len)
    if len(short) == 2 and len(full) > 2 and short == [full[0], full[-1]]:
        return True  # a given name and surname, and the same with middle names between
    for u, v in zip(reversed(x), reversed(y), strict=False):
        if u == v:
            continue
        initial = (len(u) == 1 and v.startswith(u)) or (len(v) == 1 and u.startswith(v))
        if not initial:
            return False
    return True


_DIRECTIONS = re.compile(
    r"^(?:(?:north|south)(?:-?(?:east|west))?(?:ern)?|east(?:ern)?|west(?:ern)?|central|downtown)\s+",
    re.I,
)
_PLACE_KIND = re.compile(rf"\s+(?:{'|'.join(PLACE_HEADS)})$")


def strip_place_kind(name: str) -> str:
    """ "Shah Wali Kot district" -> "Shah Wali Kot": the name without its kind word."""
    return _PLACE_KIND.sub("", name)


def strip_direction(name: str) -> str:
    """ "east London" -> "London"; "Central Hospital" stays (a capital says it is the name)."""
    match = _DIRECTIONS.match(name)
    return name[match.end() :] if match and name[:1].islower() else name


def place_key(name: str) -> str:
    """One key for a place's forms: "Kandahar province", "east London" -> "kandahar", "london"."""
    return strip_place_kind(_DIRECTIONS.sub("", normalize_name(name)))


def _org_is_place(doc: Doc, ent: Ent) -> bool:
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
    return root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPOSITIONS


def _acts(doc: Doc, ent: Ent) -> bool:
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
    labels = glued_labels(doc, textmap.joins)
    ents = [e for e in repaired_entities(doc) if e.start not in labels]

    actor_ents: list[Ent] = []
    place_ents: list[Ent] = []
    gpe_acting: set[str] = set()
    # A name the report gives a place elsewhere ("the city of Bandar Abbas") is the place
    # where a person's tag ("south-west of Bandar Abbas") is not acting.
    place_names = {
        normalize_name(e.span(doc).text) for e in ents if e.label in ("GPE", "LOC", "FAC")
    }
    for ent in ents:
        name = ent.span(doc).text
        if normalize_name(name) in NOT_ACTORS:
            continue
        if ent.label == "PERSON" and normalize_name(name) in place_names and not _acts(doc, ent):
            place_ents.append(Ent(ent.start, ent.end, "GPE"))
        elif ent.label == "ORG" and _org_is_place(doc, ent):
            place_ents.append(Ent(ent.start, ent.end, "LOC"))
        elif ent.label in ("LOC", "FAC"):
            place_ents.append(ent)
        else:
            actor_ents.append(ent)
            if ent.label == "GPE" and _acts(doc, ent):
                gpe_acting.add(_country_key(name))
    # A nationality word ("Iraqi forces", "the Dutch") names its country, which then acts.
    countries = _gpe_keys(doc, actor_ents)
    for ent in actor_ents:
        if ent.label == "NORP":
            country = _country_of_word(normalize_name(ent.span(doc).text), countries)
            if country:
                gpe_acting.add(country)
    # A country that never acts in the text is a place, not an actor.
    for ent in list(actor_ents):
        if ent.label == "GPE" and _country_key(ent.span(doc).text) not in gpe_acting:
            actor_ents.remove(ent)
            place_ents.append(ent)

    groups = _group(doc, actor_ents)
    actors = [_candidate(doc, textmap, g, sentence_of, i) for i, g in enumerate(groups, 1)]
    places = tuple(
        _mention(doc, textmap, e.span(doc), e.label, sentence_of)
        for e in sorted(place_ents, key=lambda e: e.start)
    )
    return ActorsResult(actors=tuple(actors), locations=places)


def glued_labels(doc: Doc, joins: frozenset[int]) -> set[int]:
    """Tokens of page labels that ran into the text ("Theresa MayVideo sizewidthxheight",
    "AdvertisementThe", "Email addressSubscribe"): a short stretch (up to 4 words) that begins
    where run-together text was cut and has no verb and no sentence end. A report's own
    sentences have verbs; its headline begins the text, not at a cut."""
    found: set[int] = set()
    for tok in doc:
        if tok.idx - 1 not in joins:
            continue
        stretch = []
        for nxt in doc[tok.i :]:
            if "\n" in nxt.text or (nxt.is_sent_start and nxt.i > tok.i):
                break
            stretch.append(nxt)
        words = [t for t in stretch if t.is_alpha]
        if not words or len(words) > 4:
            continue
        if stretch[-1].text in ".!?" or (
            len(words) > 2 and any(t.pos_ in VERB_POS for t in stretch)
        ):
            continue  # a sentence (a word or two alone are no clause, whatever the tagger says)
        found.update(t.i for t in stretch)
    return found


def _gpe_keys(doc: Doc, ents: list[Ent]) -> set[str]:
    return {_country_key(e.span(doc).text) for e in ents if e.label == "GPE"}


def _country_key(name: str) -> str:
    """One key for the ways of writing a country: "U.S.", "US", "United States"."""
    return normalize_name(same_country(name) or name)


def _country_of_word(word: str, countries: set[str]) -> str | None:
    """The key of the country a nationality word names: from the table ("dutch" ->
    "netherlands"), else by a shared prefix with a country in the text ("kosovar" -> "kosovo")."""
    listed = country_of(word)
    if listed:
        return _country_key(listed)
    for country in countries:
        if len(country) < 4 or " " in country:
            continue
        prefix = 0
        for a, b in zip(word, country, strict=False):
            if a != b:
                break
            prefix += 1
        if prefix >= min(len(country) - 1, 6) and prefix >= 4:
            return _country_key(country)
    return None


def _group_word(key: str) -> str:
    """One key for a group word's forms: "muslims" -> "muslim", "protestants" -> "protestant"."""
    return key[:-1] if len(key) > 4 and key.endswith("s") and not key.endswith("ss") else key


def _group(doc: Doc, ents: list[Ent]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    order: list[str] = []
    acronym_of: dict[str, str] = {}
    countries = _gpe_keys(doc, ents)

    def surnamed(bare: str) -> list[str]:
        """The people told so far whose surname is ``bare``, first told first."""
        return [k for k in order if groups[k].label == "PERSON" and surname(k) == bare]

    for ent in sorted(ents, key=lambda e: e.start):
        span = ent.span(doc)
        key = normalize_name(span.text)
        if not key:
            continue
        key = acronym_of.get(key, key)
        country = None
        if ent.label == "GPE":
            key = _country_key(span.text)
        elif ent.label == "NORP":
            country = _country_of_word(key, countries)
            key = country or _group_word(key)
        elif ent.label == "ORG":
            key = acronym_of.get(company_key(key), company_key(key))
        if ent.label == "PERSON" and " " not in (bare := surname(key)) and key.startswith(bare):
            # A surname alone ("Comeaux", "Comeaux Jr.") joins the full name told before it;
            # a given name alone ("Jerry") the one full name told before it that starts so.
            given = [
                k
                for k in order
                if groups[k].label == "PERSON" and " " in k and k.split()[0] == bare
            ]
            named = surnamed(bare)
            key = named[0] if named else given[0] if len(given) == 1 and key == bare else key
        elif ent.label == "PERSON" and key not in groups:
            # The same person named more or less fully ("Mark Felt", "W. Mark Felt", "William
            # Mark Felt"): the one person told before whose name is compatible.
            fuller = [
                k for k in order if groups[k].label == "PERSON" and " " in k and same_person(k, key)
            ]
            key = fuller[0] if len(fuller) == 1 else key
        elif ent.label == "ORG" and " " not in key:
            # spaCy tags a surname alone as an organization now and then ("Comeaux said"): it
            # is the one person told before whose surname it is.
            named = surnamed(key)
            key = named[0] if len(named) == 1 else key
        if key not in groups:
            groups[key] = _Group(label="GPE" if country else ent.label)
            order.append(key)
        group = groups[key]
        group.forms[span.text] += 1
        if ent.label == "NORP" and group.label != "NORP":
            group.adjective_forms.add(span.text)
            group.country = group.country or country_of(span.text)
        group.ents.append(ent)
        if ent.alias:
            group.aliases.add(ent.alias)
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
    _join_bare_acronyms(groups, order)
    _join_short_org_names(groups, order)
    _add_untagged_mentions(doc, groups)
    result = [groups[k] for k in order]
    result.sort(key=lambda g: min(e.start for e in g.ents))
    return result


def initials(name: str) -> str:
    """The acronym a name's words make: each word's first letter, all the letters of a word
    in capitals, none of a word such as "of" ("U. S. Geological Survey" and "US Geological
    Survey" make "USGS", "Texas Department of Criminal Justice" "TDCJ")."""
    words = [w for w in re.findall(r"[^\W\d_]+", name) if w.casefold() not in ACRONYM_SKIP]
    return "".join(w if w.isupper() else w[0] for w in words).upper()


def _join_bare_acronyms(groups: dict[str, _Group], order: list[str]) -> None:
    """An organization named by an acronym that no parentheses define ("USGS") is the one
    organization of the report whose name makes it ("U. S. Geological Survey")."""
    for key in list(order):
        group = groups[key]
        acronym = next((f for f in group.forms if f.isupper() and " " not in f), None)
        if group.label != "ORG" or acronym is None or not 2 <= len(acronym) <= 8:
            continue
        expanded = [
            k
            for k in order
            if k != key
            and groups[k].label == "ORG"
            and any(" " in f and initials(f) == acronym for f in groups[k].forms)
        ]
        if len(expanded) == 1:
            target = groups[expanded[0]]
            target.forms.update(group.forms)
            target.ents.extend(group.ents)
            target.aliases.add(acronym)
            del groups[key]
            order.remove(key)


def _join_short_org_names(groups: dict[str, _Group], order: list[str]) -> None:
    """An organization told short ("Saints", "Kraft") is the one organization of the report
    whose full name it shortens ("New Orleans Saints", "Kraft Foods"; :func:`short_org_name`),
    wherever in the report either is told; with two such ("Washington Post", "New York Post"),
    it stays apart."""
    orgs = [k for k in order if groups[k].label == "ORG"]
    surnames = {surname(k) for k in order if groups[k].label == "PERSON"}
    for key in sorted(orgs, key=len):
        if key in surnames:  # "Kafoury" of a report naming Charlene and Charlie Kafoury
            continue
        fuller = [k for k in orgs if k in groups and short_org_name(key, k)]
        if len(fuller) != 1:
            continue
        target, group = groups[fuller[0]], groups.pop(key)
        order.remove(key)
        if fuller[0].startswith(key):  # "Kraft Foods", not "Critical IE" for "IE"
            target.full_name = target.full_name or _canonical(target)
        target.forms.update(group.forms)
        target.ents.extend(group.ents)
        target.aliases |= group.aliases


def _parenthesized_acronym(doc: Doc, ent: Ent) -> str | None:
    if ent.end + 2 < len(doc) and doc[ent.end].text == "(" and doc[ent.end + 2].text == ")":
        word = doc[ent.end + 1].text
        if word.isupper() and 2 <= len(word) <= 8:
            return word
    return None


def _add_untagged_mentions(doc: Doc, groups: dict[str, _Group]) -> None:
    """Occurrences spaCy did not tag: an acronym in its own parentheses, a repeated name."""
    taken = {i for g in groups.values() for e in g.ents for i in range(e.start, e.end)}
    text = doc.text  # built from the tokens on each access: once here
    for group in groups.values():
        names = set(group.aliases) | {f for f in group.forms if f.isupper() or " " in f}
        for name in names:
            for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                span = doc.char_span(match.start(), match.end())
                if span is None or any(t.i in taken for t in span):
                    continue
                group.ents.append(Ent(span.start, span.end, group.label))
                group.forms[span.text] += 1
                taken.update(range(span.start, span.end))


def _canonical(group: _Group) -> str:
    if group.full_name:  # "Kraft Foods", however often "Kraft"
        return group.full_name
    proper = [f for f in group.forms if f not in group.adjective_forms]
    if not proper and group.country:  # only "Iraqi" in the text: the actor is Iraq
        return group.country
    if proper and len(proper) < len(group.forms):  # "Russia", not "Russian"
        return max(proper, key=lambda f: (group.forms[f], len(f)))
    if group.label == "PERSON":
        return max(group.forms, key=lambda f: (len(f.split()), group.forms[f], len(f)))
    return max(group.forms, key=lambda f: (group.forms[f], len(f)))


def _candidate(
    doc: Doc, textmap: TextMap, group: _Group, sentence_of: dict[int, int], index: int
) -> ActorCandidate:
    name = _canonical(group)
    forms = {*group.forms, *group.aliases}
    if group.label in ("GPE", "LOC"):
        forms |= {strip_direction(f) for f in forms}  # "east Vancouver" is in Vancouver
    aliases = sorted(forms - {name}, key=lambda f: (len(f), f))
    ents = sorted(group.ents, key=lambda e: e.start)
    role, affiliation = None, None
    for ent in ents:
        role, affiliation = _role_and_affiliation(doc, ent, group.label)
        if role or affiliation:
            break
    if group.label == "PERSON" and role is None:
        role = next((r for e in ents if (r := _apposed_role(doc, e))), None)
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


def _role_and_affiliation(doc: Doc, ent: Ent, label: str) -> tuple[str | None, str | None]:
    """Capitalized words just before a name: a title suffix is the role, the rest affiliation."""
    i = ent.start - 1
    run: list[Token] = []
    while i >= 0:
        tok = doc[i]
        capitalized = tok.is_alpha and (tok.is_title or tok.is_upper)
        named = tok.ent_type_ in ("", "ORG", "NORP", "GPE", "PERSON")
        # A title may be lowercase ("TPLF spokesman Getachew Reda"), but only next to the name
        # or to another title.
        lower_title = tok.is_lower and is_title(tok) and (not run or is_title(run[0]))
        if (
            tok.lower_ == "the"
            or not named
            or not (capitalized or lower_title or tok.tag_ == "POS")
        ):
            break
        run.insert(0, tok)
        i -= 1
    if not run:
        return None, None
    if label == "PERSON" and (office := _office_title(doc, i, run)) is not None:
        return office, None
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


# An apposed role longer than this many words is cut to its title ("head").
APPOSED_ROLE_WORDS = 8


def _apposed_role(doc: Doc, ent: Ent) -> str | None:
    """A person's role told in apposition, either way round: "Masoud Dalman, head of the
    province's emergency affairs, said" and "the head of the disaster service, Massoud
    Dalman, said" give "head of ..."; only a title makes a role ("Mark Pinder, a neighbour"
    has none)."""
    root = ent.span(doc).root
    apposed = [c for c in root.children if c.dep_ == "appos" and not c.ent_type_]
    if root.dep_ == "appos" and not root.head.ent_type_:
        apposed.append(root.head)
    for head in apposed:
        if not is_title(head) or head.pos_ not in ("NOUN", "PROPN"):
            continue
        # The title, its modifiers and what it is of or for; not "the", nor whose it is
        # ("Mitchell's deputy" is a deputy), nor the name itself.
        left = [c for c in head.lefts if c.dep_ not in ("det", "poss")]
        words = sorted(
            [head, *(t for c in left for t in c.subtree)]
            + [t for c in head.rights if c.dep_ == "prep" for t in c.subtree],
            key=lambda t: t.i,
        )
        words = [t for t in words if t.i < ent.start or t.i >= ent.end]
        if len(words) > APPOSED_ROLE_WORDS:
            return head.text
        return (
            "".join(t.text_with_ws if t.i + 1 == n.i else t.text + " " for t, n in pairwise(words))
            + words[-1].text
        )
    return None


def _office_title(doc: Doc, i: int, run: list[Token]) -> str | None:
    """A title of an office named after "of" ("Secretary of State John Kerry", "Chief of
    Police Tom Reed", "Minister of the Interior Ann Lee"): ``run`` is the capitalized words
    before the name and ``i`` the word the run stopped at. The role is the whole title, with
    the titles and modifiers before it ("Deputy Secretary of State")."""
    start = office_title_word(doc, i)
    if start is None or any(t.tag_ == "POS" for t in run):
        return None
    while start > 0 and (
        doc[start - 1].is_title
        and (doc[start - 1].lower_ in TITLE_MODIFIERS or is_title(doc[start - 1]))
    ):
        start -= 1
    return doc[start : run[-1].i + 1].text


def _mention(
    doc: Doc, textmap: TextMap, span: SpacySpan, label: str, sentence_of: dict[int, int]
) -> Mention:
    start, end = textmap.to_original(span.start_char, span.end_char)
    return Mention(
        span=Span(start=start, end=end, text=textmap.original[start:end]),
        label=label,
        sentence=sentence_of.get(span.start, 0),
    )
