"""Historian: SQLite (embedded default) and InfluxDB backends with store-and-forward (historian issue).

Consumes tag values from the tag bus; must not publish tag values back.
"""
