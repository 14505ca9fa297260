"""Prompt templates: versioned YAML files under ``briefing/prompts/<task>/<version>.yaml``
(inside the package, so that an installed wheel can brief).

A file is parsed into :class:`PromptTemplate`, which forbids unknown keys and checks that the
variables it declares are exactly those its text uses. New wording is a new version; every
brief records the versions that made it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from briefing.errors import ConfigError

_VERSION = re.compile(r"^v\d+$")


class PromptTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    version: str = Field(pattern=r"^v\d+$")
    description: str
    variables: list[str] = Field(description="Exactly the {placeholders} the texts use.")
    system: str = ""
    template: str

    @model_validator(mode="after")
    def _variables_match(self) -> PromptTemplate:
        used = set(self.chat_prompt().input_variables)
        declared = set(self.variables)
        if used != declared:
            raise ValueError(
                f"declared variables {sorted(declared)} but the texts use {sorted(used)}"
            )
        return self

    def chat_prompt(self) -> ChatPromptTemplate:
        messages = [("system", self.system)] if self.system else []
        messages.append(("human", self.template))
        return ChatPromptTemplate.from_messages(messages, template_format="f-string")

    @property
    def ref(self) -> str:
        return f"{self.task}/{self.version}"


def load_prompt_file(path: Path) -> PromptTemplate:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"prompt file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"prompt file {path} must hold a YAML mapping")
    data.setdefault("task", path.parent.name)
    data.setdefault("version", path.stem)
    if data["task"] != path.parent.name or data["version"] != path.stem:
        raise ConfigError(f"prompt file {path} declares {data['task']}/{data['version']}")
    try:
        return PromptTemplate.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"prompt file {path} is invalid: {exc}") from None


def available_versions(prompts_dir: Path, task: str) -> list[str]:
    folder = prompts_dir / task
    versions = [p.stem for p in folder.glob("v*.yaml") if _VERSION.match(p.stem)]
    return sorted(versions, key=lambda v: int(v[1:]))


@lru_cache(maxsize=64)
def load_prompt(prompts_dir: Path, task: str, version: str | None = None) -> PromptTemplate:
    """The prompt for ``task``: the given version, else the newest file."""
    if version is None:
        versions = available_versions(prompts_dir, task)
        if not versions:
            raise ConfigError(f"no prompt files for task {task!r} under {prompts_dir}")
        version = versions[-1]
    path = prompts_dir / task / f"{version}.yaml"
    if not path.is_file():
        raise ConfigError(f"prompt {task}/{version} not found at {path}")
    return load_prompt_file(path)
