"""Parties to conflicts: which side an actor speaks for, and who its adversaries are.

The parties and conflicts are data, not code: ``briefing/data/conflicts.yaml`` (versioned,
documented there), or the file ``BRIEFING_CONFLICTS_FILE`` names; the brief chain loads it
once, with its own settings. A state party is marked by
every name, nationality word and capital the gazetteer (:mod:`briefing.analysis.countries`)
knows for its country; other bodies by the names the file lists. A source on one side
reporting about an adversary has a stake (docs/ANALYTIC-STANDARDS.md): its uncorroborated
claims are graded no better than 3.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from briefing.analysis.countries import forms_of, gazetteer, same_country
from briefing.data import load, safe_load
from briefing.errors import ConfigError

_BODIES = ("government", "armed_forces", "intelligence", "armed_groups")


@dataclass(frozen=True)
class Conflict:
    name: str
    sides: tuple[frozenset[str], frozenset[str]]
    since: dt.date | None = None
    until: dt.date | None = None

    def active(self, on: dt.date | None) -> bool:
        if on is None:
            return True
        return (self.since is None or self.since <= on) and (self.until is None or on <= self.until)


@dataclass(frozen=True)
class ConflictData:
    version: str
    source: str  # the file it came from
    parties: dict[str, tuple[str, ...]]  # party -> the names that mark it
    conflicts: tuple[Conflict, ...]
    _pattern: re.Pattern[str]
    _exact: dict[str, str]  # acronym -> party (case matters: "IS" is not "is")
    _folded: dict[str, str]  # casefolded name -> party

    def sides_in(self, text: str) -> set[str]:
        """The parties a piece of text names (the longest name wins where names overlap:
        "Syrian opposition" is the opposition, not Syria)."""
        found = set()
        for match in self._pattern.finditer(text):
            word = match.group(1)
            party = self._exact.get(word) or self._folded.get(word.casefold())
            if party:
                found.add(party)
        return found

    def side_of(self, *descriptions: str | None) -> str | None:
        """The party an actor belongs to, from its name, aliases, affiliation and role: the
        first description that names exactly one party."""
        for text in descriptions:
            if text:
                found = self.sides_in(text)
                if len(found) == 1:
                    return found.pop()
        return None

    def adversaries_of(self, side: str, on: dt.date | None = None) -> set[str]:
        """The parties fighting ``side`` in a conflict active on ``on`` (any, if no date)."""
        out: set[str] = set()
        for conflict in self.conflicts:
            if not conflict.active(on):
                continue
            a, b = conflict.sides
            if side in a:
                out |= b
            elif side in b:
                out |= a
        return out


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not an ISO date") from None


def parse_conflicts(data: dict[str, Any], source: str) -> ConflictData:
    """Check and index the conflicts data; any mistake is a :class:`ConfigError` naming it."""
    if not isinstance(data, dict) or not isinstance(data.get("parties"), dict):
        raise ConfigError(f"{source}: expected a mapping with 'parties' and 'conflicts'")
    parties: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for party, entry in data["parties"].items():
        entry = entry or {}
        unknown = set(entry) - {"state", *_BODIES}
        if unknown:
            raise ConfigError(f"{source}: party {party!r} has unknown fields {sorted(unknown)}")
        names: list[str] = []
        state = entry.get("state")
        if state:
            country = same_country(str(state))
            if country is None:
                raise ConfigError(f"{source}: party {party!r}: no country called {state!r}")
            names += forms_of(country)
            capital = gazetteer().capitals.get(country)
            if capital:
                names.append(capital)
        for body in _BODIES:
            names += [str(n) for n in entry.get(body) or []]
        for name in names:
            key = name if _is_acronym(name) else name.casefold()
            if owner.setdefault(key, party) != party:
                raise ConfigError(
                    f"{source}: {name!r} is listed under both {owner[key]!r} and {party!r}"
                )
        parties[str(party)] = tuple(dict.fromkeys(names))
    conflicts = []
    for i, row in enumerate(data.get("conflicts") or [], 1):
        where = f"{source}: conflict {i} ({row.get('name', 'unnamed')})"
        sides = row.get("sides") or []
        if len(sides) != 2:
            raise ConfigError(f"{where}: 'sides' must hold two lists of parties")
        for side in sides:
            for party in side:
                if party not in parties:
                    raise ConfigError(f"{where}: {party!r} is not among the parties")
        conflicts.append(
            Conflict(
                name=str(row.get("name", f"conflict {i}")),
                sides=(frozenset(sides[0]), frozenset(sides[1])),
                since=_date(row.get("since"), where),
                until=_date(row.get("until"), where),
            )
        )
    every = sorted(owner, key=len, reverse=True)
    alternatives = "|".join(
        re.escape(n) if _is_acronym(n) else f"(?i:{re.escape(n)})" for n in every
    )
    pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")
    return ConflictData(
        version=str(data.get("version", "")),
        source=source,
        parties=parties,
        conflicts=tuple(conflicts),
        _pattern=pattern,
        _exact={k: v for k, v in owner.items() if _is_acronym(k)},
        _folded={k: v for k, v in owner.items() if not _is_acronym(k)},
    )


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) <= 6


@lru_cache(maxsize=4)
def load_conflicts(path: Path | None = None) -> ConflictData:
    """The conflicts data: the file at ``path``, else the one shipped in the package."""
    if path is None:
        return parse_conflicts(load("conflicts"), "briefing/data/conflicts.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"BRIEFING_CONFLICTS_FILE cannot be read: {exc}") from None
    source = str(path)
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from None
    return parse_conflicts(data, source)
