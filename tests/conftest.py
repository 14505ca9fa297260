from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.ingest import load_report
from briefing.schemas.report import Report
from briefing.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "syria-leadership-2024-12-02.txt"
sys.path.insert(0, str(Path(__file__).parent))

# The names the brief of the example report must carry (issue: foundation, "done when").
EXPECTED_ACTORS = [
    "Sergey Kisel",
    "Alexander Chayko",
    "Aleksandr Moiseyev",
    "Dmitry Peskov",
    "Sergei Lavrov",
    "Hakan Fidan",
    "Abbas Araghchi",
    "Bashar al-Assad",
    "HUR",
    "ISW",
]


@pytest.fixture(autouse=True)
def _clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never see the developer's BRIEFING_ environment, and settings are re-read."""
    import os

    for key in list(os.environ):
        if key.startswith("BRIEFING_"):
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def example_report() -> Report:
    return load_report(EXAMPLE.read_bytes(), filename=EXAMPLE.name)


@pytest.fixture(scope="session")
def embedded_brief(example_report: Report):  # type: ignore[no-untyped-def]
    """One real brief of the example, on the real embedded model through its HTTP server."""
    from briefing.chains.brief import BriefChain

    return BriefChain(Settings()).run(example_report)
