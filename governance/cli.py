"""``scada commitment | declaration | account | maintenance | report | audit``: the governance workflows on
the command line. They act as ``--as USER`` (an HMI user: its role and tier apply, default the city
``admin``) with the same rules and the same audit records as the REST API. Light at import: argparse only.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

COMMANDS = {
    "commitment": ("daily safety commitments: today | counts [--start D --end D] 安全承诺", ("today", "counts")),
    "declaration": ("out-of-service declarations: list | approve ID | reject ID --note … 停用报备", ("list", "approve", "reject")),
    "account": ("accounts: requests | admin USER --unit TIER:CODE (one-time password) 账号管理", ("requests", "admin")),
    "maintenance": ("maintenance notices and usage problems: notices | problems 维护通知", ("notices", "problems")),
    "report": (
        "monthly risk analysis: make --unit district:FS --month YYYY-MM --format xlsx|pdf | list | operation 月度报告",
        ("make", "list", "operation"),
    ),
    "audit": ("search the audit trail: search [--user U --action A* --target T --limit N] [--csv] 审计日志", ("search",)),
}


def add_commands(command: Callable[..., argparse.ArgumentParser], add_settings: Callable[..., None], settings: Callable[..., Any]) -> None:
    for name, (help_, actions) in COMMANDS.items():
        p = command(name, lambda args, n=name: run(n, args, settings(args)), help_)
        p.add_argument("action", choices=actions)
        p.add_argument("target", nargs="?", help="an id or user name, as the action needs")
        p.add_argument("--as", dest="as_user", default="admin", help="act as this HMI user [default: admin]")
        p.add_argument("--note", default="")
        p.add_argument("--unit", help="TIER:CODE, e.g. district:FS")
        p.add_argument("--month", help="YYYY-MM [default: last month]")
        p.add_argument("--format", default="xlsx", choices=("xlsx", "pdf"))
        p.add_argument("--start", help="YYYY-MM-DD")
        p.add_argument("--end", help="YYYY-MM-DD (exclusive)")
        p.add_argument("--user")
        p.add_argument("--action-filter", dest="action_filter", help="audit: action, * at the end for a prefix")
        p.add_argument("--limit", type=int, default=100)
        p.add_argument("--csv", action="store_true", help="audit: print CSV (the export is audited)")
        add_settings(p, ["config_dir", "data_dir", "database_url"])


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def run(name: str, args: argparse.Namespace, settings: Any) -> int:
    from governance.actor import Actor
    from governance.calendar import day_of, month_bounds, previous_month
    from governance.config import load_governance_config
    from governance.errors import GovernanceError
    from governance.service import Governance
    from hmi.users import UserStore
    from rules.config import load_alarm_config
    from scada.config import load_plant
    from scada.store import connect, upgrade

    plant = load_plant(settings.config_dir)
    engine = connect(settings.effective_database_url)
    upgrade(engine)
    gov = Governance(
        engine, plant, load_governance_config(settings.config_dir, plant), load_alarm_config(settings.config_dir, plant).kpi,
        settings.data_dir, time.time,
    )  # fmt: skip
    account = UserStore(engine).get(args.as_user)
    who = Actor.of(plant, account.username, account.role, account.tier, account.scope_code) if account else Actor.system(plant)
    today = day_of(time.time())
    a, target = args.action, args.target
    if name == "commitment" and a == "today":
        _print(gov.commitments.today(who))
    elif name == "commitment":
        start = date.fromisoformat(args.start) if args.start else today.replace(day=1)
        end = date.fromisoformat(args.end) if args.end else today + timedelta(days=1)
        _print(gov.commitments.counts(who, start, end))
    elif name == "declaration" and a == "list":
        _print(gov.declarations.list(who))
    elif name == "declaration":
        if not target:
            raise GovernanceError("give the declaration id")
        _print(
            gov.audit.act(
                who,
                f"declaration.{a}d",
                f"declaration:{target}",
                lambda: gov.declarations.review(who, int(target), a == "approve", args.note),
            )
        )
    elif name == "account" and a == "requests":
        _print(gov.accounts.list(who))
    elif name == "account":
        tier, _, code = (args.unit or "").partition(":")
        if not target or not code:
            raise GovernanceError("account admin USER --unit TIER:CODE")
        password = gov.audit.act(who, "account.admin_created", target, lambda: gov.accounts.create_admin(target, tier, code))
        print(f"{target}\t{password}\t(one-time: the password must be changed at first sign-in)")
    elif name == "maintenance":
        _print(gov.maintenance.notices(who) if a == "notices" else gov.maintenance.problems(who))
    elif name == "report" and a == "make":
        month = args.month or previous_month(time.time())
        row = gov.audit.act(
            who,
            "report.generated",
            f"{args.unit}/{month}.{args.format}",
            lambda: gov.generate_report(who, args.unit or "", month, args.format),
        )
        print(row["path"])
    elif name == "report" and a == "list":
        _print(gov.reports(who, args.unit))
    elif name == "report":
        _print(gov.statistics.operation_report(*month_bounds(args.month or previous_month(time.time()))))
    else:
        rows = gov.audit.search(who, None, None, args.user, args.action_filter, target, args.limit)
        if args.csv:
            gov.audit.record(who, "audit.exported", args.action_filter or "", rows=len(rows))
            print(gov.audit.to_csv(rows), end="")
        else:
            for r in rows:
                print(f"{r['at']}  {r['actor']:<14} {r['unit']:<16} {r['action']:<28} {r['target']:<28} {r['result']} {r['message']}")
    engine.dispose()
    return 0
