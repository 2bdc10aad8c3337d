"""Turn a raw engineering value into a tag update with the right quality.

Rules (in order): a point declared out of service → Bad_OutOfService; a NaN or infinite value →
Bad_SensorFailure; a value outside the instrument range → Uncertain_EngineeringUnitsExceeded or
Bad_OutOfRange (per point, ``out_of_range_quality``); otherwise the quality the device reported.
One ``PointConditioner`` per point, built once; ``condition`` runs on every sample.
"""

from __future__ import annotations

import math

from scada.config import PointRef
from tags import Quality, TagUpdate
from tags.quality import is_bad

_OUT_OF_RANGE = {"uncertain": int(Quality.UNCERTAIN_ENGINEERING_UNITS_EXCEEDED), "bad": int(Quality.BAD_OUT_OF_RANGE)}


class PointConditioner:
    __slots__ = ("high", "low", "out_of_range", "out_of_service", "tag")

    def __init__(self, ref: PointRef) -> None:
        self.tag = ref.tag
        self.low, self.high = ref.point.range
        self.out_of_range = _OUT_OF_RANGE[ref.point.out_of_range_quality]
        self.out_of_service = False

    def condition(self, value: float | int | bool | None, quality: int, source_time: float) -> TagUpdate:
        if self.out_of_service:
            return TagUpdate(self.tag, value, int(Quality.BAD_OUT_OF_SERVICE), source_time)
        if value is None or is_bad(quality):
            return TagUpdate(self.tag, value, quality, source_time)
        if isinstance(value, float) and not math.isfinite(value):
            return TagUpdate(self.tag, None, int(Quality.BAD_SENSOR_FAILURE), source_time)
        if not self.low <= value <= self.high:
            return TagUpdate(self.tag, value, self.out_of_range, source_time)
        return TagUpdate(self.tag, value, quality, source_time)

    def failed(self, last_value: float | int | bool | None, quality: int, source_time: float) -> TagUpdate:
        """The point's device could not be read: keep the last value, mark it with ``quality``."""
        code = int(Quality.BAD_OUT_OF_SERVICE) if self.out_of_service else quality
        return TagUpdate(self.tag, last_value, code, source_time)
