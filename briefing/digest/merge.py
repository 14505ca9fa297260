"""One event's items merged across its reports: actors, timeline, claims, uncertainties, sources.

Merging is by code, from the briefs' grounded items: the same actor under different names
(aliases, a surname, an acronym, a country's other name) is one actor; near-identical
developments and claims from several reports are one item carrying all their evidence.
Corroboration counts independent originators only: a relay counts its originator, and an
unnamed originator ("officials") counts once per publisher family.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from rapidfuzz.distance import Levenshtein

from briefing.analysis.actors import (
    company_key,
    name_words,
    normalize_name,
    short_org_name,
    strip_direction,
)
from briefing.analysis.countries import same_country
from briefing.analysis.lexicon import ACRONYM_SKIP
from briefing.analysis.lexicon import words as lexicon_words
from briefing.analysis.wording import PRONOUN_OPENERS
from briefing.chains.grading import claim_credibility, same_claim
from briefing.chains.guards import jaccard
from briefing.digest.inputs import DigestItem, EvidenceChecker
from briefing.digest.publishers import families
from briefing.schemas.brief import Actor, ActorKind, Claim, Development, Source, SourceKind
from briefing.schemas.digest import (
    Attribution,
    DigestActor,
    DigestClaim,
    DigestDevelopment,
    DigestUncertainty,
    SourceRollup,
)
from briefing.schemas.scales import Reliability

T = TypeVar("T")

SAME_DEVELOPMENT = 0.6  # content-word Jaccard at which two developments are one
SAME_DEVELOPMENT_ANY_DATE = 0.75  # ... and at which they are one despite different dates
SAME_UNCERTAINTY = 0.7
EVIDENCE_PER_REPORT = 2  # evidence spans kept per report for one merged item
OTHER_THAN_PERSON = 2  # a person's name is a person's unless over 2x as often an org's

_TITLES = frozenset(lexicon_words("merge_titles"))


def components(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``n`` nodes linked by ``pairs``, in first-index order."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = list(pairs)
    if n == 0:
        return []
    rows = [a for a, _ in edges]
    cols = [b for _, b in edges]
    graph = coo_matrix(([1] * len(edges), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def group_alike(items: Sequence[T], same: Callable[[T, T], bool]) -> list[list[T]]:
    """Items linked when ``same`` says so (transitively); an event holds tens of items."""
    pairs = [
        (i, j)
        for i in range(len(items))
        for j in range(i + 1, len(items))
        if same(items[i], items[j])
    ]
    return [[items[i] for i in group] for group in components(len(items), pairs)]


def effective_family(item: DigestItem, by_id: dict[str, DigestItem]) -> str:
    """A carrier counts as the report it carries: a wire story and its reprints are one."""
    origin = by_id.get(item.carrier_of or "", item)
    return origin.family or origin.id


# -- actors ---------------------------------------------------------------------------------


def _forms(actor: Actor) -> set[str]:
    forms = {normalize_name(f) for f in (actor.name, *actor.aliases)}
    if actor.kind is ActorKind.STATE:  # "U.S." is "United States", "southern Iran" "Iran"
        names = {strip_direction(f) for f in (actor.name, *actor.aliases)}
        forms |= {normalize_name(f) for f in names}
        forms |= {normalize_name(c) for f in names if (c := same_country(f))}
    return {f for f in forms if f}


def _tokens(form: str) -> list[str]:
    """A normalized name's words without titles and without a generational suffix."""
    return name_words(" ".join(t for t in form.split() if t not in _TITLES))


def _acronym(form: str) -> str:
    words = [w for w in form.split() if w not in ACRONYM_SKIP]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def same_actor(a: Actor, b: Actor) -> bool:
    """Two actors of other kinds than people (see :func:`group_people`) are one: a shared
    name or alias, a country's other name, or an acronym of one's name that is the other's."""
    fa, fb = _forms(a), _forms(b)
    if fa & fb:
        return True
    if ActorKind.PERSON in (a.kind, b.kind):
        return False

    # "Institute for the Study of War" and "ISW": an acronym of one actor's name is the other's.
    def short(forms: set[str]) -> set[str]:
        return {f for f in forms if " " not in f and len(f) >= 2}

    return any(_acronym(f) in short(fb) for f in fa if _acronym(f)) or any(
        _acronym(f) in short(fa) for f in fb if _acronym(f)
    )


def _full_names(names: Iterable[str]) -> list[list[str]]:
    """The names of one person that have a given name too, as words; else the surname."""
    words = [t for n in names if (t := _tokens(normalize_name(n)))]
    full = [t for t in words if len(t) > 1]
    return full or words[:1]


def _agree(x: list[str], y: list[str]) -> bool:
    """One full name inside the other, same surname: "Kisel" and "Sergey Kisel", "Arcade
    Comeaux" and "Arcade Joseph Comeaux Jr." (not "Art Ortiz" and "Jerry Ortiz"); or a given
    name and surname where one given name is short for the other ("Stan Perlo", "Stanley
    Perlo", also with middle names: "Fred LaRue", "Frederick Cheney LaRue")."""
    if _spelled_alike(x, y):
        return True
    if x[-1] != y[-1]:
        return False
    if set(x) <= set(y) or set(y) <= set(x):
        return True
    # "Fred LaRue" and "Frederick Cheney LaRue": a given name short for the other's, and the
    # longer name's middle names between
    short, full = sorted((x, y), key=len)
    return len(short) == 2 and _short_for(short[0], full[0])


# Two spellings of one long name word differ by this many letters at most.
SPELLING_EDITS = 1
SPELLING_MIN_LETTERS = 6


def _spelled_alike(x: list[str], y: list[str]) -> bool:
    """One name spelled two ways, as outlets transliterate or mistype it: "Massoud Dalman"
    and "Masoud Dalman", "Heydar Alishvandi" and "Heydar Alishbandi", "Latonya Brown" and
    "Latoya Brown". Word for word, each pair that differs is of six letters or more, starts
    alike and is one letter apart; "Charlene Kafoury" and "Charlie Kafoury" (a sister and a
    brother) are two letters apart, "Joan Smith" and "John Smith" too short."""
    if len(x) != len(y) or len(x) < 2 or x == y:
        return False
    for u, v in zip(x, y, strict=True):
        if u == v:
            continue
        if min(len(u), len(v)) < SPELLING_MIN_LETTERS or u[0] != v[0]:
            return False
        if Levenshtein.distance(u, v) > SPELLING_EDITS:
            return False
    return True


def _short_for(a: str, b: str) -> bool:
    """One given name the other's start, of three letters or more and two or more letters
    shorter: "Stan" for "Stanley", "Chris" for "Christopher"; not "Dan" and "Dana"."""
    short, full = sorted((a, b), key=len)
    return len(short) >= 3 and len(full) - len(short) >= 2 and full.startswith(short)


def group_people(items: Sequence[T], names: Callable[[T], list[str]]) -> list[list[T]]:
    """Items naming one person. Full names that agree (:func:`_agree`) are one person; a
    surname alone ("Ortiz") joins the one person of that surname, and stays apart when the
    reports name several (a deputy and his brother), rather than making them one; a given
    name alone that is no one's surname joins the one person of that given name."""
    named = [(item, _full_names(names(item))) for item in items]
    full = [(item, n) for item, n in named if n and len(n[0]) > 1]
    bare = [(item, n) for item, n in named if not (n and len(n[0]) > 1)]
    groups = group_alike(full, lambda x, y: any(_agree(a, b) for a in x[1] for b in y[1]))
    surnames = [{n[-1] for _, ns in g for n in ns} for g in groups]
    given = [{n[0] for _, ns in g for n in ns} for g in groups]
    alone: dict[str, list[tuple[T, list[list[str]]]]] = {}
    for item, ns in bare:
        last = ns[0][-1] if ns else ""
        holders = [k for k, held in enumerate(surnames) if last in held]
        if not holders:  # a given name alone ("Jerry"): the one person named so, if one
            holders = [k for k, held in enumerate(given) if last in held]
        if len(holders) == 1:
            groups[holders[0]].append((item, ns))
        else:
            alone.setdefault(last, []).append((item, ns))
    out = [[item for item, _ in g] for g in groups + list(alone.values())]
    order = {id(item): k for k, item in enumerate(items)}
    return sorted(out, key=lambda g: min(order[id(i)] for i in g))


def _join_short_names(
    groups: list[list[tuple[DigestItem, Actor]]],
) -> list[list[tuple[DigestItem, Actor]]]:
    """An organization only ever told short ("Saints", "Staunton Police") is the one other
    organization of the event whose full name each of its names shortens ("New Orleans Saints",
    "Staunton Police Department"; :func:`short_org_name`); with two such, it stays apart."""
    keys = [
        {company_key(f) for _, a in g for f in _forms(a)}
        if all(a.kind is not ActorKind.STATE for _, a in g)
        else set()
        for g in groups
    ]
    alive = [bool(k) for k in keys]
    for i in sorted(range(len(groups)), key=lambda i: max(map(len, keys[i]), default=0)):
        if not alive[i]:
            continue
        fuller = [
            j
            for j in range(len(groups))
            if j != i
            and alive[j]
            and all(any(short_org_name(k, f) for f in keys[j]) for k in keys[i])
        ]
        if len(fuller) == 1:
            groups[fuller[0]] += groups[i]
            keys[fuller[0]] |= keys[i]
            alive[i] = False
    return [g for g, k, live in zip(groups, keys, alive, strict=True) if live or not k]


def merge_actors(
    told: Sequence[tuple[DigestItem, Actor]], checker: EvidenceChecker
) -> list[DigestActor]:
    # A name that reports give a person, or a person's surname, is a person's here too
    # ("Comeaux" tagged an organization in one report is the man others name in full), unless
    # over twice as many reports give it an organization ("Chiefs", a team in eleven, is no
    # person because a headline tagged a person, "Colts Beat Chiefs", took it for a surname).
    said: dict[bool, set[tuple[str, str]]] = {True: set(), False: set()}  # (report, form)
    for item, actor in told:
        if actor.kind in (ActorKind.PERSON, ActorKind.ORGANIZATION):
            forms = _forms(actor)
            if actor.kind is ActorKind.PERSON:
                forms |= {t[-1] for f in forms if (t := _tokens(f))}
            said[actor.kind is ActorKind.PERSON] |= {(item.id, f) for f in forms}
    person_reports = Counter(f for _, f in said[True])
    org_reports = Counter(f for _, f in said[False])

    def is_person(actor: Actor) -> bool:
        if actor.kind is ActorKind.PERSON:
            return True
        name = normalize_name(actor.name)
        as_person = person_reports[name]
        if actor.kind is ActorKind.ORGANIZATION:
            return as_person > 0 and org_reports[name] <= OTHER_THAN_PERSON * as_person
        return as_person > 0

    person = [is_person(a) for _, a in told]
    people = [t for t, p in zip(told, person, strict=True) if p]
    others = [t for t, p in zip(told, person, strict=True) if not p]
    groups = group_people(people, lambda t: [t[1].name, *t[1].aliases])
    groups += _join_short_names(group_alike(others, lambda x, y: same_actor(x[1], y[1])))
    out = []
    for group in groups:
        names = Counter(normalize_name(a.name) for _, a in group)
        spelled = {normalize_name(a.name): a.name for _, a in group}
        forms = {f for _, a in group for f in (a.name, *a.aliases)}
        # The most complete name the reports use: most words, then most often; a state's
        # name without a direction before it ("Iran", not "southern Iran").
        best = max(names, key=lambda k: (len(k.split()), names[k], k))
        name = spelled[best]
        if all(a.kind is ActorKind.STATE for _, a in group):
            name = strip_direction(name)
        evidence = []
        reports: list[str] = []
        for item, actor in group:
            if item.id not in reports:
                reports.append(item.id)
            evidence += checker.refs(item.id, actor.evidence[:EVIDENCE_PER_REPORT])
        if not evidence:
            continue
        kinds = Counter(a.kind.value for _, a in group)
        out.append(
            DigestActor(
                name=name,
                aliases=sorted(f for f in forms if normalize_name(f) != normalize_name(name)),
                kind=kinds.most_common(1)[0][0],
                role=next((a.role for _, a in group if a.role), None),
                reports=reports,
                evidence=evidence,
            )
        )
    return sorted(out, key=lambda a: (-len(a.reports), -len(a.evidence), a.name))


# -- developments ---------------------------------------------------------------------------


class Told(Protocol):
    """A development as a brief or a digest tells it."""

    @property
    def what(self) -> str: ...
    @property
    def when(self) -> dt.date | None: ...


def _dates_agree(a: Told, b: Told) -> bool:
    return a.when is None or b.when is None or a.when == b.when


def same_development(a: Told, b: Told) -> bool:
    score = jaccard(a.what, b.what)
    return score >= SAME_DEVELOPMENT_ANY_DATE or (score >= SAME_DEVELOPMENT and _dates_agree(a, b))


@dataclass
class MergedDevelopment:
    item: DigestDevelopment
    tellings: list[tuple[DigestItem, Development]]


def merge_developments(
    told: Sequence[tuple[DigestItem, Development]],
    checker: EvidenceChecker,
    family_of: Callable[[DigestItem], str],
) -> list[MergedDevelopment]:
    out = []
    for group in group_alike(told, lambda x, y: same_development(x[1], y[1])):
        dates = Counter(d.when for _, d in group if d.when is not None)
        when = dates.most_common(1)[0][0] if dates else None
        lead = next((d for _, d in group if d.when == when), group[0][1])
        evidence = []
        reports: list[str] = []
        fams: list[str] = []
        for item, dev in group:
            if item.id not in reports:
                reports.append(item.id)
            fam = family_of(item)
            if fam not in fams:
                fams.append(fam)
            evidence += checker.refs(item.id, dev.evidence[:EVIDENCE_PER_REPORT])
        if not evidence:
            continue
        merged = DigestDevelopment(
            what=lead.what,
            when=when,
            when_end=lead.when_end,
            when_text=lead.when_text,
            where=next((d.where for _, d in group if d.where), None),
            actors=sorted({a for _, d in group for a in d.actors}),
            reports=reports,
            families=fams,
            evidence=evidence,
        )
        out.append(MergedDevelopment(merged, list(group)))
    far = dt.date.max
    return sorted(out, key=lambda m: (m.item.when or far, m.item.what))


# -- claims ---------------------------------------------------------------------------------


def is_named(item: DigestItem, name: str) -> bool:
    """Whether a report's brief knows ``name`` as an actor or a source (not "he", "officials")."""
    named = {normalize_name(f) for a in item.brief.actors for f in (a.name, *a.aliases)}
    named |= {normalize_name(s.name) for s in item.brief.sources if s.identified}
    return name.strip()[:1].isupper() and normalize_name(name) in named


def originator_key(
    item: DigestItem,
    claim: Claim,
    family_of: Callable[[DigestItem], str],
    rolled: RolledSources | None = None,
) -> tuple[str, str]:
    """Who a claim's originator is, for counting independence, and how to show it: a named
    originator by its publisher family ("Reuters" and "Thomson Reuters" are one) and under its
    name across the event (``rolled``: "Lyons" is "Michelle Lyons"); an unnamed one
    ("officials", "witnesses") once per family of the reports that carry it."""
    origin = claim.originator.strip()
    if is_named(item, origin):
        if (row := (rolled or {}).get((item.id, normalize_name(origin)))) is not None:
            origin = row.name
        return (families().family_of(source=origin) or origin).casefold(), origin
    # Unnamed ("officials", "he"): all we know is the outlet that reports it.
    family = family_of(item)
    return f"unnamed via {family}", f"unnamed source (per {family})"


def merge_claims(
    told: Sequence[tuple[DigestItem, Claim]],
    checker: EvidenceChecker,
    family_of: Callable[[DigestItem], str],
    rolled: RolledSources | None = None,
) -> list[DigestClaim]:
    """Claims that say the same thing, merged, with their originators counted once each
    (see :func:`originator_key`). With ``rolled``, a telling's credibility is graded again
    from its originator's grade across the event where the report's own brief could not
    judge it as well ("Lyons said", F there, is Michelle Lyons, spokeswoman, C)."""
    out = []
    for group in group_alike(told, lambda x, y: same_claim(x[1].statement, y[1].statement)):
        attributions = []
        keys: dict[str, str] = {}
        origins = [originator_key(item, claim, family_of, rolled) for item, claim in group]
        for (item, claim), (key, label) in zip(group, origins, strict=True):
            refs = checker.refs(item.id, claim.evidence[:EVIDENCE_PER_REPORT])
            if not refs:
                continue
            keys.setdefault(key, label)
            attributions.append(
                Attribution(
                    report_id=item.id,
                    source=claim.source,
                    chain=claim.chain,
                    reporting_verb=claim.reporting_verb,
                    verb_class=claim.verb_class,
                    credibility=_regraded(item, claim, rolled),
                    evidence=refs,
                )
            )
        if not attributions:
            continue
        first = group[0][1]
        # An unnamed source counts only for a publisher that names nobody else for the claim.
        named_by = {
            family_of(item)
            for (item, _), (key, _) in zip(group, origins, strict=True)
            if not key.startswith("unnamed via ")
        }
        for family in named_by:
            keys.pop(f"unnamed via {family}", None)
        if named_by:
            # A speaker a report names only by a pronoun ("he said") is someone it named, not
            # an anonymous source: where another report names who said the same words
            # ("We talked about her faith", Kenneth Dorsey said), "he" is no second originator.
            for family in _by_pronoun_only(group, origins, family_of):
                keys.pop(f"unnamed via {family}", None)
        # Who speaks for an organization that is an originator of the same claim is that
        # organization, not a second source ("Christine Monaco, a spokeswoman for the FBI"
        # and "the FBI"; "Kraft Food's Susan Davison" and "Kraft Foods").
        for (item, claim), (key, _) in zip(group, origins, strict=True):
            body = _speaks_for(item, claim.originator)
            if body and any(k != key and _same_body(body, label) for k, label in keys.items()):
                keys.pop(key, None)
        independent = sorted(set(keys.values()), key=str.casefold)
        unnamed = {k for k, _ in origins if k.startswith("unnamed via ")}
        named = [k for k in keys if k not in unnamed]
        out.append(
            DigestClaim(
                statement=first.statement,
                originator=first.originator if origins[0][0] in unnamed else origins[0][1],
                attributions=attributions,
                independent_originators=independent,
                corroboration=len(independent),
                credibility=_credibility(len(named), len(independent), attributions),
                stake=next((c.stake for _, c in group if c.stake), None),
            )
        )
    return sorted(out, key=lambda c: (-c.corroboration, c.credibility, c.statement))


def _speaks_for(item: DigestItem, name: str) -> str | None:
    """The organization or state a person of a report's brief belongs to: their affiliation,
    else what their role is for ("spokeswoman for the FBI")."""
    key = normalize_name(name)
    for actor in item.brief.actors:
        if actor.kind is not ActorKind.PERSON:
            continue
        if key not in {normalize_name(f) for f in (actor.name, *actor.aliases)}:
            continue
        if actor.affiliation:
            return actor.affiliation
        if actor.role and (m := re.search(r"\b(?:for|of|at)\s+(?:the\s+)?(.+)$", actor.role)):
            return m.group(1)
    return None


def _same_body(a: str, b: str) -> bool:
    """One organization's two names: equal but for a letter ("Kraft Food", "Kraft Foods")."""
    x, y = normalize_name(a), normalize_name(b)
    return (
        bool(x) and bool(y) and Levenshtein.distance(x, y) <= (1 if min(len(x), len(y)) >= 4 else 0)
    )


def _by_pronoun_only(
    group: Sequence[tuple[DigestItem, Claim]],
    origins: Sequence[tuple[str, str]],
    family_of: Callable[[DigestItem], str],
) -> set[str]:
    """The families whose unnamed originators of a claim are all pronouns ("he", "they")."""
    unnamed: dict[str, bool] = {}
    for (item, claim), (key, _) in zip(group, origins, strict=True):
        if key.startswith("unnamed via "):
            family = family_of(item)
            pronoun = claim.originator.strip().lower() in PRONOUN_OPENERS
            unnamed[family] = unnamed.get(family, True) and pronoun
    return {family for family, pronouns in unnamed.items() if pronouns}


def _regraded(item: DigestItem, claim: Claim, rolled: RolledSources | None) -> int:
    """A telling's credibility, from its originator's grade across the event where that is a
    better judged one than its report's brief had (a brief's "confirmed" stands)."""
    origin = normalize_name(claim.originator.strip())
    row = (rolled or {}).get((item.id, origin))
    if row is None or claim.credibility == 1:
        return claim.credibility
    own = next(
        (s.reliability for s in item.brief.sources if normalize_name(s.name) == origin), None
    )
    if own is not None and own is not Reliability.F:
        return claim.credibility  # judged in its own report
    return claim_credibility(
        statement=claim.statement,
        originator=row.name,
        reliability=row.reliability,
        stake=claim.stake,
        verb_class=claim.verb_class,
        others=[],
    ).value


def _credibility(named: int, independent: int, attributions: Sequence[Attribution]) -> int:
    """A merged claim's credibility. 1 ("confirmed by other, independent sources") needs two
    independent originators that are named, as in a brief: outlets that each cite someone
    they do not name ("authorities", "officials") may all have one unnamed source, so they
    make a claim 2 at best ("probably true": consistent with other information). Otherwise the
    best grade a single telling got, from 2."""
    if named >= 2:
        return 1
    if independent >= 2:
        return 2
    return max(2, min(a.credibility for a in attributions))


# -- uncertainties and sources --------------------------------------------------------------


def merge_uncertainties(
    items: Sequence[DigestItem], checker: EvidenceChecker
) -> list[DigestUncertainty]:
    out: list[DigestUncertainty] = []
    for item in items:
        for u in item.brief.uncertainties:
            if any(jaccard(u.what, o.what) >= SAME_UNCERTAINTY for o in out):
                continue
            refs = checker.refs(item.id, u.evidence[:EVIDENCE_PER_REPORT])
            if refs:
                out.append(
                    DigestUncertainty(
                        what=u.what,
                        why=u.why,
                        likelihood=u.likelihood,
                        confidence=u.confidence,
                        report_id=item.id,
                        evidence=refs,
                    )
                )
    return out


RolledSources = dict[tuple[str, str], SourceRollup]


def rollup_sources(told: Sequence[tuple[DigestItem, Source]]) -> list[SourceRollup]:
    """One row per source across the event's reports (see :func:`_rollups`), most reports
    first."""
    return roll_up(told)[0]


def roll_up(
    told: Sequence[tuple[DigestItem, Source]],
) -> tuple[list[SourceRollup], RolledSources]:
    """The rows of :func:`rollup_sources`, and each report's source, by (report id,
    normalized name), to its row: "Lyons" of one report is "Michelle Lyons", spokeswoman, of
    another."""
    rollups = _rollups(told)
    rows = sorted(
        (row for _, row in rollups), key=lambda s: (-s.reports, s.reliability.value, s.name)
    )
    rolled = {
        (item.id, normalize_name(source.name)): row
        for group, row in rollups
        for item, source in group
    }
    return rows, rolled


def _rollups(
    told: Sequence[tuple[DigestItem, Source]],
) -> list[tuple[list[tuple[DigestItem, Source]], SourceRollup]]:
    """One row per source across the event's reports, with the tellings it folds. Officials
    and other people named in full in one report and by surname in another ("Larry Waldie",
    "Waldie") are one source, as in the actors; institutions ("Texas", "Texas Department of
    Criminal Justice") only by name. A one-word source that is a given name or surname of a
    person source, and no country, is that person mis-kinded ("Chela", graded a government
    body, is "Chela Ortiz")."""
    person_kinds = (SourceKind.OFFICIAL, SourceKind.OTHER)
    named = [(item, source, _tokens(normalize_name(source.name))) for item, source in told]
    person_words = {
        w
        for _, source, words in named
        if source.kind in person_kinds and len(words) > 1
        for w in words
    }
    people = []
    by_name: dict[str, list[tuple[DigestItem, Source]]] = {}
    for item, source, words in named:
        if source.kind in person_kinds or (
            len(words) == 1 and words[0] in person_words and not same_country(source.name)
        ):
            people.append((item, source))
        else:
            by_name.setdefault(normalize_name(source.name), []).append((item, source))
    out = []
    for group in group_people(people, lambda t: [t[1].name]) + list(by_name.values()):
        grades = [s.reliability for _, s in group]
        # A person's grade comes from the tellings that took them for a person, not from one
        # that mis-kinded them ("Chela" graded a government body).
        tellings = [s for _, s in group if s.kind in person_kinds] or [s for _, s in group]
        # The grade most tellings gave; ties go to the more cautious grade. F is no grade but
        # the want of one (nothing in that report to judge by): it counts only when no telling
        # judged the source ("District Attorney Steve Cooley" in one report, "Cooley" alone in
        # two: C, not F).
        given = [s.reliability for s in tellings]
        judged = [g for g in given if g is not Reliability.F]
        counts: Counter[Reliability] = Counter(judged or given)
        grade = max(counts, key=lambda g: (counts[g], g.value))
        first = next(s for s in tellings if s.reliability == grade)
        names = [s.name for _, s in group]
        # A name before words that describe ("Heydar Alishbandi" before "Qeshm island governor
        # Heydar Alishbandi", a speaker's words), then the fullest, then the most told.
        name = max(
            names,
            key=lambda n: (_a_name(n), len(_tokens(normalize_name(n))), names.count(n)),
        )
        row = SourceRollup(
            name=name,
            kind=first.kind,
            family=families().family_of(source=name),
            reliability=grade,
            grades=grades,
            reports=len({i.id for i, _ in group}),
            side=next((s.side for _, s in group if s.side), None),
            rationale=first.rationale,
        )
        out.append((group, row))
    return out


def _a_name(words: str) -> bool:
    """Whether words are a name, not a description: every word capitalized but "of", "the"
    and the like ("Texas Department of Criminal Justice"; not "The governor of Qeshm
    island")."""
    return all(
        w[0].isupper() or w.casefold() in ACRONYM_SKIP
        for w in re.findall(r"[^\W\d_][\w'’.-]*", words)
    )


GRADE_SCORE = {
    Reliability.A: 1.0,
    Reliability.B: 0.8,
    Reliability.C: 0.6,
    Reliability.D: 0.4,
    Reliability.E: 0.2,
    Reliability.F: 0.3,
}
