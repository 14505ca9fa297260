"""Digests: many reports clustered into events (clustering first; see cluster.py)."""
