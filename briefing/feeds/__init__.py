"""Feeds: RSS and Atom subscriptions whose items become reports (fetch, parse, poll)."""
