"""``scada video …``: camera checks, statuses, snapshots, references, availability and spot checks.

The parser is built from here when ``scada`` starts, so this module imports nothing heavy at load
time; every action imports what it needs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser, add_settings: Callable[[argparse.ArgumentParser, Sequence[str]], None]) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("check", help="sample cameras now and print what their pictures show")
    p.add_argument("cameras", nargs="*", metavar="CAMERA", help="ENTERPRISE.ID (default: every camera)")
    p.add_argument("--samples", type=int, default=2, help="samples per camera, 1 s apart (2 or more shows a frozen picture) [default: 2]")
    add_settings(p, ["config_dir"])
    p = actions.add_parser("status", help="statuses as the running server last wrote them")
    add_settings(p, ["data_dir"])
    p = actions.add_parser("snapshot", help="the latest thumbnail of a camera")
    p.add_argument("camera", metavar="CAMERA")
    p.add_argument("--output", "-o", help="copy the JPEG here")
    add_settings(p, ["data_dir"])
    p = actions.add_parser("reference", help="a camera's reference view")
    p.add_argument("camera", metavar="CAMERA")
    p.add_argument("--reset", action="store_true", help="forget the learnt reference; the next healthy picture becomes the new one")
    add_settings(p, ["config_dir", "data_dir"])
    p = actions.add_parser("availability", help="online %% and ok %% per camera per day")
    p.add_argument("--day", help="last day, YYYY-MM-DD (Beijing) [default: today]")
    p.add_argument("--days", type=int, default=1, help="how many days back from --day [default: 1]")
    p.add_argument("--enterprise", help="only this enterprise")
    add_settings(p, ["data_dir", "database_url"])
    p = actions.add_parser("spot-check", help="视频抽查: draw, record, history, stats")
    spot = p.add_subparsers(dest="spot_action", metavar="SPOT_ACTION", required=True)
    q = spot.add_parser("draw", help="draw cameras at random among the enterprises of a scope")
    q.add_argument("scope", help="city:BJ, district:FS, park:YS or enterprise:E01")
    q.add_argument("--count", type=int, default=5, help="cameras to draw [default: 5]")
    q.add_argument("--by", required=True, help="who draws (agency and name)")
    q = spot.add_parser("record", help="record the result of a drawn check")
    q.add_argument("id", type=int)
    q.add_argument("--result", required=True, choices=("normal", "problem"))
    q.add_argument("--note", default="", help="what is wrong (required for a problem)")
    q.add_argument("--by", required=True, help="who looked")
    q = spot.add_parser("history", help="latest spot checks")
    q.add_argument("--enterprise")
    q.add_argument("--limit", type=int, default=50)
    q = spot.add_parser("stats", help="drawn / normal / problem / pending per enterprise")
    q.add_argument("--since", help="only checks drawn since this date, YYYY-MM-DD")
    for q in spot.choices.values():
        add_settings(q, ["config_dir", "data_dir", "database_url"])


def run(args: argparse.Namespace, settings: Any) -> int:
    return {
        "check": _check,
        "status": _status,
        "snapshot": _snapshot,
        "reference": _reference,
        "availability": _availability,
        "spot-check": _spot_check,
    }[args.action](args, settings)


def _registry(settings: Any) -> tuple[Any, Any]:
    from scada.config import load_plant
    from video.config import load_cameras

    plant = load_plant(settings.config_dir)
    return plant, load_cameras(settings.config_dir, plant)


def _camera(settings: Any, key: str) -> Any:
    from scada.errors import ScadaError

    try:
        return _registry(settings)[1].get(key)
    except KeyError as exc:
        raise ScadaError(str(exc.args[0])) from None


def _check(args: argparse.Namespace, settings: Any) -> int:
    import asyncio
    import logging
    from dataclasses import replace

    from video.checker import VideoChecker

    logging.getLogger("video").setLevel(logging.ERROR)  # the table below says it all
    from video.config import CameraRegistry

    _, registry = _registry(settings)
    wanted = set(args.cameras)
    unknown = wanted - {c.key for c in registry.cameras}
    if unknown:
        print(f"unknown camera(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    instant = {f: 0.0 for f in ("lost_after_s", "frozen_after_s", "dark_after_s", "covered_after_s", "blurred_after_s", "moved_after_s")}
    cameras = tuple(
        replace(c, thresholds=c.thresholds.model_copy(update=instant))
        for c in registry.cameras
        if c.enabled and (not wanted or c.key in wanted)
    )

    async def sample() -> VideoChecker:
        checker = VideoChecker(CameraRegistry(registry.checker, cameras), lambda _batch: None)
        try:
            for i in range(max(1, args.samples)):
                if i:
                    await asyncio.sleep(1.0)
                await asyncio.gather(*(checker.check(c.key) for c in cameras))
        finally:
            await checker.stop()
        return checker

    checker = asyncio.run(sample())
    bad = 0
    for row in checker.summary():
        bad += row["status"] != "ok"
        print(f"{row['camera']:<12} {row['status']:<12} {row['reason']}  [{row['url']}]")
    return 1 if bad else 0


def _status(args: argparse.Namespace, settings: Any) -> int:
    path = Path(settings.data_dir) / "video" / "status.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"no {path}: is `scada run` running with cameras configured?", file=sys.stderr)
        return 1
    print(f"as of {datetime.fromtimestamp(data['at']):%Y-%m-%d %H:%M:%S} ({time.time() - data['at']:.0f} s ago)")
    for row in data["cameras"]:
        since = f"since {datetime.fromtimestamp(row['since']):%H:%M:%S}" if row.get("since") else ""
        print(f"{row['camera']:<12} {row['status'] or 'waiting':<12} {since:<15} {row['name']}: {row['reason']}")
    return 0


def _snapshot(args: argparse.Namespace, settings: Any) -> int:
    import shutil

    path = Path(settings.data_dir) / "video" / "snapshots" / args.camera.replace(".", "/", 1)
    path = path.with_name(path.name + ".jpg")
    if not path.is_file():
        print(f"no snapshot of {args.camera} at {path}", file=sys.stderr)
        return 1
    age = time.time() - path.stat().st_mtime
    if args.output:
        shutil.copyfile(path, args.output)
        print(f"{args.output}: snapshot of {args.camera}, {path.stat().st_size} bytes, taken {age:.0f} s ago")
    else:
        print(f"{path}: {path.stat().st_size} bytes, taken {age:.0f} s ago")
    return 0


def _reference(args: argparse.Namespace, settings: Any) -> int:
    from video.views import ReferenceViews

    camera = _camera(settings, args.camera)
    views = ReferenceViews(Path(settings.data_dir) / "video" / "references")
    path = views.path(camera)
    if args.reset:
        if camera.reference is not None:
            print(f"{args.camera}: its reference is configured ({path}); edit cameras.yaml to change it", file=sys.stderr)
            return 1
        print(
            f"{args.camera}: "
            + ("reference forgotten; the next healthy picture becomes the new one" if views.reset(camera) else "no learnt reference")
        )
        return 0
    print(f"{args.camera}: {path}" + ("" if path is not None and path.exists() else " (not learnt yet)"))
    return 0


def _engine(settings: Any) -> Any:
    from scada.store import connect, upgrade

    engine = connect(settings.effective_database_url)
    upgrade(engine)
    return engine


def _availability(args: argparse.Namespace, settings: Any) -> int:
    from video.availability import DAY_ZONE, availability

    last = date.fromisoformat(args.day) if args.day else datetime.now(DAY_ZONE).date()
    engine = _engine(settings)
    try:
        rows = availability(engine, last - timedelta(days=max(1, args.days) - 1), last, args.enterprise)
    finally:
        engine.dispose()
    print(f"{'day':<10} {'camera':<12} {'online %':>8} {'ok %':>7} {'observed h':>10}  by status")
    for r in rows:
        statuses = ", ".join(f"{k} {v / 60:.0f} min" for k, v in sorted(r.by_status.items()) if k != "ok")
        print(f"{r.day} {r.enterprise + '.' + r.camera:<12} {r.online_pct:8.1f} {r.ok_pct:7.1f} {r.observed_s / 3600:10.2f}  {statuses}")
    return 0


def _spot_check(args: argparse.Namespace, settings: Any) -> int:
    from video.availability import DAY_ZONE
    from video.spotcheck import SpotChecks

    plant, registry = _registry(settings)
    engine = _engine(settings)
    spot = SpotChecks(engine, plant, registry)
    try:
        if args.spot_action == "draw":
            for c in spot.draw(args.scope, args.count, args.by):
                cam = registry.get(f"{c.enterprise}.{c.camera}")
                print(f"#{c.id} {c.enterprise}.{c.camera} {cam.name} ({cam.role}) — `scada video snapshot {c.enterprise}.{c.camera}`")
        elif args.spot_action == "record":
            c = spot.record(args.id, args.result, args.note, args.by)
            print(f"#{c.id} {c.enterprise}.{c.camera}: {c.result} {c.note}".rstrip())
        elif args.spot_action == "history":
            for c in spot.history(args.enterprise, args.limit):
                checked = f"{c.checked_at.astimezone(DAY_ZONE):%Y-%m-%d %H:%M} by {c.checked_by}" if c.checked_at else "not checked yet"
                drawn = f"{c.drawn_at.astimezone(DAY_ZONE):%Y-%m-%d %H:%M}"
                who = f"{c.enterprise}.{c.camera}"
                print(f"#{c.id} {who} {c.result:<8} drawn {drawn} by {c.drawn_by} ({c.scope}); {checked} {c.note}".rstrip())
        else:
            since = datetime.combine(date.fromisoformat(args.since), datetime.min.time(), DAY_ZONE) if args.since else None
            print(f"{'enterprise':<10} {'drawn':>5} {'normal':>6} {'problem':>7} {'pending':>7} {'problem %':>9}")
            for s in spot.statistics(since):
                print(f"{s.enterprise:<10} {s.drawn:>5} {s.normal:>6} {s.problem:>7} {s.pending:>7} {s.problem_pct:9.1f}")
    finally:
        engine.dispose()
    return 0
