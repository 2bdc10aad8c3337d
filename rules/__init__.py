"""Alarm rules: limit, rate, deviation, quality and compound rules on durable-rules (alarm-engine issue).

Consumes tag values from the tag bus; must not write to drivers or the tag store.
"""
