"""One way to set up the digest pipeline on a brief chain, for the service and the CLI alike."""

from __future__ import annotations

from collections.abc import Callable

from briefing.chains.brief import BriefChain
from briefing.digest.pipeline import DigestBuilder
from briefing.digest.writer import EventWriter


def digest_builder(
    chain: BriefChain,
    *,
    use_model: bool = True,
    use_llm_cache: bool = True,
    progress: Callable[[str], None] = lambda _m: None,
) -> DigestBuilder:
    """A builder that words events with ``chain``'s model (or code only: ``use_model=False``)
    and records the chain's model, prompts and data versions."""
    settings = chain.settings
    writer = EventWriter(chain if use_model else None, use_llm_cache=use_llm_cache)
    return DigestBuilder(
        writer,
        model=settings.llm_model if use_model else "none (code only)",
        backend=(settings.llm_base_url or "embedded") if use_model else "none",
        prompt_versions=chain.prompt_versions,
        data_versions=chain.data_versions,
        progress=progress,
    )
