"""The model writes each event's headline and bottom line: one call per event, never per report.

The call goes through the brief chain's structured caller (same backend, cache, caps, timeouts
and repair loop) with the versioned ``digest_event`` prompt. What comes back passes the briefs'
guards (no name or number the event's reports lack, no word found only in a suspected prompt
injection, each sentence's words found in one of the items it was given) and one more: no
content word that none of the event's reports uses, whatever its stem's ending (a 135M model
wrote a conviction for "possession of child pornography" that no report mentions, each of
its other words in one item), and no headline or leading sentence that opens with a pronoun
("She is now serving life…" names no one); otherwise, or when
the model fails, code's wording stands and the digest says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from briefing.analysis.injection import find_injections, injected_only_words
from briefing.analysis.reference import opening_pronoun
from briefing.analysis.wording import hedged
from briefing.chains.brief import BriefChain
from briefing.chains.guards import checked_prose, support
from briefing.digest.inputs import DigestItem
from briefing.errors import ModelOutputError, ModelTimeoutError
from briefing.prompts import PromptTemplate, load_prompt
from briefing.schemas.brief import Usage
from briefing.schemas.draft import EventDraft

log = logging.getLogger(__name__)

MAX_ITEMS = 24  # lines of items in one prompt
HEADLINE_WORDS = 16


@dataclass
class Wording:
    headline: str
    bluf: str
    usage: Usage = field(default_factory=Usage)
    warnings: list[str] = field(default_factory=list)
    degraded: bool = False


class EventWriter:
    """Writes events' wording with the model (``chain``), or code only (``chain=None``)."""

    def __init__(self, chain: BriefChain | None, *, use_llm_cache: bool = True) -> None:
        self.chain = chain
        self.use_llm_cache = use_llm_cache
        self.prompt: PromptTemplate | None = (
            load_prompt(chain.settings.prompts_dir, "digest_event") if chain else None
        )

    @property
    def prompt_versions(self) -> dict[str, str]:
        return {self.prompt.task: self.prompt.version} if self.prompt else {}

    def write(
        self,
        window: str,
        items: Sequence[DigestItem],
        lines: Sequence[str],
        fallback_headline: str,
        fallback_bluf: str,
    ) -> Wording:
        if self.chain is None or self.prompt is None or not lines:
            return Wording(fallback_headline, fallback_bluf)
        shown = lines[:MAX_ITEMS]  # what the model is given, and what its words are checked on
        listing = "\n".join(f"- {line}" for line in shown)
        reports = "; ".join(
            f"{i.report.source or 'unknown source'}: {i.report.title or 'untitled'}"
            for i in items[:12]
        )
        messages = self.prompt.chat_prompt().format_messages(
            window=window, reports=reports, items=listing
        )
        try:
            result = self.chain.caller(use_llm_cache=self.use_llm_cache).call(messages, EventDraft)
        except (ModelOutputError, ModelTimeoutError) as exc:
            log.warning("event wording failed: %s", exc.message)
            usage = Usage.model_validate(getattr(exc, "usage", {}) or {})
            return Wording(
                fallback_headline,
                fallback_bluf,
                usage=usage,
                warnings=[f"the model's event wording failed ({exc.title}); code's wording used"],
                degraded=True,
            )
        source_text = "\n".join(i.report.text for i in items)
        injected: set[str] = set()
        for item in items:
            injected |= injected_only_words(item.report.text, find_injections(item.report.text))
        warnings: list[str] = []

        def check(section: str, written: str, fallback: str) -> str:
            # Against the one item that supports it best, not all of them together: an
            # event's items hold so many words that a made-up sentence finds most of its
            # words somewhere among them.
            best = max(shown, key=lambda line: support(written, line))
            return checked_prose(
                section,
                written,
                source_text=source_text,
                evidence=best,
                fallback=fallback,
                injected_words=injected,
                warnings=warnings,
                known_words_only=True,
            )

        headline = _trim(result.value.headline).rstrip(".")
        if len(headline.split()) > HEADLINE_WORDS:
            warnings.append("headline: model text too long; replaced by the reports' words")
            headline = ""
        headline = check("headline", headline, fallback_headline)
        if headline != fallback_headline and (pronoun := opening_pronoun(headline)):
            warnings.append(
                f"headline: opens with {pronoun!r}, naming no one; replaced by the reports' words"
            )
            headline = fallback_headline
        # Each sentence of the bottom line stands on its own: one that strays is dropped, the
        # others stay (a small model often adds a sentence of its own).
        kept = [
            s
            for n, s in enumerate(_SENTENCE_END.split(_trim(result.value.bluf)), 1)
            if s.strip() and check(f"bluf sentence {n}", s, "")
        ]
        # Read first and alone, the bottom line must say whom it is about: a leading sentence
        # that opens with "She" or "This" goes (a later one may point back at the first). Nor
        # may it lead with what someone thinks likely ("Ortiz probably died instantly"), as
        # code's bottom line never does; a later sentence may hedge.
        while kept:
            if pronoun := opening_pronoun(kept[0]):
                warnings.append(f"bluf: a sentence opens with {pronoun!r}, naming no one; dropped")
            elif hedged(kept[0]):
                warnings.append("bluf: the leading sentence hedges; dropped")
            else:
                break
            kept.pop(0)
        bluf = " ".join(kept) if kept else fallback_bluf
        return Wording(headline, bluf, usage=result.usage, warnings=warnings)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


# The name of the field a small model writes before its text ("the bottom line: Ortiz ...").
_LABEL = re.compile(r"^(?:the\s+)?(?:bottom\s+line|bluf|headline|summary)\s*[:\-–—]\s*", re.I)


def _trim(text: str) -> str:
    """Without stray JSON or markup characters at either end, nor a field's name before it."""
    text = text.strip().strip("{}[]<>\"'`|#* \n")
    unlabelled = _LABEL.sub("", text).strip()
    return unlabelled if unlabelled == text else unlabelled[:1].upper() + unlabelled[1:]
