"""The analytic scales of docs/ANALYTIC-STANDARDS.md: Admiralty code and ICD 203 terms."""

from __future__ import annotations

from enum import StrEnum


class Reliability(StrEnum):
    """Source reliability (NATO / Admiralty code, STANAG 2511)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"

    @property
    def label(self) -> str:
        return RELIABILITY_LABELS[self]


RELIABILITY_LABELS: dict[Reliability, str] = {
    Reliability.A: "Completely reliable",
    Reliability.B: "Usually reliable",
    Reliability.C: "Fairly reliable",
    Reliability.D: "Not usually reliable",
    Reliability.E: "Unreliable",
    Reliability.F: "Reliability cannot be judged",
}

# Information credibility, 1..6, graded independently of the source.
CREDIBILITY_LABELS: dict[int, str] = {
    1: "Confirmed by other, independent sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}


class Likelihood(StrEnum):
    """ICD 203 estimative language, one row of terms used consistently."""

    ALMOST_NO_CHANCE = "almost no chance"
    VERY_UNLIKELY = "very unlikely"
    UNLIKELY = "unlikely"
    ROUGHLY_EVEN_CHANCE = "roughly even chance"
    LIKELY = "likely"
    VERY_LIKELY = "very likely"
    ALMOST_CERTAIN = "almost certain"

    @property
    def band(self) -> tuple[int, int]:
        """The probability band in percent."""
        return LIKELIHOOD_BANDS[self]


LIKELIHOOD_BANDS: dict[Likelihood, tuple[int, int]] = {
    Likelihood.ALMOST_NO_CHANCE: (1, 5),
    Likelihood.VERY_UNLIKELY: (5, 20),
    Likelihood.UNLIKELY: (20, 45),
    Likelihood.ROUGHLY_EVEN_CHANCE: (45, 55),
    Likelihood.LIKELY: (55, 80),
    Likelihood.VERY_LIKELY: (80, 95),
    Likelihood.ALMOST_CERTAIN: (95, 99),
}


class Confidence(StrEnum):
    """Confidence in the evidence base, separate from likelihood."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
