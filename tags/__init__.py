"""Tag model: quality codes, immutable tag values, the tag store and the in-process tag bus.

Owns the runtime state of every point. Must not know about drivers, rules, the historian or the
HMI: they depend on ``tags``, never the other way round.
"""

from tags.bus import Delivery, OverflowPolicy, Subscription, TagBus
from tags.quality import Quality, is_bad, is_good, is_uncertain, quality_name
from tags.store import TagStore, UnknownTagError
from tags.value import TagUpdate, TagValue

__all__ = [
    "Delivery",
    "OverflowPolicy",
    "Quality",
    "Subscription",
    "TagBus",
    "TagStore",
    "TagUpdate",
    "TagValue",
    "UnknownTagError",
    "is_bad",
    "is_good",
    "is_uncertain",
    "quality_name",
]
