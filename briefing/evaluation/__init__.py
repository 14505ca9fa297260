"""Evaluation on annotated news: ``briefing eval DATASET``."""
