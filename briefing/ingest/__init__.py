"""Ingest: decode, detect the format, parse metadata, normalize; keep offsets honest."""

from briefing.ingest.reader import load_report
from briefing.ingest.textmap import TextMap, build_text_map

__all__ = ["TextMap", "build_text_map", "load_report"]
