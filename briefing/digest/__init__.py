"""Digests: the reports of a window folded into ranked events with corroboration,
contradictions and what changed (``pipeline``), on a schedule (``scheduler``), delivered
(``publish``, ``jobs``)."""
