"""``scada reload`` and ``scada engineering``: hot reload of the running server, versions, change
requests, and the spreadsheet export / check (submissions and approvals go through the HMI/API only)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from scada.settings import Settings


def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    """Check the tree as check-config does (same report, nothing signalled on error), then signal the server and wait."""
    from engineering.reload import request_reload
    from engineering.tree import load_tree
    from scada.config import ConfigError

    try:
        load_tree(settings.config_dir)
    except ConfigError as exc:
        print(exc.report())
        print(f"{settings.config_dir}: {exc} — nothing was reloaded", file=sys.stderr)
        return 1
    try:
        result = request_reload(Path(settings.data_dir), args.by or getpass.getuser(), args.reason, args.timeout)
    except (ProcessLookupError, PermissionError, TimeoutError) as exc:
        print(f"scada reload: {exc}", file=sys.stderr)
        return 1
    if not result.get("ok"):
        print("\n".join(result.get("errors") or []))
        print("the server rejected the configuration — nothing changed", file=sys.stderr)
        return 1
    diff = result.get("diff") or {}
    print(
        f"applied version {result.get('version')} (sha256 {str(result.get('hash'))[:12]}): {diff.get('added', 0)} points added, "
        f"{diff.get('removed', 0)} removed, {diff.get('limits', 0)} with new limits, {diff.get('other', 0)} otherwise changed; "
        f"{len(result.get('restarted') or [])} drivers restarted"
    )
    return 0


def cmd_engineering(args: argparse.Namespace, settings: Settings) -> int:
    from engineering.versions import Versions
    from scada.store import connect, upgrade

    if args.action == "export":
        return _export(args, settings)
    if args.action == "check-sheet":
        return _check_sheet(args, settings)
    engine = connect(settings.effective_database_url)
    try:
        upgrade(engine)
        versions = Versions(engine)
        if args.action == "versions":
            for v in versions.list(args.limit):
                s = v.summary()
                print(f"v{v.id}\t{v.hash[:12]}\t{v.actor}\t{_when(v.at)}\t{s['lines_changed']} lines\t{v.reason}")
            return 0
        if args.action == "version":
            v = versions.get(int(args.target or 0))
            if v is None:
                print(f"no version {args.target}", file=sys.stderr)
                return 1
            print(f"v{v.id} {v.hash} by {v.actor} at {_when(v.at)}: {v.reason}\n{v.diff}", end="")
            return 0
        return _changes(engine, args)
    finally:
        engine.dispose()


def _when(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _changes(engine, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from scada.store.tables import engineering_changes as C

    query = select(C).order_by(C.c.id.desc()).limit(args.limit)
    if args.status:
        query = query.where(C.c.status == args.status)
    with engine.connect() as conn:
        for r in conn.execute(query):
            review = f"{r.review_tier}:{r.review_scope}"
            print(f"#{r.id}\t{r.status}\t{r.kind}\t{r.submitter}\t→ {review}\t{','.join(r.enterprises)}\t{r.reason}")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from engineering.sheets import export_csv, export_xlsx, select_points
    from scada.config import load_plant

    if not args.enterprise or not args.out:
        print("scada engineering export: give --enterprise and --out FILE.xlsx|FILE.csv", file=sys.stderr)
        return 2
    refs = select_points(load_plant(settings.config_dir), args.enterprise, args.hazard_source, args.equipment)
    out = Path(args.out)
    out.write_bytes(export_csv(refs) if out.suffix.lower() == ".csv" else export_xlsx(refs))
    print(f"{len(refs)} points → {out}")
    return 0


def _check_sheet(args: argparse.Namespace, settings: Settings) -> int:
    from engineering.changes import Changes
    from engineering.sheets import import_sheet
    from engineering.tree import load_tree
    from scada.store import connect

    path = Path(args.target or "")
    plant = load_tree(settings.config_dir).plant
    result = import_sheet(plant, path.name, path.read_bytes())
    for line in result.errors:
        print(line)
    if result.errors:
        return 1
    engine = connect("sqlite://")
    pv = Changes(engine, Path(settings.config_dir), lambda: plant, lambda *a: None).preview(result.ops) if result.ops else None  # type: ignore[arg-type,return-value]
    engine.dispose()
    if pv is not None and pv.errors:
        print("\n".join(pv.errors))
        return 1
    print(f"{result.rows} rows, {len(result.changes)} cells changed" + (f"\n{pv.diff}" if pv else ""), end="\n" if not pv else "")
    return 0
