"""Repairs to spaCy's entity spans before they are grouped into actors and places.

The small English model cuts names short, runs them into their neighbours and tags page
furniture. Each repair here is one kind of slip, seen in real news:

- a caption or share-button word at an edge: "FILE - Salman Abedi", "Send Facebook google+",
  "Chérif Chekatt - shot", "Washington Post World on Facebook", "Belfast Brigade of";
- a title swallowed into an ORG or PERSON span ("Kremlin Spokesperson Dmitry" + "Peskov");
- a name split in two or cut short ("José Luis" + "Rodríguez Zapatero"); an honorific kept
  as another form of the name ("Lord Carrington");
- two organizations joined by "and" ("Rumour Service and Public Protection Service");
- a mountain or a lake tagged an organization or a person ("Mount Sefton");
- a nationality word tagged a person ("The New Zealander, who lived in Australia");
- an acronym the model left untagged or called a product ("MI5", "RUC");
- a person who speaks after a quotation tagged a work of art ('"...," Governor Mehdi
  Irannejad said');
- things that are not actors: events ("Bloody Sunday", "Women's World Cup"), technical
  acronyms ("CCTV"), ideologies ("Marxist"), nicknames in quotes, a capitalized common word
  ("Markets"), photo credits, and words of a title-case headline seen nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from briefing.analysis.countries import country_of, same_country
from briefing.analysis.lexicon import (
    NOT_ACTORS,
    REPORTING_VERBS,
    TITLE_HEADS,
    TITLE_MODIFIERS,
    words,
)
from briefing.analysis.ruler import GROUP_WORDS, ORG_HEADS, STREET_SUFFIXES

LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}

# Page furniture at the edge of a span; social sites; words that do not end a name;
# honorifics; acronyms of things, not organizations; heads of event names
# (briefing/data/lexicon.yaml).
_EDGE_WORDS = set(words("edge_words"))
_SOCIAL = set(words("social_sites"))
_FUNCTION_WORDS = set(words("function_words"))
_HONORIFICS = set(words("honorifics"))
_THING_ACRONYMS = set(words("thing_acronyms"))
# A legal form or a name's suffix after a comma ("Newman, Anzalone & Newman, LLP", "Howard R.
# Sanders, Esq."): cut from the name before it, no one itself.
_BARE_SUFFIXES = set(words("company_suffixes")) | set(words("name_suffixes"))
_EVENT_HEADS = set(words("event_heads"))
_PLACE_OF = frozenset(words("place_of_nouns"))
_POSSESSIVE = frozenset({"'s", "’s"})
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Z][A-Z0-9]{1,5}$")
_WORDS = re.compile(r"(?<![\w-])\w+(?![\w-])")  # whole words, not parts of hyphenated ones


@dataclass
class Ent:
    start: int  # token indices, end exclusive
    end: int
    label: str
    alias: str | None = None  # another written form of the name ("Lord Carrington")

    def span(self, doc: Doc) -> SpacySpan:
        return doc[self.start : self.end]


def is_title(token: Token) -> bool:
    word = token.lower_
    return word in TITLE_HEADS or word.rstrip(".") + "." in TITLE_HEADS


def abbreviated_title(token: Token) -> bool:
    """An abbreviated title ("Sgt", "Atty") or a word before one ("Dist"), written with its
    full stop, which spaCy may have taken for a sentence's end."""
    after = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    abbreviation = token.lower_.rstrip(".") + "."
    stopped = token.text.endswith(".") or (after is not None and after.text == ".")
    return stopped and (abbreviation in TITLE_HEADS or abbreviation in TITLE_MODIFIERS)


def repaired_entities(doc: Doc) -> list[Ent]:
    """The document's actor and place entities with the slips above repaired, in text order."""
    headline = _headline_tokens(doc)
    ents: list[Ent] = []
    nicknamed = _nicknamed_names(doc)
    done: set[tuple[int, int]] = set()
    for e in doc.ents:
        name = next((n for n in nicknamed if n[0] < e.end and e.start < n[1]), None)
        if name is not None and e.label_ in ("PERSON", "WORK_OF_ART"):
            # "Vincent 'Chin' Gigante": spaCy cut the name at the quotation marks around the
            # nickname ("Vincent '", "Chin' Gigante") or took it for a title
            if name not in done:
                done.add(name)
                ents.append(Ent(name[0], name[1], "PERSON"))
            continue
        ent = _nationality(
            doc, _initials(doc, _speaker_of_work(e) or Ent(e.start, e.end, e.label_))
        )
        ent = _place_of(doc, _landform(doc, ent))
        if ent.label not in LABELS:
            continue
        trimmed = _trim(doc, ent)
        if trimmed is not None and any(c.isupper() for c in trimmed.span(doc).text):
            ents.extend(_split_and(doc, trimmed))
    ents = sorted(ents + _untagged_acronyms(doc, ents), key=lambda e: e.start)
    ents = sorted(ents + _untagged_speakers(doc, ents), key=lambda e: e.start)
    ents = _split_titles(doc, ents)
    ents = _extend_people(doc, ents)
    ents = _without_offices(doc, ents)
    ents = _extend_directions(doc, ents)
    words = set(_WORDS.findall(doc.text))
    ents = [r for e in ents if (r := _headline_repair(doc, e, words) if e.start in headline else e)]
    return [e for e in ents if not _noise(doc, e, words)]


_OPENING = frozenset("'\"‘“")
_CLOSING = frozenset("'\"’”")


def _nicknamed_names(doc: Doc) -> list[tuple[int, int]]:
    """Names with a nickname in quotation marks between given name and surname ("Vincent
    'The Chin' Gigante"), as token ranges: a proper noun, an opening mark, one to three
    capitalized words, the closing mark, a proper noun."""
    out = []
    for i, tok in enumerate(doc[:-4]):
        if tok.pos_ != "PROPN" or doc[i + 1].text not in _OPENING:
            continue
        j = i + 2
        while j < len(doc) and j - i - 2 < 3 and doc[j].text[:1].isupper():
            j += 1
        if i + 2 < j < len(doc) - 1 and doc[j].text in _CLOSING and doc[j + 1].pos_ == "PROPN":
            out.append((i, j + 2))
    return out


def _speaker_of_work(ent: SpacySpan) -> Ent | None:
    """A "work of art" that speaks is a person the model misread after a quotation
    ('"...," Qeshm Governor Mehdi Irannejad said'; proper nouns and titles only, not itself
    in quotation marks as a title is, the subject of a reporting verb): the person is the
    name after its last title, whose words before it are then their role and affiliation."""
    root, doc = ent.root, ent.doc
    before, after = doc[ent.start - 1 : ent.start], doc[ent.end : ent.end + 1]
    quoted = any(t.is_quote for t in before) and any(t.is_quote for t in after)  # “Insider” said
    if quoted or not (
        ent.label_ == "WORK_OF_ART"
        and root.dep_ == "nsubj"
        and root.head.lemma_.lower() in REPORTING_VERBS
        and all(t.pos_ == "PROPN" or is_title(t) for t in ent)
    ):
        return None
    start = max((t.i + 1 for t in ent if is_title(t)), default=ent.start)
    return Ent(start, ent.end, "PERSON") if start < ent.end else None


_INITIALS = re.compile(r"(?:[A-Z]\.\s*){2,}")


def _initials(doc: Doc, ent: Ent) -> Ent:
    """A "person" named by initials alone is an abbreviation written with its stops: a place
    after a place's name and a comma ("Newark, N. J."), else an organization ("the F. B. I.",
    "gangsters, F. B. I. agents")."""
    if ent.label != "PERSON" or not _INITIALS.fullmatch(ent.span(doc).text):
        return ent
    before = doc[max(ent.start - 2, 0) : ent.start]
    place = len(before) == 2 and before[0].pos_ == "PROPN" and before[1].text == ","
    return Ent(ent.start, ent.end, "GPE" if place else "ORG", ent.alias)


def _place_of(doc: Doc, ent: Ent) -> Ent:
    """A "person" or "organization" named after a kind of place and "of" is that place ("the
    city of Bandar Abbas", "the district of Porta Nuova"), unless an organization's head word
    ends it ("the port of Rotterdam Authority")."""
    if ent.label not in ("PERSON", "ORG") or ent.start < 2:
        return ent
    kind, of = doc[ent.start - 2], doc[ent.start - 1]
    if of.lower_ != "of" or kind.text not in _PLACE_OF or doc[ent.end - 1].text in ORG_HEADS:
        return ent
    return Ent(ent.start, ent.end, "GPE", ent.alias)


def _nationality(doc: Doc, ent: Ent) -> Ent:
    """A "person" that is a nationality word ("The New Zealander, who lived in Australia",
    "the Greeks") is one: it names its country, as the model's NORP entities do."""
    named = [t for t in ent.span(doc) if t.lower_ != "the"]
    if ent.label != "PERSON" or not named or not country_of(doc[named[0].i : named[-1].i + 1].text):
        return ent
    return Ent(named[0].i, ent.end, "NORP", ent.alias)


_LANDFORM_PREFIXES = frozenset(words("landform_prefixes"))


def _landform(doc: Doc, ent: Ent) -> Ent:
    """A mountain or a lake the model took for an organization, a person or a state ("Mount
    Sefton", "Aoraki Mount Cook") is a place; a team named after one is not ("Aoraki Mt Cook
    Alpine Rescue Team": the name does not end with the mountain's)."""
    span = ent.span(doc)
    at = next((t.i for t in span if t.text in _LANDFORM_PREFIXES), None)
    if ent.label not in ("ORG", "PERSON", "GPE") or at is None or at + 1 == ent.end:
        return ent
    named = doc[at + 1 : ent.end]
    if len(named) > 2 or not all(t.pos_ == "PROPN" for t in named):
        return ent
    return Ent(ent.start, ent.end, "LOC", ent.alias)


def _trim(doc: Doc, ent: Ent) -> Ent | None:
    start, end = ent.start, ent.end
    for i in range(start, end):  # "Bolivarian National Armed Forces (FANB": no ")" after
        if doc[i].text == "(" and not any(t.text == ")" for t in doc[i:end]):
            end = i
            break
    for i in range(start + 1, end - 1):  # "Washington Post World on Facebook"
        if doc[i].lower_ == "on" and doc[i + 1].lower_ in _SOCIAL:
            end = i
            break
    while start < end and (
        doc[start].lower_ == "the" or doc[start].is_punct or doc[start].lower_ in _EDGE_WORDS
    ):
        start += 1
    while end > start and (
        doc[end - 1].tag_ == "POS"
        or doc[end - 1].is_punct
        or doc[end - 1].lower_ in _FUNCTION_WORDS
        or (doc[end - 1].lower_ in _EDGE_WORDS and end - 1 > start)
        or (doc[end - 1].is_lower and ent.label in ("PERSON", "ORG") and end - 1 > start)
    ):
        end -= 1
    while end > start and "\n" in doc[start:end].text:
        end -= 1
    while (
        end - start > 1
        and ent.label != "PERSON"  # "Billy King" keeps his name
        and is_title(doc[end - 1])
        and doc[end - 3 : end - 1][:1].text != "of"
    ):
        end -= 1  # "US Army Col" -> "US Army", not "Office of the Press Secretary"
    return Ent(start, end, ent.label) if end > start else None


def _split_and(doc: Doc, ent: Ent) -> list[Ent]:
    """Two organizations joined by "and" are two when the first is whole by itself ("Rumour
    Service and Public Protection Service", not "National Oceanic and Atmospheric ...")."""
    if ent.label != "ORG":
        return [ent]
    for tok in ent.span(doc):
        left, right = doc[ent.start : tok.i], doc[tok.i + 1 : ent.end]
        if (
            tok.lower_ == "and"
            and len(left) >= 2
            and len(right) >= 2
            and left[0].is_title
            and right[0].is_title
            and left[-1].text in ORG_HEADS
        ):
            return [Ent(ent.start, tok.i, "ORG"), Ent(tok.i + 1, ent.end, "ORG")]
    return [ent]


def _split_titles(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """ORG "Kremlin Spokesperson Dmitry" + PERSON "Peskov" -> ORG "Kremlin" + PERSON."""
    out: list[Ent] = []
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
                out.append(Ent(ent.start, first_title, "ORG"))
            if last_title + 1 < ent.end:
                nxt.start = last_title + 1
            continue
        if ent.label == "PERSON" and ent.end - ent.start > 1 and is_title(doc[ent.start]):
            # "General Kisel" -> "Kisel", with "General Kisel" kept as a form of the name
            ent = Ent(ent.start + 1, ent.end, ent.label, alias=ent.span(doc).text)
        out.append(ent)
    return out


def office_title_word(doc: Doc, before: int) -> int | None:
    """The title word of "<Title> of [the] <office>" ("Secretary" of "Secretary of the
    Interior"), capitalized, where ``before`` is the word just before the office's name; None
    where there is none."""
    if before < 1:
        return None
    of = before - 1 if doc[before].lower_ == "the" else before
    if of < 1 or doc[of].lower_ != "of":
        return None
    title = doc[of - 1]
    return title.i if title.is_title and is_title(title) else None


def _without_offices(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """An organization that is the office of a person's title ("State" of "Secretary of State
    John Kerry", "Police" of "Chief of Police Tom Reed") is part of the title, not an actor;
    so is the same title without the name elsewhere in the text."""
    titled: dict[int, str] = {}  # entity index: its title ("secretary of state")
    held: set[str] = set()  # the titles a person is named with
    for i, ent in enumerate(ents):
        title = office_title_word(doc, ent.start - 1)
        if ent.label != "ORG" or title is None:
            continue
        titled[i] = f"{doc[title].lower_} of {ent.span(doc).text.lower()}"
        nxt = ents[i + 1] if i + 1 < len(ents) else None
        if nxt is not None and nxt.label == "PERSON" and nxt.start == ent.end:
            held.add(titled[i])
    # the title again without the name ("The Secretary of State said") is the same office
    return [e for i, e in enumerate(ents) if titled.get(i) not in held]


def _untagged_acronyms(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """An acronym the model left untagged or called a product ("MI5", "RUC") is an
    organization (a country when it is one: "US"); not a technical one ("CCTV"), not a word
    in capitals ("BOSTON" where the text has "Boston")."""
    taken = {i for e in ents for i in range(e.start, e.end)}
    words = set(re.findall(r"\b[A-Z][a-z]+\b", doc.text))
    found = []
    for tok in doc:
        if tok.i in taken or tok.ent_type_ not in ("", "PRODUCT") or not _ACRONYM.match(tok.text):
            continue
        if tok.text in _THING_ACRONYMS or tok.text.title() in words or tok.lower_ in _EDGE_WORDS:
            continue
        if tok.ent_type_ == "PRODUCT" and tok.i + 1 < len(doc) and doc[tok.i + 1].ent_iob_ == "I":
            continue  # a longer product name: "MQ-9 Reaper"
        sentence = tok.sent
        if sum(t.is_upper for t in sentence) > len(sentence) / 2:
            continue  # a line in capitals
        if not _acts_as_party(tok):
            continue  # a product, a code or a unit ("IE8", "MRI", "TD"): named, not acting
        found.append(Ent(tok.i, tok.i + 1, "GPE" if same_country(tok.text) else "ORG"))
    return found


def _untagged_speakers(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """A name the model left untagged that speaks with a person's title is a person: after
    a title ("Police Constable Tim Fanning says ...") or before one in apposition ("Heydar
    Alishbandi, Governor of Qeshm island, said ..."); two or more proper nouns in no entity,
    the subject of a reporting verb."""
    taken = {i for e in ents for i in range(e.start, e.end)}
    found = []
    for tok in doc:
        if tok.dep_ != "nsubj" or tok.head.lemma_.lower() not in REPORTING_VERBS:
            continue
        if tok.ent_type_ or not _free(doc, taken, tok.i):
            continue
        start = tok.i
        while _free(doc, taken, start - 1) and doc[start - 1].head == tok:
            start -= 1
        if start == tok.i or any(doc[i].ent_type_ for i in range(start, tok.i)):
            continue  # a surname alone is whoever is named so (the speakers' rule decides)
        before = doc[start - 1] if start > 0 else None
        titled = before is not None and before.head == tok and is_title(before)
        apposed = any(c.dep_ == "appos" and is_title(c) for c in tok.rights)
        if titled or apposed:
            found.append(Ent(start, tok.i + 1, "PERSON"))
    return found


def _acts_as_party(tok: Token) -> bool:
    """An acronym in the place of a party: it says or does something ("the RUC said"), owns
    something ("MI5's files"), is the agent ("by the RUC") or is who is cited ("according to
    MI5")."""
    if tok.dep_ in ("nsubj", "nsubjpass", "poss", "agent", "appos"):
        return True
    if tok.dep_ == "pobj":
        head = tok.head
        if head.lower_ == "by":
            return True
        return head.lower_ == "to" and head.i > 0 and tok.doc[head.i - 1].lower_ == "according"
    return False


def _free(doc: Doc, taken: set[int], i: int) -> bool:
    """Token ``i`` is a proper-noun word in no entity and no title: a name's missing part."""
    if not 0 <= i < len(doc) or i in taken:
        return False
    tok = doc[i]
    return (
        tok.ent_type_ in ("", "PERSON")
        and tok.tag_ == "NNP"
        and tok.is_title
        and tok.is_alpha
        and not is_title(tok)
        and tok.lower_ not in TITLE_MODIFIERS
        and tok.lower_ not in _HONORIFICS
        and tok.lower_ not in ("district", "special", "federal", "state", "county", "chief")
    )


def _extend_people(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """ "José Luis" + "Rodríguez Zapatero" -> one person; an honorific before a name is kept as
    another form of it ("Lord Carrington")."""
    taken = {i for e in ents for i in range(e.start, e.end)}  # probed only outside each name
    out: list[Ent] = []
    for ent in ents:
        if ent.label != "PERSON":
            out.append(ent)
            continue
        if out and out[-1].label == "PERSON" and out[-1].end == ent.start:
            out[-1] = Ent(out[-1].start, ent.end, "PERSON", out[-1].alias)
            continue
        start, end = ent.start, ent.end
        while _free(doc, taken, end) and not doc[end].is_sent_start:
            end += 1
        alias = None
        if start > 0 and doc[start - 1].lower_ in _HONORIFICS and doc[start - 1].is_title:
            alias = doc[start - 1 : end].text
        out.append(Ent(start, end, "PERSON", alias))
    return out


_DIRECTION_WORDS = set(words("directions"))


def _extend_directions(doc: Doc, ents: list[Ent]) -> list[Ent]:
    """ "east London": a lowercase direction before a place is part of how the text names it."""
    for ent in ents:
        if ent.label in ("GPE", "LOC") and ent.start > 0:
            before = doc[ent.start - 1]
            if before.lower_ in _DIRECTION_WORDS and before.is_lower:
                ent.start -= 1
    return ents


_HEADLINE_KEY = "briefing.headline_tokens"


def _headline_tokens(doc: Doc) -> set[int]:
    """The title-case run that opens the text or a line and ends at a dash, a sentence end or
    the line's end ("Kyrgyzstan National Pleads Not Guilty to Hampering Boston Bomb Probe -"),
    whose capitals say nothing about where names end. A run that goes on in lowercase ("The
    Academy of Motion Picture Arts and Sciences announced") is a sentence, not a headline.
    Found once per parse (the actor repairs and the claims' front matter both ask)."""
    cached = doc.user_data.get(_HEADLINE_KEY)
    if cached is not None:
        return set(cached)
    found: set[int] = set()
    starts = [0] + [t.i + 1 for t in doc if "\n" in t.text]
    while starts:
        start = starts.pop(0)
        run: list[int] = []
        words = 0
        ended = True
        stop = None
        for tok in doc[start:]:
            if tok.text in ("-", "--", "|", ".", "!", "?", ":") or "\n" in tok.text:
                stop = tok
                break
            if tok.is_title or tok.is_upper:
                words += tok.is_alpha
            elif not (tok.is_lower and len(tok) <= 3) and not tok.is_punct:
                ended = False
                break
            run.append(tok.i)
        if words >= 4 and ended:
            found.update(run)
        if ended and stop is not None and stop.text in ("-", "--", "|", ":"):
            # A title-case line goes on after its colon or dash, and what follows is a
            # headline of its own if it is one: "Walter Hale Jr: Ohio Bank Robber Escaped and
            # Armed".
            starts.append(stop.i + 1)
    doc.user_data[_HEADLINE_KEY] = tuple(sorted(found))  # msgpack-safe, if a Doc is saved
    return found


def front_matter(doc: Doc) -> set[int]:
    """Tokens of a title-case headline and of lines that hold only a date (a dateline): what
    the parser may run into a report's first sentence, and no part of what anyone said."""
    found = set(_headline_tokens(doc))
    line: list[Token] = []
    for tok in doc:
        if "\n" in tok.text:
            if line and all(t.ent_type_ in ("DATE", "TIME") or t.is_punct for t in line):
                found.update(t.i for t in line)
            line = []
        elif not tok.is_space:
            line.append(tok)
    return found


def _common(tok: Token, words: set[str]) -> bool:
    """A stop word, or a word the text also writes in lowercase ("Killed" where it says
    "killed"): capitals alone do not make it a name. ``words``: the text's words as written."""
    return tok.is_stop or (not tok.is_upper and tok.lower_ in words)


def _headline_repair(doc: Doc, ent: Ent, words: set[str]) -> Ent | None:
    """An entity of a headline that the text never repeats shrinks to the longest part of it
    the text does name elsewhere ("Kyrgyzstan National Pleads Not Guilty" -> "Kyrgyzstan"), or
    goes when it is one or two words ("Prison Escapee"); one that ends in an organization's
    head noun stays ("British Security Services")."""
    span = ent.span(doc)
    if span[-1].text in ORG_HEADS:
        return ent
    rest = doc.text[: span.start_char] + " " + doc.text[span.end_char :]

    def named_elsewhere(part: SpacySpan) -> bool:
        return re.search(rf"(?<!\w){re.escape(part.text)}(?!\w)", rest) is not None

    if named_elsewhere(span):
        return ent
    if len(span) < 3:
        return None  # one or two capitalized headline words the text never names: "Armed"
    for size in range(len(span) - 1, 0, -1):
        for lo in range(ent.start, ent.end - size + 1):
            part = doc[lo : lo + size]
            if not (part[0].is_title and named_elsewhere(part)):
                continue
            if all(_common(t, words) for t in part):
                continue  # common words of the headline ("Killed", "With"), not a name
            return Ent(lo, lo + size, ent.label, ent.alias)
    return None


def _noise(doc: Doc, ent: Ent, words: set[str]) -> bool:
    """``words``: the text's whole words, for telling a capitalized common word."""
    span = ent.span(doc)
    text = span.text
    key = re.sub(r"[^\w\s-]", "", text).casefold().strip()
    if key in NOT_ACTORS or text.upper() in _THING_ACRONYMS:
        return True
    if key in _BARE_SUFFIXES and span.start > 0 and doc[span.start - 1].text == ",":
        return True  # only after a comma: "SA gamers" is South Africa's
    if text in STREET_SUFFIXES:
        return True  # "Ave. H": a street's kind, no name
    if text.isupper() and text.rstrip("S") in _THING_ACRONYMS:
        return True
    if ent.label in ("ORG", "PERSON") and all(map(abbreviated_title, span)):
        return True  # an abbreviated title cut from its name at its stop: "Dist. Atty. X"
    possessive = len(span) == 2 and span[1].lower_ in _POSSESSIVE
    if ent.label == "ORG" and possessive and is_title(span[0]):
        return True  # a title's possessive cut from the title after it: "Sheriff's Capt. X"
    if ent.label == "NORP" and _starts_a_name(doc, ent):
        return True  # "a Hawaiian Gardens gang member": the place's first word, not a people
    multiword = ent.label in ("ORG", "PERSON", "NORP") and len(span) > 1
    if multiword and (span[-1].lower_ in _EVENT_HEADS or any(t.lower_ == "handout" for t in span)):
        return True  # an event ("Bloody Sunday") or a photo credit
    if (
        ent.label == "NORP"
        and not (country_of(text) or text in GROUP_WORDS)
        and (span.root.pos_ == "ADJ" or re.search(r"(ist|ists|ism)$|^(pro|anti)-", text))
    ):
        return True  # an ideology or a descriptive word: "Marxist", "pro-Syrian"
    if _in_stock_quote(doc, ent):
        return True  # "Microsoft (NSDQ: MSFT)": an exchange and a ticker, not parties
    if len(span) == 1:
        tok = span[0]
        quoted = tok.i > 0 and tok.i + 1 < len(doc) and doc[tok.i - 1].is_quote
        if quoted and doc[tok.i + 1].is_quote and ent.label in ("ORG", "PERSON", "NORP"):
            return True  # a nickname: "Abz"
        lower = tok.lower_
        written_lower = (
            lower in words
            if _WORDS.fullmatch(lower)
            else re.search(rf"(?<![\w-]){re.escape(lower)}(?![\w-])", doc.text) is not None
        )
        if not tok.is_upper and (written_lower or tok.is_stop) and not same_country(tok.text):
            return True  # a common word capitalized: "Markets", "Defense", "With"
    return False


_STOCK_QUOTE = re.compile(r"\(\s*[A-Z]{2,8}\s*:\s*[A-Z][A-Z.]{0,7}\s*\)")


def _in_stock_quote(doc: Doc, ent: Ent) -> bool:
    """Whether an entity is inside a stock quote's parentheses: "(NYSE: CBS)"."""
    window = doc[max(0, ent.start - 3) : min(len(doc), ent.end + 3)]
    span = ent.span(doc)
    return any(
        m.start() <= span.start_char - window.start_char
        and span.end_char - window.start_char <= m.end()
        for m in _STOCK_QUOTE.finditer(window.text)
    )


def _starts_a_name(doc: Doc, ent: Ent) -> bool:
    """A nationality word that, with the capitalized word after it, begins a name spaCy tagged
    elsewhere in the text ("Hawaiian" of "Hawaiian Gardens", a city named further on)."""
    if ent.end >= len(doc) or not doc[ent.end].is_title:
        return False
    opening = doc[ent.start : ent.end + 1].text
    return any(
        e.label_ in ("GPE", "LOC", "FAC", "ORG") and (e.text + " ").startswith(opening + " ")
        for e in doc.ents
    )
