"""Countries, their other names and their nationality words, from a maintained gazetteer.

The names, alternative spellings and demonyms come from the ``countryinfo`` package (MIT);
``briefing/data/countries.yaml`` adds what it lacks (people words such as "Pole" or "Britons",
news spellings such as "U.S.", regions). A nationality word in a report ("Iraqi forces", "the
Dutch") points at its country as an actor, so the analysis pass files it under that country.
Regular forms not listed anywhere (a demonym's plural) are derived; the pass also catches
others by their shared prefix with a country named in the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from briefing.data import load


@dataclass
class Gazetteer:
    by_demonym: dict[str, str] = field(default_factory=dict)  # casefolded word -> country
    by_name: dict[str, str] = field(default_factory=dict)  # casefolded, dotless name -> country
    demonyms: dict[str, list[str]] = field(default_factory=dict)  # country -> its words
    names: dict[str, list[str]] = field(default_factory=dict)  # country -> its names
    capitals: dict[str, str] = field(default_factory=dict)  # country -> capital city
    version: str = ""


def _key(name: str) -> str:
    return name.strip().casefold().replace(".", "")


def plural(word: str) -> str:
    """ "Iraqi" -> "Iraqis"; words that do not take an -s ("French", "Chinese") stay."""
    return word if word.endswith(("sh", "ch", "ese", "ss", "s")) else word + "s"


_WORDY = re.compile(r"^[A-Z][A-Za-z .'-]+$")  # names of Latin letters, not codes or scripts


def _usable_alias(alias: str, codes: set[str]) -> bool:
    alias = alias.strip()
    if not alias or alias in codes or not _WORDY.match(alias):
        return False
    return not (alias.isupper() and len(alias) <= 3)  # ISO-like codes ("RUS", "AF")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Built once per process from countryinfo and the supplement file."""
    from countryinfo import all_countries

    g = Gazetteer()
    population: dict[str, int] = {}
    rows: list[dict[str, Any]] = [dict(c.info()) for c in all_countries()]
    # Territories share demonyms with their states ("Indian", "American"): the most populous
    # country keeps the word.
    rows.sort(key=lambda r: -(r.get("population") or 0))
    for row in rows:
        name = row.get("name")
        if not isinstance(name, str) or name in g.names:
            continue
        iso = row.get("ISO") or {}
        codes = {str(v) for v in iso.values()} if isinstance(iso, dict) else set()
        aliases = [a for a in row.get("altSpellings") or [] if _usable_alias(a, codes)]
        g.names[name] = [name, *aliases]
        population[name] = int(row.get("population") or 0)
        words = [w.strip() for w in re.split(r"[,/]", str(row.get("demonym") or "")) if w.strip()]
        g.demonyms[name] = [x for w in words for x in dict.fromkeys([w, plural(w)])]
        capital = row.get("capital")
        if isinstance(capital, str) and capital:
            g.capitals[name] = capital
    supplement = load("countries")
    g.version = str(supplement.get("version", ""))
    for name, extra in (supplement.get("countries") or {}).items():
        g.names.setdefault(name, [name]).extend(extra.get("names") or [])
        g.demonyms.setdefault(name, []).extend(extra.get("nationality") or [])
    for name, names in g.names.items():
        for alias in names:
            g.by_name.setdefault(_key(alias), name)
    for name, words in g.demonyms.items():
        for word in words:
            g.by_demonym.setdefault(word.casefold(), name)
    return g


def country_of(word: str) -> str | None:
    """The country a nationality word names: "Dutch" -> "Netherlands"."""
    return gazetteer().by_demonym.get(word.strip().casefold())


def same_country(name: str) -> str | None:
    """The gazetteer's name for a country written another way: "U.S." -> "United States"."""
    return gazetteer().by_name.get(_key(name))


def demonyms() -> list[str]:
    """Every nationality word the gazetteer knows."""
    return [w for words in gazetteer().demonyms.values() for w in words]


def forms_of(country: str) -> list[str]:
    """A country's names and nationality words ("Russia", "Russian Federation", "Russian",
    "Russians"), for matching text that names it."""
    g = gazetteer()
    canonical = same_country(country) or country
    return [*g.names.get(canonical, [country]), *g.demonyms.get(canonical, [])]
