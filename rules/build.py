"""Wiring: the plant and ``alarms.yaml`` → alarm definitions and detectors, routed by tag.

Decides which detectors watch each tag; owns no state beyond what it builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rules.config import AlarmConfig, CompoundRule, texts_for
from rules.detectors import (
    BadPvDetector,
    Detector,
    DeviationDetector,
    LimitDetector,
    NoUpdateDetector,
    RateDetector,
    Sink,
    StateDetector,
)
from rules.events import AlarmDef
from rules.limits import LIMIT_LEVELS_ORDER, Limits
from scada.config import Plant, PointRef
from scada.drivers.health import device_tag, gateway_tag


@dataclass
class Wiring:
    routes: dict[str, list[Detector]] = field(default_factory=dict)
    idle: list[Any] = field(default_factory=list)  # detectors with an ``idle(now)`` check
    gateway: dict[str, str] = field(default_factory=dict)  # gateway alarm-status tag → point tag
    suppress: dict[str, list[int]] = field(default_factory=dict)  # condition tag → suppression rule indexes
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # alarm id → compound-rule fact fields

    def add(self, tag: str, det: Detector) -> Detector:
        self.routes.setdefault(tag, []).append(det)
        return det


class Builder:
    def __init__(self, plant: Plant, cfg: AlarmConfig, sink: Sink, now: Callable[[], float]) -> None:
        self.plant, self.cfg, self.sink, self.now = plant, cfg, sink, now
        self.latch = set(cfg.latch_priorities)

    def define(self, source: str, kind: str, enterprise: str, name: str, priorities: dict[str, str], default: str, **kw: Any) -> AlarmDef:
        latching = bool(self.latch & ({*priorities.values(), default}))
        texts = kw.pop("texts", None) or texts_for(self.cfg, kind)
        return AlarmDef(
            f"{source}:{kind}", source, kind, enterprise, kw.pop("hs", ""), name, kw.pop("unit", ""), priorities, default, latching, texts
        )

    def point_def(self, ref: PointRef, kind: str, priorities: dict[str, str], default: str) -> AlarmDef:
        return self.define(
            ref.tag, kind, ref.enterprise.code, ref.point.name, priorities, default, hs=ref.hazard_source.code, unit=ref.point.unit
        )

    def build(self) -> Wiring:
        w, cfg = Wiring(), self.cfg
        suffix = cfg.gateway_status.suffix
        tags = self.plant.point_by_tag
        for ref in self.plant.points:
            p = ref.point
            if suffix and ref.tag.endswith(suffix) and ref.tag[: -len(suffix)] in tags:
                w.gateway[ref.tag] = ref.tag[: -len(suffix)]
                continue
            w.add(
                ref.tag,
                BadPvDetector(
                    self.point_def(ref, "bad_pv", {}, cfg.bad_pv.priority), self.sink, cfg.bad_pv.on_delay_s, cfg.bad_pv.off_delay_s
                ),
            )
            discrete = next((r for r in cfg.discrete if r.matches(ref)), None)
            if discrete is not None:
                d = self.point_def(ref, "discrete", {}, discrete.priority)
                w.add(ref.tag, StateDetector(d, self.sink, discrete.normal, "off_normal", (discrete.on_delay_s, discrete.off_delay_s)))
            else:
                limits = Limits(p.thresholds, p.deadband)
                if limits.any:
                    prio = {**cfg.limits.priorities, **cfg.limits.by_point_kind.get(p.kind, {})}
                    levels = {lv: prio[lv] for lv in LIMIT_LEVELS_ORDER if limits.limit(lv) is not None and lv in prio}
                    d = self.point_def(ref, "limit", levels, "medium")
                    w.add(ref.tag, LimitDetector(d, self.sink, limits, p.on_delay_s, p.off_delay_s))
                    self._fact(w, d, ref)
            for rule in cfg.rate:
                if rule.matches(ref):
                    d = self.point_def(ref, "rate", {}, rule.priority)
                    det = RateDetector(
                        d, self.sink, rule.rise_per_min, rule.fall_per_min, rule.window_s, (rule.on_delay_s, rule.off_delay_s)
                    )
                    w.idle.append(w.add(ref.tag, det))
                    self._fact(w, d, ref)
                    break
            for nu in cfg.no_update:
                if nu.matches(ref):
                    w.idle.append(
                        w.add(
                            ref.tag,
                            NoUpdateDetector(self.point_def(ref, "no_update", {}, nu.priority), self.sink, nu.timeout_s, self.now()),
                        )
                    )
                    break
        self._deviation(w)
        self._health(w)
        for i, rule in enumerate(cfg.suppression):
            w.suppress.setdefault(rule.when.tag, []).append(i)
        return w

    def _fact(self, w: Wiring, d: AlarmDef, ref: PointRef) -> None:
        w.facts[d.alarm_id] = {
            "kind": d.kind,
            "point_kind": ref.point.kind,
            "hs": ref.hazard_source.code,
            "hs_kind": ref.hazard_source.kind,
        }

    def _deviation(self, w: Wiring) -> None:
        by_eq: dict[tuple[str, str], dict[str, PointRef]] = {}
        for ref in self.plant.points:
            by_eq.setdefault((ref.enterprise.code, ref.equipment.code), {})[ref.point.key] = ref
        for rule in self.cfg.deviation:
            for points in by_eq.values():
                a, b = points.get(rule.a), points.get(rule.b)
                if a is None or b is None:
                    continue
                d = self.point_def(a, "deviation", {}, rule.priority)
                det = DeviationDetector(d, self.sink, a.tag, rule.max_diff, (rule.on_delay_s, rule.off_delay_s))
                w.add(a.tag, det)
                w.add(b.tag, det)

    def _health(self, w: Wiring) -> None:
        h = self.cfg.health
        for ent in self.plant.enterprises:
            code = ent.enterprise.code
            for dev in ent.devices:
                tag = device_tag(code, dev.id)
                d = self.define(tag, "device_offline", code, f"{ent.enterprise.name} {dev.id}", {}, h.device_offline.priority)
                w.add(tag, StateDetector(d, self.sink, True, "offline", (h.device_offline.on_delay_s, h.device_offline.off_delay_s)))
            tag = gateway_tag(code)
            d = self.define(
                tag, "gateway_offline", code, f"{ent.enterprise.name} {ent.enterprise.gateway.id}", {}, h.gateway_offline.priority
            )
            w.add(tag, StateDetector(d, self.sink, True, "offline", (h.gateway_offline.on_delay_s, h.gateway_offline.off_delay_s)))

    def video(self, tag: str) -> Detector | None:
        """Detector for a video status tag, made when the tag first reports (cameras are not in the plant)."""
        parts = tag.split(".")
        if len(parts) != 4 or parts[1] != "_video" or parts[3] not in ("online", "status"):
            return None
        h = self.cfg.health
        enterprise, camera, what = parts[0], parts[2], parts[3]
        if what == "online":
            d = self.define(tag, "video_lost", enterprise, f"{enterprise} 摄像机 {camera}", {}, h.video_lost.priority)
            return StateDetector(d, self.sink, True, "lost", (h.video_lost.on_delay_s, h.video_lost.off_delay_s))
        d = self.define(tag, "video_fault", enterprise, f"{enterprise} 摄像机 {camera}", {}, h.video_fault.priority)
        return StateDetector(d, self.sink, "ok", None, (h.video_fault.on_delay_s, h.video_fault.off_delay_s))

    def compound_def(self, rule: CompoundRule, hs: str) -> AlarmDef:
        enterprise = next((e.code for e, h in self.plant.hazard_sources if h.code == hs), "")
        name = next((h.name for _, h in self.plant.hazard_sources if h.code == hs), hs)
        texts = texts_for(self.cfg, "compound", rule.texts)
        return self.define(f"compound:{rule.id}:{hs}", "compound", enterprise, f"{name} {rule.name}", {}, rule.priority, hs=hs, texts=texts)
