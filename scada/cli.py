"""``scada``: the one command-line entry point. Imports stay light so ``--help`` is instant."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scada.errors import ScadaError
from scada.settings import SETTINGS, SETTINGS_BY_NAME, Settings, resolve

DESCRIPTION = """危险化学品安全生产风险监测预警系统 — supervisory server for hazardous-chemical plants.

Reads the plant configuration (city → districts/parks → enterprises → major hazard sources →
equipment → monitoring points), grades hazard sources by GB 18218-2018, and runs the server.
Every setting can also come from an environment variable SCADA_<NAME>; see `scada settings`."""

KINDS_ZH = {"tank_farm": "罐区", "warehouse": "仓库", "production_unit": "生产装置"}


def _add_settings(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    for name in names:
        s = SETTINGS_BY_NAME[name]
        parser.add_argument(s.option, dest=name, default=None, metavar=name.upper(), help=f"{s.help} [default: {s.default!r}; env {s.env}]")


def _settings(args: argparse.Namespace) -> Settings:
    return resolve({s.name: getattr(args, s.name, None) for s in SETTINGS})


# -- commands -------------------------------------------------------------------------------------


def cmd_check_config(args: argparse.Namespace) -> int:
    from governance.config import load_governance_config
    from historian.config import load_historian_config
    from risk.config import load_risk_config
    from rules.config import load_alarm_config
    from scada.config import ConfigError, load_plant
    from video.config import load_cameras

    path = args.path or _settings(args).config_dir
    try:
        plant = load_plant(path)
        load_historian_config(Path(path))
        load_alarm_config(path, plant)
        load_cameras(path, plant)
        load_risk_config(path, plant)
        load_governance_config(path, plant)
    except ConfigError as exc:
        print(exc.report())
        print(f"{path}: {exc} — nothing was loaded", file=sys.stderr)
        return 1
    print(
        f"OK {path}: {len(plant.enterprises)} enterprises, {len(plant.hazard_sources)} hazard sources, "
        f"{len(plant.points)} points, {sum(len(e.devices) for e in plant.enterprises)} devices (sha256 {plant.content_hash[:12]})"
    )
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from scada.config import load_plant
    from scada.grading import grade_plant

    rows = []
    for g in grade_plant(load_plant(args.path or _settings(args).config_dir)):
        rows.append(
            {
                "enterprise": g.enterprise.code,
                "hazard_source": g.source.code,
                "name": g.source.name,
                "kind": KINDS_ZH[g.source.kind],
                "people_500m": g.grade.people_within_500m,
                "alpha": g.grade.alpha,
                "sum_q_over_Q": round(g.grade.sum_ratio, 3),
                "R": round(g.grade.r, 2),
                "major": g.grade.is_major,
                "level": g.grade.level_label,
                "chemicals": "; ".join(f"{c.name} q={c.q_t:g}t Q={c.critical_t:g}t β={c.beta:g}" for c in g.grade.chemicals),
            }
        )
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["enterprise"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        print(f"{'企业':<5} {'危险源':<9} {'类型':<5} {'α':>4} {'Σq/Q':>9} {'R':>9}  {'级别':<6} 名称")
        for r in rows:
            grading = f"{r['alpha']:>4} {r['sum_q_over_Q']:>9.3f} {r['R']:>9.2f}  {r['level']:<6}"
            print(f"{r['enterprise']:<6} {r['hazard_source']:<10} {r['kind']:<5} {grading} {r['name']}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from scada.config import load_plant
    from scada.gc_tuning import pause_until_frozen
    from scada.logs import setup_logging
    from scada.runtime import Supervisor

    settings = _settings(args)
    setup_logging(settings.log_level, settings.log_format)
    pause_until_frozen()  # the server freezes its long-lived heap once built (scada/gc_tuning.py)
    plant = load_plant(settings.config_dir)
    asyncio.run(Supervisor(settings, plant).run(args.duration))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from scada.config import load_plant
    from scada.logs import setup_logging
    from scada.simulator.control import apply_command, serve_control
    from scada.simulator.plant import PlantSimulator
    from scada.simulator.video import CameraSimulator
    from video.config import load_cameras

    settings = _settings(args)
    setup_logging(settings.log_level, settings.log_format)
    plant = load_plant(settings.config_dir)
    cameras = CameraSimulator(load_cameras(settings.config_dir, plant))

    async def simulate() -> None:
        sim = PlantSimulator(plant, update_period_s=args.update_period)
        control = await serve_control(sim, args.control_port, cameras)  # first: a taken port fails before anything starts
        await cameras.start()
        await sim.start()
        try:
            for spec in args.fault or []:
                await apply_command(sim, _fault_command(spec), cameras)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            if args.duration is not None:
                loop.call_later(args.duration, stop.set)
            await stop.wait()
        finally:
            control.close()
            await sim.stop()
            await cameras.stop()

    asyncio.run(simulate())
    return 0


def _fault_command(spec: str) -> dict[str, Any]:
    """``E01.T101.LT=spike``, ``E01.T101.LT=drift:0.5``, ``E01.PLC1=offline``, ``E01.PLC1=slow:2``, ``E01.CAM02=freeze``."""
    from scada.simulator.cameras import CAMERA_FAULTS
    from scada.simulator.plant import DEVICE_FAULTS, SimulatorError

    target, _, kind = spec.partition("=")
    kind, _, number = kind.partition(":")
    if not target or not kind:
        raise SimulatorError(f"fault {spec!r}: write TARGET=FAULT[:NUMBER], e.g. E01.T101.LT=spike or E01.PLC1=offline")
    value = float(number) if number else 0.0
    if target.count(".") == 1 and kind in CAMERA_FAULTS and kind not in DEVICE_FAULTS:  # ENTERPRISE.CAMERA
        return {"camera": target, "fault": kind}
    if target.count(".") == 1:  # ENTERPRISE.DEVICE (or a camera, for "clear"); a point is ENTERPRISE.EQUIPMENT.KEY
        if kind not in DEVICE_FAULTS:
            raise SimulatorError(f"unknown device fault {kind!r} (faults: {', '.join(DEVICE_FAULTS)})")
        return {"device": target, "fault": kind, "value": value}
    return {"point": target, "fault": kind, "rate": value}


def cmd_fault(args: argparse.Namespace) -> int:
    import asyncio

    from scada.simulator.plant import SimulatorError

    answer = asyncio.run(send_fault(args))
    if not answer.get("ok"):
        raise SimulatorError(str(answer.get("error")))
    print(f"ok: {args.spec}")
    return 0


async def send_fault(args: argparse.Namespace) -> dict[str, Any]:
    from scada.simulator.control import send_command

    try:
        return await send_command(_fault_command(args.spec), args.control_port)
    except OSError as exc:
        return {"ok": False, "error": f"no simulator control port on 127.0.0.1:{args.control_port} ({exc.strerror})"}


def cmd_import_opcua(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from scada.drivers.opcua_import import browse, render

    try:
        equipment = asyncio.run(browse(args.endpoint, args.device, args.timeout))
    except (OSError, TimeoutError) as exc:
        raise ScadaError(f"cannot browse {args.endpoint}: {exc}") from None
    text = render(equipment, args.endpoint)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {sum(len(e['points']) for e in equipment)} points in {len(equipment)} equipment to {args.output}")
    else:
        print(text, end="")
    return 0


def cmd_offline_report(args: argparse.Namespace) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from scada.store import connect, upgrade
    from scada.store.offline import OfflineLog, OfflineReport, OfflineReportError

    engine = connect(_settings(args).effective_database_url)
    upgrade(engine)
    log = OfflineLog(engine)
    try:
        if args.kind is not None:
            try:
                until = datetime.fromisoformat(args.until)
            except (TypeError, ValueError):
                raise OfflineReportError(f"--until {args.until!r}: give the planned back-online time as 2026-11-30T08:00") from None
            until = until if until.tzinfo else until.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
            report = OfflineReport(args.enterprise, args.device, args.kind, args.reason or "", args.by, until)
            print(f"filed offline report #{log.file_report(report)}")
        for r in log.reports(args.enterprise):
            target = f"{r.enterprise}.{r.device}" if r.device else f"{r.enterprise} (gateway)"
            print(
                f"#{r.id} {target} {r.kind} by {r.reported_by} at {r.reported_at:%Y-%m-%d %H:%M}Z, "
                f"back online {r.planned_online_at:%Y-%m-%d %H:%M}Z: {r.reason}"
            )
    finally:
        engine.dispose()
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from scada.store import connect, current_revision, downgrade, upgrade

    engine = connect(_settings(args).effective_database_url)
    if args.action == "upgrade":
        upgrade(engine)
    elif args.action == "downgrade":
        downgrade(engine, args.revision)
    print(f"{engine.url.render_as_string(hide_password=True)}: schema revision {current_revision(engine) or 'none'}")
    engine.dispose()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from historian.cli import cmd_export as export

    return export(args, _settings(args))


def _alarm_window(args: argparse.Namespace) -> tuple[Any, Any]:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    def parse(text: str | None) -> datetime | None:
        if not text:
            return None
        at = datetime.fromisoformat(text)
        return at if at.tzinfo else at.replace(tzinfo=ZoneInfo("Asia/Shanghai"))

    end = parse(args.until) or datetime.now(UTC)
    return parse(args.since) or end - timedelta(hours=args.hours), end


def cmd_alarms(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rules.export import to_csv, write
    from rules.journal import AlarmJournal
    from scada.store import connect, upgrade

    engine = connect(_settings(args).effective_database_url)
    upgrade(engine)
    journal = AlarmJournal(engine)
    try:
        if not args.journal:
            for d, s, record, _since in journal.load_active():
                worst = record.worst_status if record else "-"
                rid = record.id if record else "-"
                print(f"{s.isa:<24} {d.alarm_id:<44} {d.enterprise:<5} level={s.level or '-'} worst={worst} record={rid}")
            return 0
        start, end = _alarm_window(args)
        enterprises = [args.enterprise] if args.enterprise else None
        rows = journal.query(start, end, args.point, enterprises, args.priority, args.state, args.user)
        if args.output:
            write(rows, Path(args.output))
            print(f"wrote {len(rows)} journal rows to {args.output}")
        else:
            print(to_csv(rows), end="")
    finally:
        engine.dispose()
    return 0


def cmd_alarm_kpi(args: argparse.Namespace) -> int:
    from rules.config import load_alarm_config
    from rules.journal import AlarmJournal
    from rules.kpi import compute, select
    from scada.config import load_plant
    from scada.store import connect, upgrade

    settings = _settings(args)
    plant = load_plant(settings.config_dir)
    cfg = load_alarm_config(settings.config_dir, plant)
    start, end = _alarm_window(args)
    engine = connect(settings.effective_database_url)
    upgrade(engine)
    try:
        records = AlarmJournal(engine).records(start, end)
    finally:
        engine.dispose()
    chosen, points = select(plant, args.scope, args.code or "", records)
    kpis = compute(chosen, start.timestamp(), end.timestamp(), points, cfg.kpi)
    print(json.dumps(kpis.to_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_video(args: argparse.Namespace) -> int:
    from video.cli import run

    return run(args, _settings(args))


def cmd_risk(args: argparse.Namespace) -> int:
    from risk.cli import cmd_risk as risk

    return risk(args, _settings(args))


def cmd_warnings(args: argparse.Namespace) -> int:
    from risk.cli import cmd_warnings as warnings

    return warnings(args, _settings(args))


def cmd_edge(args: argparse.Namespace) -> int:
    from edge.cli import cmd_edge as edge

    return edge(args, _settings(args))


def cmd_edge_token(args: argparse.Namespace) -> int:
    from edge.cli import cmd_edge_token as edge_token

    return edge_token(args, _settings(args))


def cmd_reload(args: argparse.Namespace) -> int:
    from engineering.cli import cmd_reload as reload

    return reload(args, _settings(args))


def cmd_engineering(args: argparse.Namespace) -> int:
    from engineering.cli import cmd_engineering as engineering

    return engineering(args, _settings(args))


def cmd_settings(args: argparse.Namespace) -> int:
    current = _settings(args)
    for s in SETTINGS:
        print(f"{s.name} = {getattr(current, s.name)!s}\n    {s.help}\n    default {s.default!r}; env {s.env}; option {s.option}")
    return 0


# -- parser ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scada", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str, description: str = "") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=description or help, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = command(
        "check-config",
        cmd_check_config,
        "validate a configuration tree and list every error 校验配置",
        "Load the whole tree and report every error at once as FILE:LINE FIELD.PATH: message.\n"
        "Exit status 0 when valid, 1 when any error was found (nothing is loaded then).",
    )
    p.add_argument("path", nargs="?", help="configuration folder (default: the config_dir setting)")
    _add_settings(p, ["config_dir"])

    p = command(
        "grade",
        cmd_grade,
        "GB 18218 grade (R value and level) of every hazard source 重大危险源分级",
        "Print α, Σq/Q, R and level (一级…四级, or 非重大危险源) of every hazard source.",
    )
    p.add_argument("path", nargs="?", help="configuration folder (default: the config_dir setting)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format [default: table]")
    _add_settings(p, ["config_dir"])

    p = command(
        "run",
        cmd_run,
        "run the supervisory server 运行系统",
        "Load the configuration, migrate the store and run until Ctrl-C or SIGTERM.\n"
        "SIGHUP reloads the configuration; an invalid tree is rejected and the running one kept.",
    )
    p.add_argument("--duration", type=float, default=None, metavar="SECONDS", help="stop after this many seconds (for tests and demos)")
    _add_settings(p, [s.name for s in SETTINGS])

    p = command(
        "simulate",
        cmd_simulate,
        "serve the plant from simulated Modbus TCP / OPC UA devices 仿真装置",
        "Start one Modbus TCP server per configured host:port and one OPC UA server per endpoint on\n"
        "loopback, with plausibly moving values. Faults can be set at start (--fault) or later\n"
        "with `scada fault`.\n\n"
        "Point faults: spike, drift[:units per s], stuck, out_of_range, nan, bad_status (OPC UA), clear.\n"
        "Device faults (TARGET = ENTERPRISE.DEVICE): offline, online, slow[:seconds],\n"
        "exception[:Modbus exception code], malformed, restart, clear.\n"
        "Camera faults (TARGET = ENTERPRISE.CAMERA, demo cameras from cameras.yaml served as MJPEG):\n"
        "freeze, black, white, cover, blur, turn, stop, hang, clear.",
    )
    p.add_argument("--fault", action="append", metavar="TARGET=FAULT[:N]", help="a fault to start with (repeatable)")
    p.add_argument("--control-port", type=int, default=15999, help="loopback port for `scada fault` [default: 15999]")
    p.add_argument("--update-period", type=float, default=0.5, metavar="SECONDS", help="how often values move [default: 0.5]")
    p.add_argument("--duration", type=float, default=None, metavar="SECONDS", help="stop after this many seconds")
    _add_settings(p, ["config_dir", "log_level", "log_format"])

    p = command(
        "fault",
        cmd_fault,
        "inject or clear a fault in a running simulator 注入故障",
        "Examples:\n  scada fault E01.T101.LT=spike\n  scada fault E01.T101.LT=drift:0.05\n"
        "  scada fault E01.T101.LT=clear\n  scada fault E01.PLC1=offline\n  scada fault E01.PLC1=slow:3",
    )
    p.add_argument("spec", metavar="TARGET=FAULT[:N]")
    p.add_argument("--control-port", type=int, default=15999, help="the simulator's control port [default: 15999]")

    p = command(
        "import-opcua",
        cmd_import_opcua,
        "browse an OPC UA server and write point configuration to edit 导入点位",
        "Every numeric variable below Objects becomes a point, its parent object an equipment.\n"
        "Kind, unit, range and thresholds are placeholders: edit them, then run check-config.",
    )
    p.add_argument("endpoint", help="e.g. opc.tcp://10.0.0.5:4840")
    p.add_argument("--device", required=True, help="the device id these points will use in the enterprise file")
    p.add_argument("--output", "-o", help="write the YAML here instead of standard output")
    p.add_argument("--timeout", type=float, default=10.0, help="request timeout in seconds [default: 10]")

    p = command(
        "offline-report",
        cmd_offline_report,
        "file or list an enterprise's offline reports 离线报备",
        "Without --kind: list the enterprise's offline reports. With --kind, --reason and --until: file one.\n"
        "Example: scada offline-report E01 --device PLC1 --kind maintenance --reason 'PLC 检修' "
        "--until 2026-11-30T08:00 --by 张建国",
    )
    p.add_argument("enterprise")
    p.add_argument("--device", help="the device going offline (default: the whole gateway)")
    p.add_argument("--kind", help="maintenance, power, network, equipment or other")
    p.add_argument("--reason", help="why it goes offline")
    p.add_argument("--until", help="planned back-online time, ISO 8601 (Asia/Shanghai unless an offset is given)")
    p.add_argument("--by", default="system", help="who files the report")
    _add_settings(p, ["data_dir", "database_url"])

    p = command("db", cmd_db, "relational store schema: upgrade, downgrade, current 数据库迁移")
    p.add_argument("action", choices=("upgrade", "downgrade", "current"))
    p.add_argument("revision", nargs="?", default="base", help="target of downgrade [default: base]")
    _add_settings(p, ["data_dir", "database_url"])

    p = command(
        "export",
        cmd_export,
        "export history of points to CSV or Excel 历史数据导出",
        "Raw samples (code, tag, name, unit, source and server time in Beijing time, value, quality) or,\n"
        "with --interval, mean/min/max/last/count of good samples per interval. Streamed: any range fits.\n"
        "Examples:\n  scada export -p 'E01.T101.*' --last 24h -o t101.csv\n"
        "  scada export -p 'E01.*.LT' --start 2026-11-01T00:00 --end 2026-12-01T00:00 --interval 1h -o levels.xlsx",
    )
    p.add_argument("--points", "-p", action="append", required=True, metavar="PATTERN", help="tag or glob, e.g. 'E01.T101.*' (repeatable)")
    p.add_argument("--start", help="range start, ISO 8601 (Beijing time unless an offset is given) [default: end - --last]")
    p.add_argument("--end", default="now", help="range end, ISO 8601 or 'now' [default: now]")
    p.add_argument("--last", default="24h", help="range length when --start is not given: 90s, 15m, 24h, 30d [default: 24h]")
    p.add_argument("--interval", help="aggregate per interval (e.g. 1m, 1h) instead of raw rows")
    p.add_argument("--format", choices=("csv", "xlsx"), help="[default: from the --output suffix, else csv]")
    p.add_argument("--output", "-o", help="file to write [default: standard output, CSV only]")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="column headings [default: zh]")
    _add_settings(p, ["config_dir", "data_dir"])

    p = command(
        "alarms",
        cmd_alarms,
        "active alarms, or the alarm journal with filters and CSV/xlsx export 报警",
        "Without --journal: the persisted active-alarm table (ISA-18.2 state, level, record).\n"
        "With --journal: journal rows in a window (default the last 24 h), filtered; --output FILE.csv|FILE.xlsx exports.",
    )
    p.add_argument("--journal", action="store_true", help="query the journal instead of listing active alarms")
    p.add_argument("--since", help="window start, ISO 8601 (Asia/Shanghai unless an offset is given)")
    p.add_argument("--until", help="window end [default: now]")
    p.add_argument("--hours", type=float, default=24.0, help="window length when --since is not given [default: 24]")
    p.add_argument("--point", help="a tag, or a prefix ending in * (E01.T101.*)")
    p.add_argument("--enterprise")
    p.add_argument("--priority")
    p.add_argument("--state", help="ISA-18.2 state after the transition, e.g. unacknowledged")
    p.add_argument("--user")
    p.add_argument("--output", "-o", help="export to this .csv or .xlsx file instead of printing CSV")
    _add_settings(p, ["data_dir", "database_url"])

    p = command(
        "alarm-kpi",
        cmd_alarm_kpi,
        "alarm KPIs of a scope and window (regulation and ISA-18.2 / EEMUA figures) 报警指标",
        "Scope: city, district CODE, park CODE, enterprise CODE, hazard_source CODE or point TAG. Prints JSON.",
    )
    p.add_argument("scope", choices=("city", "district", "park", "enterprise", "hazard_source", "point"))
    p.add_argument("code", nargs="?", help="the district, park, enterprise, hazard source or point")
    p.add_argument("--since", help="window start, ISO 8601 (Asia/Shanghai unless an offset is given)")
    p.add_argument("--until", help="window end [default: now]")
    p.add_argument("--hours", type=float, default=24.0, help="window length when --since is not given [default: 24]")
    _add_settings(p, ["config_dir", "data_dir", "database_url"])

    p = command(
        "video",
        cmd_video,
        "cameras: liveness checks, snapshots, availability, spot checks 视频监控与抽查",
        "Camera liveness (video lost / frozen / black / covered / blurred / moved) runs inside `scada run`;\n"
        "these actions inspect and manage it. Details: `scada video ACTION --help`.",
    )
    from video.cli import add_arguments as add_video_arguments  # argparse only: no heavy import

    add_video_arguments(p, _add_settings)

    p = command(
        "risk",
        cmd_risk,
        "enterprise warning levels and their breakdowns 企业预警等级",
        "evaluate: compute every enterprise's level from the alarm journal now and print the breakdown\n"
        "(a dry run: the server stores and acts on evaluations every minute).\n"
        "show: stored evaluations (raw indicators, scores, weights, dynamic band, matrix cell, previous → new).\n"
        "levels: the current level of every enterprise.",
    )
    p.add_argument("action", choices=("evaluate", "show", "levels"))
    p.add_argument("enterprise", nargs="*", help="enterprise codes [default: all]")
    p.add_argument("--limit", type=int, default=10, help="evaluations per enterprise for show [default: 10]")
    p.add_argument("--changes", action="store_true", help="show only evaluations that changed the level")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_settings(p, ["config_dir", "data_dir", "database_url"])

    p = command(
        "warnings",
        cmd_warnings,
        "warnings, their timeline, feedback, notices and tasks 预警处置",
        "list | show ID | feedback ID --kind verification|handling --text … [--attach FILE] [--accident] | notices | tasks.\n"
        "--scope TIER:CODE acts as that unit (default: the city), e.g. --scope enterprise:E01 to file feedback.",
    )
    p.add_argument("action", choices=("list", "show", "feedback", "notices", "tasks"))
    p.add_argument("id", nargs="?", help="warning id (show, feedback)")
    p.add_argument("--scope", help="TIER:CODE, e.g. district:FS or enterprise:E01 [default: the city]")
    p.add_argument("--status", help="list: open or closed; tasks: open, done or all [default for tasks: open]")
    p.add_argument("--colour", choices=("yellow", "orange", "red"))
    p.add_argument("--enterprise")
    p.add_argument("--kind", default="verification", choices=("verification", "handling"), help="feedback kind [default: verification]")
    p.add_argument("--text", help="feedback text")
    p.add_argument("--attach", action="append", metavar="FILE", help="attach a file to the feedback (repeatable)")
    p.add_argument("--accident", action="store_true", help="verification found an accident: start the emergency plan (art. 13)")
    p.add_argument("--by", default="system", help="who files the feedback")
    p.add_argument("--unread", action="store_true", help="notices: only unread ones addressed to the scope")
    p.add_argument("--json", action="store_true", help="show: print JSON")
    _add_settings(p, ["config_dir", "data_dir", "database_url"])

    p = command(
        "edge",
        cmd_edge,
        "run one enterprise's IoT gateway: poll, edge alarms, uplink to the platform 物联网网关",
        "Poll the enterprise's devices, evaluate its alarm thresholds and send values, device health and\n"
        "alarm states to the platform over MQTT (uplink.yaml: broker, TLS, credentials) or HTTP push.\n"
        "Every batch waits in a disk buffer (<data_dir>/edge-buffer.db) until the platform acknowledges\n"
        "it: nothing is lost while the line or the platform is down. Example: scada edge --enterprise E01",
    )
    p.add_argument("--enterprise", required=True, help="the enterprise code this gateway serves, e.g. E01")
    p.add_argument("--duration", type=float, default=None, metavar="SECONDS", help="stop after this many seconds")
    _add_settings(p, ["config_dir", "data_dir", "log_level", "log_format"])

    p = command(
        "edge-token",
        cmd_edge_token,
        "issue, list or revoke a gateway's HTTP push token 网关令牌",
        "issue ENTERPRISE --gateway ID: print a new token (shown once; stored hashed), scoped to ENTERPRISE.\n"
        "list [ENTERPRISE]: tokens and whether they are revoked.  revoke ID: the token stops working at once.",
    )
    p.add_argument("action", choices=("issue", "list", "revoke"))
    p.add_argument("target", nargs="?", help="issue/list: enterprise code; revoke: token id")
    p.add_argument("--gateway", help="issue: the gateway id (e.g. GW-E01) [default: the enterprise's configured gateway]")
    p.add_argument("--by", default="system", help="who issues the token")
    _add_settings(p, ["config_dir", "data_dir", "database_url"])

    p = command(
        "reload",
        cmd_reload,
        "apply the changed configuration to the running server without a restart 热加载配置",
        "Checks the tree as check-config does (errors printed the same way; nothing is signalled), then signals\n"
        "the server (pid in <data_dir>/scada.pid, SIGHUP) and waits for its answer: points added / removed /\n"
        "with new limits, drivers restarted, the version kept. Alarm states of unchanged points are kept.",
    )
    p.add_argument("--reason", default="reload", help="why: kept with the configuration version")
    p.add_argument("--by", default=None, help="who reloads [default: the login name]")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="how long to wait for the server's answer")
    _add_settings(p, ["config_dir", "data_dir"])

    p = command(
        "engineering",
        cmd_engineering,
        "configuration versions, change requests and point spreadsheets 工程配置",
        "versions | version ID: the applied configurations and a version's diff.  changes [--status S]: change requests.\n"
        "export --enterprise E [--hazard-source H] [--equipment Q] --out points.xlsx|points.csv: every configurable column.\n"
        "check-sheet FILE: check an edited sheet row by row (errors name the cell, e.g. points.xlsx!F17) and show the diff;\n"
        "submitting it and approving it happen in the HMI (工程) or the API, where the review 审核 is enforced.",
    )
    p.add_argument("action", choices=("versions", "version", "changes", "export", "check-sheet"))
    p.add_argument("target", nargs="?", help="version: the version id; check-sheet: the sheet file")
    p.add_argument("--status", choices=("pending", "applied", "rejected", "withdrawn"), help="changes: only these")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--enterprise", help="export: enterprise code")
    p.add_argument("--hazard-source", dest="hazard_source", help="export: only this hazard source")
    p.add_argument("--equipment", help="export: only this equipment")
    p.add_argument("--out", help="export: the file to write (.xlsx or .csv)")
    _add_settings(p, ["config_dir", "data_dir", "database_url"])

    from governance.cli import add_commands as add_governance_commands  # argparse only: no heavy import

    add_governance_commands(command, _add_settings, _settings)

    p = command("settings", cmd_settings, "list every setting with its current value and where it comes from 参数列表")
    _add_settings(p, [s.name for s in SETTINGS])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args: Any = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScadaError as exc:  # an expected failure: a clear message, no traceback
        report = getattr(exc, "report", None)
        if callable(report):
            print(report(), file=sys.stderr)
        print(f"scada {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head or less that closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
