"""``scada risk`` and ``scada warnings``: evaluation breakdowns and the warning workflow on the command line.

They open the store and build the same service the server runs (without its loops), so a
feedback or a notice filed here runs the same rules. The CLI acts with the scope given by
``--scope`` (default: the city).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

from risk.config import COLOURS_ZH, load_risk_config
from risk.indicators import kpi_records
from risk.scope import Scope
from risk.service import RiskService
from risk.texts import local
from risk.workflow import Attachment
from rules.config import load_alarm_config
from scada.config import load_plant
from scada.settings import Settings
from scada.store import connect, upgrade


def _service(settings: Settings) -> RiskService:
    plant = load_plant(settings.config_dir)
    engine = connect(settings.effective_database_url)
    upgrade(engine)
    return RiskService(
        plant, load_risk_config(settings.config_dir, plant), load_alarm_config(settings.config_dir, plant).kpi, engine, time.time
    )


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _breakdown_line(b: dict[str, Any]) -> str:
    scores = " ".join(f"{i['name']}={_num(i['value'])}→{i['score']:.1f}×{i['weight']:g}" for i in b["indicators"])
    return f"inherent {b['inherent']['level']}  dynamic {b['dynamic']:.1f} band {b['band']}  cell {b['cell']}  [{scores}]"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def cmd_risk(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    try:
        if args.action == "evaluate":
            # A dry run: computed from the journal now, neither stored nor acted on (the server does both every minute).
            now = time.time()
            records = kpi_records(svc.engine, now - svc.evaluator.window_s, now)
            evals = [
                e
                for e in svc.evaluator.evaluate(records, now, svc.levels.current())
                if not args.enterprise or e.enterprise in args.enterprise
            ]
            if args.json:
                _print([e.to_json() for e in evals])
            for e in [] if args.json else evals:
                print(f"{e.enterprise:<6} {e.level:<7} (was {e.previous or '-':<6}) {_breakdown_line(e.breakdown())}")
            return 0
        if args.action == "levels":
            rows = svc.api.levels(Scope("city", svc.workflow.city))
            for r in rows:
                print(f"{r['enterprise']:<6} {r['level']:<7} since {local(r['since'])}  {r['name']}")
            return 0
        for code in args.enterprise or [e for e in svc.evaluator.rows]:
            rows = svc.api.evaluations(Scope("city", svc.workflow.city), code, args.limit, args.changes)
            if args.json:
                _print(rows)
                continue
            for r in rows:
                print(f"#{r['id']} {local(r['at'])} {code} {r['previous'] or '-'} → {r['level']}  {_breakdown_line(r['breakdown'])}")
    finally:
        svc.engine.dispose()
    return 0


def cmd_warnings(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    scope = Scope.parse(args.scope) if args.scope else Scope("city", svc.workflow.city)
    try:
        if args.action == "list":
            for w in svc.api.warnings(scope, args.status, args.colour, args.enterprise):
                late = " 逾期" if w["overdue"] else ""
                times = f"raised {local(w['raised_at'])} due {local(w['deadline_at'])}{late}"
                print(f"#{w['id']:<5} {COLOURS_ZH[w['colour']]} {w['status']:<6} {w['enterprise']:<6} {times}  {w['name']}")
        elif args.action == "show":
            w = svc.api.warning(scope, _id(args))
            if args.json:
                _print(w)
            else:
                print(
                    f"#{w['id']} {COLOURS_ZH[w['colour']]}预警 {w['name']} ({w['enterprise']}) {w['status']} due {local(w['deadline_at'])}"
                )
                for e in w["timeline"]:
                    print(
                        f"  {local(e['at'])} {e['kind']:<14} {e['unit']:<16} {e['actor']:<10} {json.dumps(e['detail'], ensure_ascii=False)}"
                    )
        elif args.action == "feedback":
            files = [
                Attachment(Path(p).name, mimetypes.guess_type(p)[0] or "application/octet-stream", Path(p).read_bytes())
                for p in args.attach or []
            ]
            fid = svc.api.feedback(scope, _id(args), args.by, args.kind, args.text or "", args.accident, files)
            print(f"filed feedback #{fid} on warning #{args.id}")
        elif args.action == "notices":
            for n in svc.api.notices(scope, args.unread):
                read = f"read by {n['read_by']}" if n["read_at"] else "unread"
                print(f"#{n['id']} {local(n['issued_at'])} {n['issuer']} → {n['recipient']} ({read}): {n['title']}")
        elif args.action == "tasks":
            for t in svc.api.tasks(scope, None if args.status == "all" else args.status):
                print(f"#{t['id']} warning #{t['warning_id']} {t['kind']:<22} {t['status']:<5} {svc.workflow.label(t['kind'])}")
    finally:
        svc.engine.dispose()
    return 0


def _id(args: argparse.Namespace) -> int:
    from risk.errors import RiskError

    if args.id is None:
        raise RiskError(f"scada warnings {args.action} needs a warning id")
    return int(args.id)
