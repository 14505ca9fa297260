"""The digest pipeline: briefed reports of a window -> ranked events with evidence.

    items (reports + briefs)  -> publisher families
                              -> near-duplicates folded (one originator, several carriers)
                              -> originators clustered into events (the clustering of
                                 ``briefing cluster``)
                              -> per event: actors, timeline, claims with corroboration,
                                 contradictions, uncertainties, source roll-up (code), headline
                                 and bottom line (one model call per event)
                              -> what changed since the previous digest, ranking, overall BLUF

Briefs are made (or reused from the cache) before this step, by the service or the CLI, with
the brief chain itself: nothing here re-implements a brief.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from briefing.analysis.actors import normalize_name, place_key
from briefing.analysis.dates import DATELINE_LINES, is_dateline
from briefing.analysis.lines import heading_line
from briefing.analysis.states import states_a_fact
from briefing.analysis.wording import (
    LINKING_OPENERS,
    PRONOUN_OPENERS,
    after_quotation_mark,
    hedged,
    in_reporters_words,
)
from briefing.chains.guards import content_words, support
from briefing.digest import changes as change_rules
from briefing.digest.cluster import DEFAULT_PARAMS, ClusterParams, Signals, cluster, signals_of
from briefing.digest.contradictions import (
    date_contradictions,
    denial_contradictions,
    figure_contradictions,
    tellings_of,
)
from briefing.digest.dedupe import near_duplicates
from briefing.digest.inputs import DigestItem, EvidenceChecker
from briefing.digest.merge import (
    GRADE_SCORE,
    effective_family,
    merge_actors,
    merge_claims,
    merge_developments,
    merge_uncertainties,
    roll_up,
    rollup_sources,
)
from briefing.digest.publishers import families
from briefing.digest.writer import MAX_ITEMS, EventWriter
from briefing.schemas.brief import Development, ReportingVerb, Usage
from briefing.schemas.digest import (
    Change,
    Digest,
    DigestClaim,
    DigestDevelopment,
    DigestProvenance,
    DigestQuality,
    DigestReport,
    Event,
    EvidenceRef,
    Filters,
    Phase,
    Window,
)
from briefing.version import code_version

Progress = Callable[[str], None]
SignalsOf = Callable[[DigestItem], Signals]
HEADLINE_WORDS = 16
MIN_DEVELOPMENT_WORDS = 3  # shorter "developments" are fragments ("Atty."), not news
BACKGROUND_DAYS = 30  # a development dated this long before the earliest report is context


def analysis_signals(item: DigestItem) -> Signals:
    """Clustering signals from the analysis pass, as ``briefing cluster`` computes them."""
    from briefing.analysis import analyze

    return signals_of(item.report.text, analyze(item.report))


def headline_line(text: str) -> str | None:
    """A news text's first line when it reads as a headline: short, no closing full stop.
    Datelines and time stamps before it are passed over ("18 September 2013 Last updated at
    13:59 GMT" above "Microsoft releases fix for 'zero-day' IE browser bug")."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:DATELINE_LINES]
    first = next((line for line in lines if not is_dateline(line)), "")
    words = first.split()
    calendar_words = {w.lower() for w in (*calendar.month_name, *calendar.day_name) if w}
    meaningful = [w for w in words if w.isalpha() and w.lower() not in calendar_words]
    if (
        3 <= len(words) <= HEADLINE_WORDS
        and len(meaningful) >= 3  # not a dateline ("12 January 2010 @ 09:29 pm")
        and not first.endswith((".", ":", ","))
    ):
        return first
    return None


LEDE_SENTENCES = 2  # a report's lede: its first sentences that end as sentences do


@dataclass(frozen=True)
class _Telling:
    """A candidate sentence of an event's bottom line."""

    text: str
    families: int  # publisher families that tell it
    sentence: int  # the earliest it is told: sentences of a report before it


# A sentence's end: ".", "!" or "?" (and a closing quote) before a space and a capital, not
# after an initial or a short title ("Mr. LaRue", "U. S."). Headline and dateline lines have
# no such end, so a report's lede is its sentence 0.
_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z])")


# A second sentence of a bottom line that says again what the first does ("Subryan was charged
# with vehicular manslaughter" twice over, as a development and as a claim) is left out.
SAME_SENTENCE = 0.6


def _in_reporters_words(text: str) -> bool:
    """Whether a sentence can stand in a bottom line, which is told in the reporter's words
    (see briefing.analysis.wording) and stands alone: not a sentence that needs the one before
    it ("They had located him", "But the five young men stood ...")."""
    opener = next(iter(text.split()), "").rstrip(",;:").lower()
    return in_reporters_words(text) and opener not in PRONOUN_OPENERS | LINKING_OPENERS


def _said_again(text: str, before: Iterable[str]) -> bool:
    """Whether a sentence says again what one of ``before`` says (see SAME_SENTENCE)."""
    return any(support(text, earlier) >= SAME_SENTENCE for earlier in before)


def sentence_ends(text: str) -> list[int]:
    """Where a report's sentences end (see _SENTENCE_END), in order."""
    return [m.start() for m in _SENTENCE_END.finditer(text)]


def _plain_claims(
    claims: Sequence[DigestClaim],
    family_of: Callable[[str], str],
    told_first: Callable[[list[EvidenceRef]], int],
    quoted: Callable[[EvidenceRef], bool],
) -> list[_Telling]:
    """Claims told plainly ("said", "reported": no denial, no hedge) by two or more publisher
    families, each in its words with who said them; not a quotation, which is the speaker's
    words, not the reporter's ('"This is a funny game," Manning said')."""
    out = []
    for claim in claims:
        first = claim.attributions[0]
        said = first.evidence[0].text if first.evidence else ""
        plainly = all(a.verb_class is ReportingVerb.REPORTED for a in claim.attributions)
        told_by = len({family_of(a.report_id) for a in claim.attributions})
        if not said or not plainly or hedged(said) or told_by < 2 or quoted(first.evidence[0]):
            continue
        refs = [a.evidence[0] for a in claim.attributions if a.evidence]
        text = f"{said.rstrip(' .,;:')}, according to {first.chain}"
        out.append(_Telling(text, told_by, told_first(refs)))
    return out


def _words(text: str, n: int = HEADLINE_WORDS) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


class DigestBuilder:
    """Builds digests from briefed reports. ``writer`` words the events (model or code)."""

    def __init__(
        self,
        writer: EventWriter,
        *,
        model: str,
        backend: str,
        prompt_versions: dict[str, str],
        data_versions: dict[str, str],
        params: ClusterParams = DEFAULT_PARAMS,
        signals: SignalsOf = analysis_signals,
        progress: Progress = lambda _m: None,
    ) -> None:
        self.writer = writer
        self.model = model
        self.backend = backend
        self.prompt_versions = {**prompt_versions, **writer.prompt_versions}
        self.data_versions = {**data_versions, "publishers": families().version}
        self.params = params
        self.signals = signals
        self.progress = progress

    def build(
        self,
        items: Sequence[DigestItem],
        *,
        since: dt.datetime,
        until: dt.datetime,
        filters: Filters | None = None,
        previous: Digest | None = None,
        digest_id: str | None = None,
        schedule_id: str | None = None,
    ) -> Digest:
        started = time.perf_counter()
        window = Window(since=since, until=until)
        quality = DigestQuality(
            degraded_briefs=sum(1 for i in items if i.brief.quality.degraded),
        )
        head = {
            "id": digest_id,
            "schedule_id": schedule_id,
            "previous_digest_id": previous.id if previous else None,
            "window": window,
            "filters": filters or Filters(),
        }
        if not items:
            fading = change_rules.faded(previous, set())
            return Digest(
                **head,
                empty=True,
                bluf=f"No reports in this window ({since:%Y-%m-%d %H:%M} to "
                f"{until:%Y-%m-%d %H:%M} UTC).",
                changes=fading,
                quality=quality,
                provenance=self._provenance(Usage(), items, started),
            )
        items = list(items)
        by_id = {i.id: i for i in items}
        checker = EvidenceChecker()
        for item in items:
            item.family = families().family_of(item.report.source, item.report.url)
            checker.add(item)
        originators = self._fold_duplicates(items)
        self.progress(f"{len(items)} reports, {len(originators)} after near-duplicates; clustering")
        groups = cluster([self.signals(i) for i in originators], self.params).groups()
        members: list[list[DigestItem]] = []
        for group in groups:
            ids = {originators[k].id for k in group}
            members.append([i for i in items if i.id in ids or i.carrier_of in ids])
        usage = Usage()
        events: list[Event] = []
        all_changes: list[Change] = []
        window_words = f"{since:%Y-%m-%d} to {until:%Y-%m-%d}"
        for n, event_items in enumerate(members, 1):
            self.progress(f"event {n}/{len(members)}: {len(event_items)} report(s)")
            event, used = self._event(event_items, by_id, checker, quality, window_words)
            usage = usage.add(used)
            event, event_changes = change_rules.carry_over(event, previous)
            events.append(event)
            all_changes += event_changes
        all_changes += change_rules.faded(previous, {e.id for e in events})
        events = self._rank(events, since, until)
        quality.dropped_evidence = checker.dropped
        if checker.dropped:
            quality.warnings.append(
                f"{checker.dropped} evidence span(s) no longer matched their report text and "
                "were left out"
            )
        event_of = {rid: e.id for e in events for rid in e.reports}
        reports = [
            DigestReport(
                id=i.id,
                title=i.report.title,
                source=i.report.source,
                url=i.report.url,
                published=i.report.published,
                family=i.family,
                brief_id=i.brief_id,
                carrier_of=i.carrier_of,
                event_id=event_of.get(i.id),
            )
            for i in items
        ]
        # Sources a report does not identify ("police", "officials") are not one source across
        # reports; their claims count as the unnamed source of their publisher.
        told_sources = [(i, s) for i in items for s in i.brief.sources if s.identified]
        return Digest(
            **head,
            bluf=self._overall_bluf(events, items, all_changes, previous),
            events=events,
            continuing=[e.id for e in events if e.phase is Phase.CONTINUING],
            changes=all_changes,
            reports=reports,
            sources=rollup_sources(told_sources),
            quality=quality,
            provenance=self._provenance(usage, items, started),
        )

    # -- steps ---------------------------------------------------------------------------

    def _fold_duplicates(self, items: list[DigestItem]) -> list[DigestItem]:
        """Near-duplicates: the earliest report of each group is the originator, the others
        its carriers. Returns the originators."""
        originators = []
        for group in near_duplicates([i.report.text for i in items]):
            ordered = sorted((items[k] for k in group), key=lambda i: (i.when, i.received, i.id))
            origin = ordered[0]
            for carrier in ordered[1:]:
                carrier.carrier_of = origin.id
            originators.append(origin)
        return originators

    def _event(
        self,
        items: list[DigestItem],
        by_id: dict[str, DigestItem],
        checker: EvidenceChecker,
        quality: DigestQuality,
        window: str,
    ) -> tuple[Event, Usage]:
        def family_of(item: DigestItem) -> str:
            return effective_family(item, by_id)

        actors = merge_actors([(i, a) for i in items for a in i.brief.actors], checker)

        # A headline line is no development of the timeline: the event has its headline, and
        # the body tells the same in sentences ("Microsoft rushes urgent fix for Internet
        # Explorer"). A longer line without a full stop is a lede, and stays ("Peaceful protest
        # for Kimani Gray turned chaotic tonight as 100 people rioted and threw bottles at ...").
        def headline(item: DigestItem, d: Development) -> bool:
            return len(d.what.split()) <= HEADLINE_WORDS and all(
                heading_line(item.report.text, e.start, e.end) for e in d.evidence
            )

        told_devs = [
            (i, d)
            for i in items
            for d in i.brief.developments
            if len(content_words(d.what)) >= MIN_DEVELOPMENT_WORDS and not headline(i, d)
        ]
        told_claims = [(i, c) for i in items for c in i.brief.claims]
        merged = merge_developments(told_devs, checker, family_of)
        timeline = [m.item for m in merged]
        source_rows, rolled = roll_up(
            [(i, s) for i in items for s in i.brief.sources if s.identified]
        )
        claims = merge_claims(told_claims, checker, family_of, rolled)
        tellings = tellings_of(told_claims, told_devs)
        contradictions = (
            figure_contradictions(tellings, checker, family_of)
            + denial_contradictions(tellings, checker, family_of)
            + date_contradictions(merged, checker, family_of)
        )
        # Places, less the names that are the event's actors: as in a brief, but across its
        # reports ("Trend Micro", a company, that one report's parser took for a place).
        actor_names = {normalize_name(n) for a in actors for n in (a.name, *a.aliases)}
        # Most named first (the island the quake struck before a town one report mentions).
        places: dict[str, str] = {}
        naming: Counter[str] = Counter()
        for item in items:
            keys = set()
            for place in item.brief.places:
                if (key := place_key(place.name)) not in actor_names:
                    places.setdefault(key, place.name)
                    keys.add(key)
            naming.update(keys)
        originators = [i for i in items if i.carrier_of is None]
        fams = list(dict.fromkeys(family_of(i) for i in items))
        # The lead report: the one naming most of the actors that several reports share.
        shared = {
            normalize_name(f) for a in actors if len(a.reports) > 1 for f in (a.name, *a.aliases)
        }

        def centrality(i: DigestItem) -> tuple[int, int]:
            names = {normalize_name(f) for a in i.brief.actors for f in (a.name, *a.aliases)}
            return len(names & shared), len(i.brief.developments)

        lead = max(originators, key=centrality)
        # Code's wording, in the reports' own words (see the bottom line below): developments
        # ordered news before background (a development dated well before the reports' own
        # days, such as a suspect's past convictions, is context, never the event's headline),
        # the most widely told first, and among those told as widely, what happened before
        # what someone is ("X is a convicted offender": a description, see
        # briefing.analysis.states).
        earliest = min(i.day for i in items)

        def background(d: DigestDevelopment) -> bool:
            last = d.when_end or d.when
            return last is not None and (earliest - last).days > BACKGROUND_DAYS

        def standing(d: DigestDevelopment) -> tuple[bool, int]:
            return background(d), -len(d.families)

        told = sorted(
            timeline,
            key=lambda d: (*standing(d), -len(d.reports), d.evidence[0].report_id != lead.id),
        )
        # Parsed only where it can matter: the lines the model is shown (a bounded cost however
        # many developments a large event has); the sort is stable, so ties keep their order.
        # Among those, a sentence of a report's body before a headline line ("Texas Prison
        # Escapee Added to ... List": grounded, but no sentence of a bottom line).
        texts = {i.id: i.report.text for i in items}

        def heading(d: DigestDevelopment) -> bool:
            ref = d.evidence[0]
            return ref.report_id in texts and heading_line(texts[ref.report_id], ref.start, ref.end)

        told[:MAX_ITEMS] = sorted(
            told[:MAX_ITEMS],
            key=lambda d: (*standing(d), heading(d), states_a_fact(d.evidence[0].text)),
        )

        # The bottom line: what the reports' ledes tell. A news report says what happened in
        # its first sentences and gives context after (an earlier robbery, what a spokesman
        # thinks of it), so of the developments and plainly told claims that two or more
        # publishers tell, those told within a report's first LEDE_SENTENCES sentences come
        # first, then the most widely told. A claim keeps who said it ("Four men rammed their
        # car into a jewellery store ..., according to a police source"): what happened is
        # often told only as what police said. Never a hedged sentence ("Ortiz probably died
        # instantly") or a headline line ("RIP LA County Sheriff Deputy Jerry Ortiz").
        def plain(d: DigestDevelopment) -> bool:
            return not heading(d) and not hedged(d.evidence[0].text)

        ends = {i.id: sentence_ends(i.report.text) for i in items}

        def told_first(refs: Iterable[EvidenceRef]) -> int:
            """How early the reports tell it: the median over its reports of how many
            sentences come before it (one report that puts a remark first is not enough)."""
            at: dict[str, int] = {}
            for r in refs:
                k = bisect.bisect_left(ends.get(r.report_id, []), r.start)
                at[r.report_id] = min(at.get(r.report_id, k), k)
            return statistics.median_low(at.values())

        # Nor what someone says a person or thing is, cut from their sentence ("Kenneth Dorsey
        # says [the woman accused of killing two co-workers ... is a good person]"): a reported
        # clause (it opens in lower case) that describes, not one that tells what happened.
        def described(d: DigestDevelopment) -> bool:
            said = d.evidence[0].text.lstrip()
            return said[:1].islower() and states_a_fact(said)

        news = [d for d in told[:MAX_ITEMS] if not background(d) and plain(d) and not described(d)]
        candidates = [
            _Telling(d.evidence[0].text, len(d.families), told_first(d.evidence))
            for d in news
            if len(d.families) >= 2
        ] + _plain_claims(
            claims,
            lambda rid: family_of(by_id[rid]),
            told_first,
            lambda ref: after_quotation_mark(by_id[ref.report_id].report.text, ref.start),
        )
        candidates.sort(key=lambda c: (c.sentence >= LEDE_SENTENCES, -c.families))
        chosen: list[_Telling] = []
        for c in candidates:
            if _in_reporters_words(c.text) and not _said_again(c.text, (k.text for k in chosen)):
                chosen.append(c)
        # Where no two publishers tell anything in their ledes, the lead report's first
        # development that is news opens the bottom line (a news report says what happened
        # first), then what most publishers tell.
        opening = sorted(
            (
                d
                for d in news
                if d.evidence[0].report_id == lead.id and _in_reporters_words(d.evidence[0].text)
            ),
            key=lambda d: d.evidence[0].start,
        )
        if chosen and chosen[0].sentence < LEDE_SENTENCES:
            sentences = [c.text for c in chosen[:2]]
        else:
            first = [d.evidence[0].text for d in opening[:1]]
            more = [c.text for c in chosen if not _said_again(c.text, first)]
            sentences = (first + more)[:2] or [d.evidence[0].text for d in told[:1]]
        # Each a sentence of its own, so it opens with a capital ("the epicenter was ..." is a
        # reported clause: 'officials said the epicenter was ...').
        top = [(t := " ".join(s.split()))[:1].upper() + t[1:] for s in sentences]
        lead_words = top[0] if top else " ".join(lead.report.text.split()[:40])
        # The headline: a report's own, the lead's first, then the next most central
        # report's; a sentence cut short only when no report has one.
        ranked = sorted(originators, key=centrality, reverse=True)  # stable: the lead first
        headlines = (i.report.title or headline_line(i.report.text) for i in ranked)
        fallback_headline = _words(next((h for h in headlines if h), lead_words)) or (
            "Untitled event"
        )
        fallback_bluf = " ".join(t if t.endswith((".", "!", "?")) else t + "." for t in top) or (
            lead_words
        )
        lines = [f"{d.when or 'undated'}: {d.what}" for d in told]
        lines += [f"{c.attributions[0].chain}: {c.statement}" for c in claims]
        wording = self.writer.write(window, originators, lines, fallback_headline, fallback_bluf)
        quality.warnings += wording.warnings
        quality.degraded = quality.degraded or wording.degraded
        evidence = [ref for d in timeline for ref in d.evidence] + [
            ref for c in claims for a in c.attributions for ref in a.evidence
        ]
        bluf_evidence = _best_evidence(wording.bluf, evidence)
        key = hashlib.sha1("|".join(sorted(i.id for i in originators)).encode()).hexdigest()[:12]
        event = Event(
            id=f"ev-{key}",
            headline=wording.headline,
            bluf=wording.bluf,
            bluf_evidence=bluf_evidence,
            first_seen=min(i.when for i in items),
            last_seen=max(i.when for i in items),
            rank=1,
            score=0.0,
            reports=[i.id for i in items],
            originators=len(originators),
            families=fams,
            actors=actors,
            places=[places[k] for k in sorted(places, key=lambda k: (-naming[k], places[k]))],
            timeline=timeline,
            claims=claims,
            contradictions=contradictions,
            uncertainties=merge_uncertainties(originators, checker),
            sources=source_rows,
        )
        return event, wording.usage

    def _rank(self, events: list[Event], since: dt.datetime, until: dt.datetime) -> list[Event]:
        """Corroborated events (two or more publisher families) first, then by a score of
        independent families (3 each up to five, 0.2 for each more up to fifteen, so eleven
        families outrank eight whatever the seconds between them), the best source grade,
        recency and new developments. A single-source rumour never outranks a corroborated
        event; continuing events last."""
        span = max((until - since).total_seconds(), 1.0)

        def score(e: Event) -> float:
            best = max((GRADE_SCORE[s.reliability] for s in e.sources), default=0.3)
            recency = min(max((e.last_seen - since).total_seconds() / span, 0.0), 1.0)
            families = len(e.families)
            breadth = 3 * min(families, 5) + 0.2 * min(max(families - 5, 0), 10)
            return round(breadth + 2 * best + recency + 0.5 * min(e.new_developments, 4), 3)

        scored = [e.model_copy(update={"score": score(e)}) for e in events]
        scored.sort(
            key=lambda e: (e.phase is not Phase.CONTINUING, len(e.families) >= 2, e.score),
            reverse=True,
        )
        return [e.model_copy(update={"rank": n}) for n, e in enumerate(scored, 1)]

    def _overall_bluf(
        self,
        events: list[Event],
        items: Sequence[DigestItem],
        changes: list[Change],
        previous: Digest | None,
    ) -> str:
        news = [e for e in events if e.phase is not Phase.CONTINUING]
        families_all = {f for e in events for f in e.families}
        parts = [
            f"{len(news)} event(s) from {len(items)} report(s) by {len(families_all)} "
            "independent publisher(s)."
        ]
        tops = []
        for e in news[:3]:
            n = len(e.families)
            basis = f"{n} independent publishers" if n >= 2 else "single source"
            extra = f", {len(e.contradictions)} disputed point(s)" if e.contradictions else ""
            tops.append(f"{e.headline} ({basis}{extra})")
        if tops:
            parts.append("Top: " + "; ".join(tops) + ".")
        if previous is not None:
            counts = Counter(c.kind.value for c in changes)
            developing = sum(1 for e in events if e.phase is Phase.DEVELOPING)
            parts.append(
                f"Since the previous digest: {counts.get('new_event', 0)} new, {developing} "
                f"developing, {len(events) - len(news)} continuing with nothing new, "
                f"{counts.get('faded', 0)} faded."
            )
        return " ".join(parts)

    def _provenance(
        self, usage: Usage, items: Sequence[DigestItem], started: float
    ) -> DigestProvenance:
        return DigestProvenance(
            model=self.model,
            backend=self.backend,
            prompt_versions=self.prompt_versions,
            data_versions=self.data_versions,
            clustering={k: v for k, v in asdict(self.params).items()},
            code_version=code_version(),
            usage=usage,
            briefs_reused=sum(1 for i in items if i.reused),
            briefs_made=sum(1 for i in items if not i.reused),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
            created_at=dt.datetime.now(dt.UTC),
        )


def _best_evidence(text: str, refs: list[EvidenceRef], k: int = 2) -> list[EvidenceRef]:
    seen: set[tuple[str, int]] = set()
    unique = []
    for ref in refs:
        if (ref.report_id, ref.start) not in seen:
            seen.add((ref.report_id, ref.start))
            unique.append(ref)
    ranked = sorted(unique, key=lambda r: -support(text, r.text))[:k]
    return [r for r in ranked if support(text, r.text) > 0]
