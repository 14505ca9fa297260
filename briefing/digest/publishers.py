"""Publisher families: which outlets count as one source when corroboration is counted.

Outlets under one owner or one state, and a wire service with the copy it syndicates, are one
family (``briefing/data/publishers.yaml``, versioned, editable). Independence is counted over
families, not feeds or domains: a public digest found a third of its "corroborated" stories
came from one publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from briefing.data import load
from briefing.errors import ConfigError


@dataclass(frozen=True)
class Families:
    version: str
    by_name: dict[str, str]  # casefolded outlet name -> family
    by_domain: dict[str, str]  # host -> family

    def family_of(self, source: str | None = None, url: str | None = None) -> str | None:
        """The family of a report's outlet, from its URL's host (subdomains included), else
        its source name; an outlet in no family is its own (its host, else its name)."""
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
        parts = host.split(".")
        for i in range(len(parts) - 1):
            family = self.by_domain.get(".".join(parts[i:]))
            if family:
                return family
        if source and source.strip():
            family = self.by_name.get(source.strip().casefold())
            if family:
                return family
        return host or (source.strip() if source and source.strip() else None)


@lru_cache(maxsize=1)
def families() -> Families:
    data = load("publishers")
    by_name: dict[str, str] = {}
    by_domain: dict[str, str] = {}
    for family, entry in (data.get("families") or {}).items():
        for name in entry.get("names") or []:
            key = str(name).casefold()
            if by_name.setdefault(key, family) != family:
                raise ConfigError(f"publishers.yaml: {name!r} is in two families")
        for domain in entry.get("domains") or []:
            if by_domain.setdefault(str(domain).lower(), family) != family:
                raise ConfigError(f"publishers.yaml: {domain!r} is in two families")
    return Families(version=str(data.get("version", "")), by_name=by_name, by_domain=by_domain)
