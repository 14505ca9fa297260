"""What the analysis pass finds. All offsets index into the report text."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from briefing.schemas.brief import ActorKind, ReportingVerb
from briefing.schemas.span import Span


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sentence(_Frozen):
    index: int
    span: Span
    verbless: bool = Field(
        default=False,
        description="It has no verb: a credit, caption or byline ('(Fox News article).', "
        "'On behalf of Newman, Anzalone & Newman, LLP.'), not a sentence of what happened.",
    )
    quoted: bool = Field(
        default=False,
        description="It opens inside a quotation an earlier sentence of its line opened "
        "('\"She was kind. She loved the Lord,\" he said': the second sentence).",
    )


class Mention(_Frozen):
    span: Span
    label: str = Field(description="spaCy entity label: PERSON, ORG, GPE, NORP, LOC, FAC...")
    sentence: int


class ActorCandidate(_Frozen):
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    label: str
    kind: ActorKind
    role: str | None = None
    affiliation: str | None = None
    mentions: tuple[Mention, ...]


class Attribution(_Frozen):
    """A speech act: who said (noted, claimed...) what, with the report's verb."""

    id: str
    sentence: int
    speaker: str = Field(description="The speaker's words, e.g. 'HUR' or 'the report'.")
    actor_id: str | None = Field(description="The actor the speaker resolves to, if any.")
    verb: Span
    verb_class: ReportingVerb
    content: Span = Field(description="What was said.")
    origin_actor_id: str | None = Field(
        default=None, description="Who the speaker cites ('ISW, citing HUR' -> HUR), if anyone."
    )
    said_on: dt.date | None = Field(default=None, description="When it was said, if dated.")
    said_on_text: str | None = None
    speaker_span: Span | None = Field(default=None, description="The speaker's words, if any.")
    anonymous: bool = Field(
        default=False,
        description="The speaker's words name no one: common nouns only ('police', 'a source "
        "close to the talks'), no proper noun and no pronoun standing alone.",
    )
    speaker_named: bool = Field(
        default=False,
        description="The speaker's words hold a proper noun ('Lyons', 'WCCO-TV'), whether or "
        "not an actor stands for them.",
    )


class DateExpression(_Frozen):
    span: Span
    sentence: int
    value: dt.date | None = Field(default=None, description="Resolved against the report date.")
    end: dt.date | None = Field(default=None, description="Last day, for a range.")


class Hedge(_Frozen):
    span: Span
    sentence: int
    cue: str = Field(description="The normalized hedge cue, e.g. 'reportedly'.")


class Injection(_Frozen):
    """A passage that reads as instructions to a model: withheld from it, flagged."""

    span: Span
    kind: str


class Analysis(_Frozen):
    sentences: tuple[Sentence, ...]
    actors: tuple[ActorCandidate, ...]
    locations: tuple[Mention, ...]
    attributions: tuple[Attribution, ...]
    dates: tuple[DateExpression, ...]
    hedges: tuple[Hedge, ...]
    injections: tuple[Injection, ...] = ()
    report_date: dt.date | None = Field(
        default=None,
        description="The day relative dates were resolved against: the report's published "
        "date, else the full date on one of its first lines (its dateline).",
    )
    elapsed_ms: float = 0.0

    def actor(self, actor_id: str) -> ActorCandidate | None:
        return next((a for a in self.actors if a.id == actor_id), None)
