"""The naive baseline: one LLM call per brief section, each sending the whole report."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from briefing.llm.structured import StructuredCaller
from briefing.prompts import load_prompt
from briefing.schemas.brief import Usage
from briefing.schemas.report import Report

PROMPTS = Path(__file__).resolve().parent / "prompts"


class _Items(BaseModel):
    items: list[str] = Field(default_factory=list, max_length=12)


class _Bluf(BaseModel):
    bluf: str = Field(max_length=600)


SECTIONS: list[tuple[str, str, type[BaseModel]]] = [
    ("actors", 'List the key actors (people, organizations, states) as "items".', _Items),
    ("developments", 'List what happened, one short sentence each, as "items".', _Items),
    ("claims", 'List who claimed what ("X says Y"), as "items".', _Items),
    ("uncertainties", 'List what is uncertain and why, as "items".', _Items),
    ("sources", 'List the sources with a reliability grade A-F, as "items".', _Items),
    ("bluf", 'Give the bottom line up front in 1-3 sentences as "bluf".', _Bluf),
]


def naive_brief(caller: StructuredCaller, report: Report) -> tuple[dict[str, object], Usage]:
    prompt = load_prompt(PROMPTS, "naive")
    usage = Usage()
    out: dict[str, object] = {}
    for section, instructions, model in SECTIONS:
        messages = prompt.chat_prompt().format_messages(
            section=section, instructions=instructions, report=report.text
        )
        result = caller.call(messages, model)
        usage = usage.add(result.usage)
        out[section] = result.value.model_dump()
    return out, usage
