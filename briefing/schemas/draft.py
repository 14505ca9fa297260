"""What the model writes: judgments about candidates the analysis pass found.

The model never invents actors or offsets. It refers to candidates by id (A3, D2, U1); the
JSON Schema sent to the backend lists those ids as enums, so constrained decoding cannot
produce others, and validation rejects unknown ids from backends that do not constrain.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from briefing.schemas.brief import ActorKind


class _Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _known_id(key: str) -> AfterValidator:
    """Reject an id that is not in ``context[key]`` (when the caller gives a context)."""

    def check(value: str, info: ValidationInfo) -> str:
        allowed = (info.context or {}).get(key)
        if allowed is not None and value not in allowed:
            raise ValueError(f"unknown id {value!r}; use one of {', '.join(sorted(allowed))}")
        return value

    return AfterValidator(check)


class ActorJudgment(_Draft):
    id: Annotated[str, _known_id("actor_ids")]
    kind: ActorKind


class DevelopmentJudgment(_Draft):
    id: Annotated[str, _known_id("development_ids")]
    what: str = Field(max_length=240)


class UncertaintyJudgment(_Draft):
    id: Annotated[str, _known_id("uncertainty_ids")]
    why: str = Field(max_length=240)


class SideJudgment(_Draft):
    """A side the model proposes for a source the conflicts data does not place."""

    id: Annotated[str, _known_id("source_ids")]
    side: str = Field(max_length=80, description="The party the source speaks for.")
    opposes: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=4, description="The parties it fights."
    )
    rationale: str = Field(max_length=240)


class BlufDraft(_Draft):
    """The reduce step of a long report: one bottom line from the chunks' bottom lines."""

    bluf: str = Field(max_length=600)


class BriefDraft(_Draft):
    bluf: str = Field(max_length=600, description="Bottom line up front, 1-3 sentences.")
    actors: list[ActorJudgment] = Field(default_factory=list)
    developments: list[DevelopmentJudgment] = Field(default_factory=list)
    uncertainties: list[UncertaintyJudgment] = Field(default_factory=list)
    sides: list[SideJudgment] = Field(default_factory=list)


_ID_FIELDS = {
    "ActorJudgment": ("actors", "actor_ids"),
    "DevelopmentJudgment": ("developments", "development_ids"),
    "UncertaintyJudgment": ("uncertainties", "uncertainty_ids"),
    "SideJudgment": ("sides", "source_ids"),
}


def draft_json_schema(ids: dict[str, list[str]]) -> dict[str, Any]:
    """The draft schema with each id field limited to this report's candidate ids.

    A section with no candidates is limited to an empty list.
    """
    schema = copy.deepcopy(BriefDraft.model_json_schema())
    defs = schema.get("$defs", {})
    for def_name, (section, key) in _ID_FIELDS.items():
        allowed = ids.get(key, [])
        prop = schema["properties"][section]
        prop.pop("default", None)
        if allowed:
            defs[def_name]["properties"]["id"] = {"type": "string", "enum": allowed}
            prop["maxItems"] = len(allowed)
        else:
            prop["maxItems"] = 0
    schema["required"] = ["bluf", *(_ID_FIELDS[d][0] for d in _ID_FIELDS)]
    return schema


class EventDraft(_Draft):
    """A digest event's wording: one call per event."""

    headline: str = Field(max_length=200, description="What happened, at most 12 words.")
    bluf: str = Field(max_length=600, description="Bottom line, 1-2 sentences.")
