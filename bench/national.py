"""National-scale load: edge simulators → MQTT broker → central workers → alarms → historian.

A synthetic country is written to a temporary folder: ``--enterprises`` enterprises (default 440)
spread over five districts, ``--points`` points in all (default 440,000, i.e. 1,000 each, ten per
equipment from one template, limits set so that a few percent of the points alarm), one gateway
each. Every point reports on average every ``--period-s`` (47 s: ≈9,300 values/s, 800 million a
day) with bursts of ``--burst`` × the base rate for ``--burst-s`` every ``--burst-every-s`` (all
gateways at once, on the wall clock; the average includes the bursts). Processes, all on this machine:

- a private ``mosquitto`` on a free loopback port, a password per gateway and the ACL of
  ``edge.topics.acl`` (as in production);
- ``--workers`` central workers, ``scada run --source mqtt`` each, splitting the enterprises; each
  writes history to the production store, InfluxDB (a private ``influxd`` on a free loopback port,
  ``max-values-per-tag = 0``, a database per worker; ``--historian sqlite``: the embedded default
  ``history.db`` instead) with rollups to 1 hour only (``retention.minute_days: 0``: a 1-minute tier
  of points reporting every 47 s would hold as many rows as raw), keeps its relational store ``scada.db`` (SQLite) in its data folder and
  runs the alarm engine on every live value;
- ``--simulators`` processes of ``python -m edge.synthetic --mode random``, the gateways shared
  among them (real ``Uplink``s: fsync'd disk spool — in /dev/shm, see ``--spool-dir`` — QoS 1,
  end-to-end acknowledgement). They stand for the enterprises' own machines but use this one's CPU,
  at ``--simulator-nice`` (10, given to each simulator's session autogroup too): the broker and the
  workers, the system measured, come first. A simulated sample carries the time it was due, so a
  simulator's own lag counts in the latency.

Steady state, not a first start: each worker's historian already knows its points (``--fresh-history``
to start empty) and last month's district reports are not made at start (``--monthly-reports`` to make
them, as a fresh store after the report day does). The workers are started first and must be up
(their first statistics with every enterprise assigned) before the gateways start; that start-up
time is printed, not measured. After ``--warmup-s`` the measured window of ``--duration`` seconds
begins. The figures come from the workers' own statistics (``{prefix}/_stats/{worker}``, every
second): stored samples and the latency histogram (gateway source time → stored in the historian,
live batches; bucket bounds, ±12 %), taken at the window's start and end and merged over the
workers. CPU and memory of every process come from /proc: utime + stime over the window, VmHWM
(peak resident set since the process started, so the workers' include loading the plant).

    python bench/national.py                                                  # the full load, 10 minutes
    python bench/national.py --duration 45 --points 20000 --enterprises 40   # a smoke run

Prints ``BENCH national_sustained_values_per_s`` (stored per second over the window),
``national_peak_values_per_s`` (best 10 s), ``national_latency_p50_ms``, ``national_latency_p99_ms``,
``national_peak_rss_mb`` (the largest single process), ``national_cpu_cores`` (every process),
``national_central_cpu_cores`` (broker and workers) and ``national_startup_s``. The target
(issue 10): one 2-core machine carries it with p99 under 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

import influxd as influxd_support  # noqa: E402
import mosquitto as mosquitto_support  # noqa: E402
import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from edge import topics  # noqa: E402
from edge.membership import assign  # noqa: E402
from edge.stats import Histogram  # noqa: E402
from historian.config import load_historian_config  # noqa: E402
from historian.rows import US, Row  # noqa: E402
from historian.service import Historian  # noqa: E402
from tags import Quality  # noqa: E402

DISTRICTS = ("FS", "DX", "SY", "TZ", "JK")
PREFIX = "scada/v1"
GATEWAY_PASSWORD = "national-gw"
WORKER_PASSWORD = "national-worker"
POINTS_PER_EQUIPMENT = 10
# influxd's storage settings for 440,000 series (docs/operation.md, "InfluxDB at scale"): with the 25 MB default the
# write cache was snapshotted to a new TSM file — every one indexing ~220,000 series keys, then compacted — every
# few seconds in a burst, and influxd took more than a core for it.
INFLUX_AT_SCALE = """  cache-snapshot-memory-size = "512m"
  cache-max-memory-size = "2g"
  max-concurrent-compactions = 1
"""
# influxd's Go collector at twice its default heap growth: at 220,000 series per database its live heap (mostly the
# write cache) is ~0.5–1.2 GB, and each collection costs 2–3.5 CPU-seconds in 1–2.4 s (GODEBUG=gctrace=1). With the
# default (100) that came every 50–75 s and, landing in a burst, took the core the workers needed (burst windows'
# p99 up to 2.5 s); with 200 it comes every 75–125 s for ~1.5 GB more memory.
INFLUX_GOGC = 200
PEAK_WINDOW_S = 10.0
# paho-mqtt waits on its socket with select(), which fails for descriptors above 1023; a simulated gateway holds
# ~8 (two SQLite connections on its spool with their WAL files, its socket and paho's wake-up pair), and every
# spool is opened before any socket: more than ~120 gateways in one process and none of them connects.
GATEWAYS_PER_SIMULATOR = 80

# The random walk of edge.synthetic starts at 50 and moves up to ±1 per report: the wide limits never trip,
# the tight band of XT1 (48.5 … 51.5, one point in ten) puts up to a few percent of all points into alarm over
# ten minutes, so the alarm engine raises, clears and journals alarms as it would in a real plant.
WIDE = {"low_low": 10.0, "low": 20.0, "high": 80.0, "high_high": 90.0}
TEMPLATE_POINTS = [
    ("PT1", "pressure", "MPa", WIDE),
    ("PT2", "pressure", "MPa", {"high": 80.0, "high_high": 90.0}),
    ("TT1", "temperature", "°C", {"high": 80.0, "high_high": 90.0}),
    ("TT2", "temperature", "°C", {"high": 85.0}),
    ("LT1", "level", "%", WIDE),
    ("LT2", "level", "%", {"low": 15.0, "high": 85.0}),
    ("FT1", "flow", "m3/h", {"high": 90.0}),
    ("FT2", "flow", "m3/h", {"low": 5.0}),
    ("AT1", "other", "%", {"high": 95.0}),
    ("XT1", "other", "%", {"low": 48.5, "high": 51.5}),
]


# -- the synthetic country -----------------------------------------------------------------------


def write_country(
    root: Path, enterprises: int, points_per_enterprise: int, broker_port: int, batch_delay_s: float, monthly_reports: bool
) -> dict[str, list[str]]:
    """The configuration tree (site, one template, one file per enterprise, uplink.yaml, governance.yaml); returns
    enterprise → tags."""
    (root / "enterprises").mkdir(parents=True)
    (root / "templates").mkdir()
    site = {
        "city": {"code": "CN", "name": "全国"},
        "districts": [{"code": d, "name": f"地区{d}"} for d in DISTRICTS],
        "scan_classes": {"normal": {"period_s": 47}},
    }
    (root / "site.yaml").write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    template = {
        "kind": "other",
        "points": [
            {
                "key": key,
                "name": f"测点{key}",
                "tag": f"{{eq}}-{key}",
                "kind": kind,
                "unit": unit,
                "range": [0, 100],
                "thresholds": limits,
                "deadband": 0.2,
                "source": {"address": 2 * i},
            }
            for i, (key, kind, unit, limits) in enumerate(TEMPLATE_POINTS)
        ],
    }
    (root / "templates" / "national.yaml").write_text(yaml.safe_dump({"templates": {"unit10": template}}, allow_unicode=True))
    width = len(str(enterprises))
    tags: dict[str, list[str]] = {}
    for n in range(enterprises):
        code = f"N{n:0{width}d}"
        units = [f"U{k:03d}" for k in range(points_per_enterprise // POINTS_PER_EQUIPMENT)]
        ent = {
            "enterprise": {
                "code": code,
                "name": f"企业{code}",
                "address": "-",
                "principal": {"name": "-"},
                "district": DISTRICTS[n % len(DISTRICTS)],
                "gateway": {"id": f"GW-{code}"},
            },
            # Never polled (the workers consume MQTT); points need a device to be valid.
            "devices": [{"id": "PLC", "protocol": "modbus_tcp", "host": "127.0.0.1", "port": 502}],
            "hazard_sources": [
                {
                    "code": f"{code}-HS1",
                    "name": "生产装置",
                    "kind": "production_unit",
                    "people_within_500m": 0,
                    "chemicals": [{"name": "甲醇", "max_quantity_t": 1000, "hazard_class": "W5.3"}],
                    "equipment": [
                        {"code": u, "name": f"单元{u}", "template": "unit10", "device": "PLC", "address_base": 2 * POINTS_PER_EQUIPMENT * k}
                        for k, u in enumerate(units)
                    ],
                }
            ],
        }
        (root / "enterprises" / f"{code.lower()}.yaml").write_text(
            yaml.safe_dump(ent, allow_unicode=True, sort_keys=False, default_flow_style=None), encoding="utf-8"
        )
        tags[code] = [f"{code}.{u}.{key}" for u in units for key, *_ in TEMPLATE_POINTS]
    (root / "uplink.yaml").write_text(
        f"broker:\n  host: 127.0.0.1\n  port: {broker_port}\n"
        '  gateway: {username: "{enterprise}", password_env: NATIONAL_GW_PASSWORD}\n'
        "  worker: {username: worker, password_env: NATIONAL_WORKER_PASSWORD}\n"
        f"topic_prefix: {PREFIX}\nbatch: {{max_delay_s: {batch_delay_s}}}\nannounce_every_s: 1\n"
    )
    if not monthly_reports:
        # A fresh store after the report day makes every worker catch up last month's district reports at start,
        # minutes of work at this scale (see --monthly-reports): a once-a-month job, not the steady state measured here.
        (root / "governance.yaml").write_text("reports: {units: []}\n")
    return tags


def write_gateways(path: Path, codes: list[str], tags: dict[str, list[str]], rate_of: dict[str, float]) -> None:
    """An ``edge.synthetic`` gateway spec: each gateway's base rate (values/s outside bursts)."""
    spec = [{"enterprise": c, "district": DISTRICTS[int(c[1:]) % len(DISTRICTS)], "tags": tags[c], "rate": rate_of[c]} for c in codes]
    path.write_text(json.dumps(spec))


def worker_config(config: Path, name: str, influx_url: str) -> Path:
    """The worker's configuration: the country's, with InfluxDB as its historian (a database per worker) unless
    the embedded SQLite default is measured (``influx_url`` empty)."""
    if not influx_url:
        return config
    own = config.parent / f"config-{name}"
    shutil.copytree(config, own)
    # No 1-minute tier: points reporting every 47 s on average put ~1.3 samples in a minute, so that tier would
    # be as many rows as raw (it doubled influxd's writes and cost the workers ~5 µs a row to fold) for no gain.
    (own / "historian.yaml").write_text(
        f"backend: influxdb1\ninfluxdb1: {{url: '{influx_url}', database: national_{name}}}\nretention: {{minute_days: 0}}\n"
    )
    return own


def seed_history(config: Path, data: Path, tags: list[str]) -> None:
    """A worker's historian as after its first day: every point of its share known (one value of yesterday each).
    A new history learns a point when it first reports (a new SQLite history.db looks each new one up, a new
    InfluxDB series is indexed) — for 440,000 points reporting every 47 s, nearly every write of the first ten
    minutes brings new points (``--fresh-history`` measures that)."""
    t = round((time.time() - 86400) * US)
    historian = Historian(load_historian_config(config), data)
    try:
        historian.setup()  # InfluxDB: the database and its retention policies
        historian.backend.write([Row(tag, t, 50.0, int(Quality.GOOD), t) for tag in tags])
    finally:
        historian.close()


# -- processes ---------------------------------------------------------------------------------


try:
    _PRCTL = ctypes.CDLL(None).prctl  # looked up here: the child between fork and exec should do as little as possible
except (OSError, AttributeError):
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child: SIGTERM when the bench itself dies (even by SIGKILL), so no simulator or worker is left behind."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _in_child(nice: int) -> Callable[[], None]:
    """The child's set-up: die with the bench; and, as it runs in its own session, give that session's autogroup
    the nice value too — with the kernel's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) a
    process's own nice only ranks it within its session, so ``nice -n 10`` alone left six simulator sessions
    each an equal share with every worker's (measured: 0.8–1.0 of the 2 cores to the simulators in a burst)."""

    def setup() -> None:
        _die_with_parent()
        if nice:
            with contextlib.suppress(OSError):  # no autogroups (disabled, or another kernel): the plain nice holds
                Path("/proc/self/autogroup").write_text(str(nice))

    return setup


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.proc.pid


class Children:
    """The bench's child processes; ``stop_all`` (SIGTERM, then SIGKILL) runs whatever happens."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[Child] = []

    def start(self, name: str, argv: list[str], nice: int = 0) -> Child:
        log = self.root / f"{name}.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "NATIONAL_GW_PASSWORD": GATEWAY_PASSWORD,
            "NATIONAL_WORKER_PASSWORD": WORKER_PASSWORD,
        }
        with log.open("ab") as out:
            # Own session: a Ctrl-C reaches the bench only, which then stops everything in order.
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True, preexec_fn=_in_child(nice)
            )
        child = Child(name, proc, log)
        self.items.append(child)
        return child

    def check(self) -> None:
        for c in self.items:
            if c.proc.poll() is not None:
                tail = c.log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"{c.name} exited with {c.proc.returncode}; the end of its log:\n{tail}")

    def stop(self, children: list[Child], timeout_s: float) -> None:
        for c in children:
            if c.proc.poll() is None:
                c.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for c in children:
            try:
                c.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                c.proc.kill()
                c.proc.wait()

    def stop_all(self) -> None:
        self.stop(self.items, 30.0)


# -- /proc ---------------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a worker's helpers count as the worker's)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Usage:
    cpu_s: float  # the whole tree
    hwm_mb: float  # the largest single process's peak resident set
    rss_mb: float  # the tree's resident set now


def usage(pid: int) -> Usage:
    pids = _tree(pid)
    return Usage(
        sum(_cpu_s(p) for p in pids),
        max(_status_kb(p, "VmHWM") for p in pids) / 1024,
        sum(_status_kb(p, "VmRSS") for p in pids) / 1024,
    )


# -- the workers' statistics ---------------------------------------------------------------------


@dataclass
class Snapshot:
    at: float  # the worker's clock (POSIX seconds)
    stats: dict[str, object]

    def count(self, key: str) -> int:
        value = self.stats.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    def histogram(self) -> Histogram:
        counts = self.stats.get("latency_hist")
        return Histogram(counts) if isinstance(counts, list) else Histogram()


class StatsListener:
    """Subscribes to ``{prefix}/_stats/+`` (as the worker user) and keeps every snapshot per worker."""

    def __init__(self, port: int) -> None:
        self.by_worker: dict[str, list[Snapshot]] = {}
        self._lock = threading.Lock()
        c = self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="national-bench", clean_session=True)
        c.username_pw_set("worker", WORKER_PASSWORD)
        c.on_connect = lambda client, *_: client.subscribe(topics.stats(PREFIX, "+"), qos=1)
        c.on_message = self._message
        c.connect("127.0.0.1", port, 30)
        c.loop_start()

    def _message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            stats = json.loads(msg.payload)
        except ValueError:
            return
        with self._lock:
            self.by_worker.setdefault(str(stats.get("worker")), []).append(Snapshot(float(stats["at"]), stats))

    def latest(self) -> dict[str, Snapshot]:
        with self._lock:
            return {w: s[-1] for w, s in self.by_worker.items() if s}

    def at(self, worker: str, t: float) -> Snapshot | None:
        """The worker's last snapshot taken at or before ``t``."""
        with self._lock:
            found = [s for s in self.by_worker.get(worker, []) if s.at <= t]
        return found[-1] if found else None

    def longest_gap(self, worker: str, t0: float, t1: float) -> float:
        """The longest time between two statistics of the worker inside [t0, t1]: its event loop stalled that long."""
        with self._lock:
            ats = [s.at for s in self.by_worker.get(worker, []) if t0 <= s.at <= t1]
        return max((b - a for a, b in itertools.pairwise(ats)), default=0.0)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@dataclass
class Window:
    """What the workers did between two instants, summed over them."""

    seconds: float
    values_per_s: float
    latency: Histogram
    late_batches: int
    duplicates: int
    store_failures: int


def window(listener: StatsListener, workers: list[str], t0: float, t1: float) -> Window:
    rate, hist, late, dups, failures, span = 0.0, Histogram(), 0, 0, 0, 0.0
    for w in workers:
        a, b = listener.at(w, t0), listener.at(w, t1)
        if a is None or b is None or b.at <= a.at:
            continue
        rate += (b.count("samples") - a.count("samples")) / (b.at - a.at)  # per worker over its own clock readings
        hist = hist.merge(b.histogram().minus(a.histogram()))
        late += b.count("late_batches") - a.count("late_batches")
        dups += b.count("duplicates") - a.count("duplicates")
        failures += b.count("store_failures") - a.count("store_failures")
        span = max(span, b.at - a.at)
    return Window(span, rate, hist, late, dups, failures)


def peak_rate(listener: StatsListener, workers: list[str], t0: float, t1: float, span_s: float = PEAK_WINDOW_S) -> float:
    """The highest stored values/s over any ``span_s`` inside [t0, t1] (1 s steps)."""
    best, t = 0.0, t0
    while t + span_s <= t1 + 1e-6:
        best = max(best, window(listener, workers, t, t + span_s).values_per_s)
        t += 1.0
    return best


def mean_factor(args: argparse.Namespace, t0: float, t1: float) -> float:
    """The gateways' mean rate factor over [t0, t1]: edge.synthetic bursts on the wall clock (t % every < burst_s)."""
    if not args.burst_every_s or args.burst <= 1:
        return 1.0
    steps = max(1, round((t1 - t0) * 10))
    inside = sum(1 for i in range(steps) if (t0 + (i + 0.5) * (t1 - t0) / steps) % args.burst_every_s < args.burst_s)
    return 1 + (args.burst - 1) * inside / steps


def ms(value: float | None) -> str:
    return "nan" if value is None else f"{value:.0f}"


# -- the run ------------------------------------------------------------------------------------


def wait_ready(listener: StatsListener, children: Children, names: list[str], enterprises: int, timeout_s: float) -> dict[str, float]:
    """Until every worker has published statistics that show all of them and every enterprise assigned;
    returns each worker's start-up time (spawn → first statistics)."""
    up: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        children.check()
        latest = listener.latest()
        for c in children.items:
            if c.name in latest and c.name not in up:
                up[c.name] = time.monotonic() - c.started
                print(f"worker {c.name} up after {up[c.name]:.1f} s (plant loaded, stores migrated, alarm engine started)", flush=True)
        settled = len(latest) == len(names) and all(s.count("workers") == len(names) for s in latest.values())
        if settled and sum(s.count("enterprises") for s in latest.values()) == enterprises:
            return up
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers were not ready within {timeout_s:.0f} s (statistics: {sorted(latest)})")
        time.sleep(0.5)


def sleep_checked(children: Children, seconds: float) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        children.check()
        time.sleep(min(1.0, left))


def simulator_totals(child: Child) -> dict[str, int]:
    for line in reversed(child.log.read_text(errors="replace").splitlines()):
        if line.startswith("{"):
            try:
                return {k: int(v) for k, v in json.loads(line).items()}
            except (ValueError, TypeError):
                break
    return {}


def alarm_journal_rows(db: Path) -> int | None:
    import sqlite3

    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return int(conn.execute("SELECT count(*) FROM alarm_journal").fetchone()[0])
    except sqlite3.Error:
        return None


def worker_argv(config: Path, data: Path, name: str) -> list[str]:
    return [
        sys.executable, "-m", "scada.cli", "run", "--source=mqtt", f"--config-dir={config}", f"--data-dir={data}",
        f"--worker-id={name}", "--hmi-port=0", "--status-interval-s=60", "--log-format=json",
    ]  # fmt: skip


def simulator_argv(config: Path, data: Path, spec: Path, args: argparse.Namespace) -> list[str]:
    return [
        "nice", "-n", str(args.simulator_nice),
        sys.executable, "-m", "edge.synthetic", f"--config-dir={config}", f"--data-dir={data}", f"--gateways={spec}",
        "--mode=random", f"--burst={args.burst}", f"--burst-s={args.burst_s}", f"--burst-every-s={args.burst_every_s}",
        f"--duration={args.warmup_s + args.duration + 300}",  # a safety net: the bench stops them long before
    ]  # fmt: skip


@contextlib.contextmanager
def folders(args: argparse.Namespace) -> Iterator[tuple[Path, Path]]:
    """The work folder (configuration, logs, the workers' data) and the gateways' spool folder; removed at the end
    unless ``--keep`` (the spool always: it may be in /dev/shm, i.e. memory)."""
    spool_root = args.spool_dir if args.spool_dir and Path(args.spool_dir).is_dir() else None
    work = Path(tempfile.mkdtemp(prefix="national-"))
    spool = Path(tempfile.mkdtemp(prefix="national-spool-", dir=spool_root))
    try:
        yield work, spool
    finally:
        shutil.rmtree(spool, ignore_errors=True)
        if args.keep:
            print(f"kept {work} (configuration, logs, the workers' databases)")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    per_ent = max(POINTS_PER_EQUIPMENT, round(args.points / args.enterprises / POINTS_PER_EQUIPMENT) * POINTS_PER_EQUIPMENT)
    points = per_ent * args.enterprises
    factor = 1 + (args.burst - 1) * args.burst_s / args.burst_every_s if args.burst_every_s and args.burst > 1 else 1.0
    offered = points / args.period_s
    base_per_ent = per_ent / args.period_s / factor  # edge.synthetic's rate is the base, bursts come on top
    burst_text = f", bursts {args.burst:g}× for {args.burst_s:g} s every {args.burst_every_s:g} s" if factor > 1 else ""
    print(
        f"national load: {args.enterprises} enterprises × {per_ent} points = {points} points, each reporting every "
        f"{args.period_s:g} s on average: {offered:,.0f} values/s offered (base {offered / factor:,.0f}/s{burst_text}; "
        f"{offered * 86400 / 1e6:,.0f} million a day)",
        flush=True,
    )
    with folders(args) as (work, spool):
        config = work / "config"
        children = Children(work)
        listener: StatsListener | None = None
        codes = [f"N{n:0{len(str(args.enterprises))}d}" for n in range(args.enterprises)]
        users = {c: GATEWAY_PASSWORD for c in codes} | {"worker": WORKER_PASSWORD}
        broker = mosquitto_support.Mosquitto(work / "broker", users=users, acl=topics.acl(PREFIX))
        influx = influxd_support.Influxd(work / "influxd", INFLUX_AT_SCALE, INFLUX_GOGC) if args.historian == "influxdb" else None
        try:
            t = time.perf_counter()
            tags = write_country(config, args.enterprises, per_ent, broker.port, args.batch_delay_s, args.monthly_reports)
            print(f"configuration written in {time.perf_counter() - t:.1f} s ({work})", flush=True)
            broker.start()
            assert broker.proc is not None
            services = {"broker": broker.proc.pid}
            if influx is not None:
                influx.start()
                assert influx.proc is not None
                services["influxd"] = influx.proc.pid
            print(f"historian: {f'InfluxDB at {influx.url}, a database per worker' if influx else 'SQLite (embedded)'}", flush=True)
            listener = StatsListener(broker.port)
            names = [f"w{i + 1}" for i in range(args.workers)]
            configs = {name: worker_config(config, name, influx.url if influx else "") for name in names}
            if not args.fresh_history:
                t = time.perf_counter()
                for name, share in assign(codes, names).items():
                    seed_history(configs[name], work / name, [tag for c in sorted(share) for tag in tags[c]])
                print(f"historians seeded with their points in {time.perf_counter() - t:.1f} s (steady state; --fresh-history: not)")
            workers = [children.start(name, worker_argv(configs[name], work / name, name)) for name in names]
            startup = wait_ready(listener, children, names, args.enterprises, args.startup_timeout_s)
            print(f"workers ready after {max(startup.values()):.1f} s", flush=True)

            sims: list[Child] = []
            for k in range(args.simulators):
                group = codes[k :: args.simulators]
                if not group:
                    continue
                spec = work / f"gateways{k + 1}.json"
                write_gateways(spec, group, tags, dict.fromkeys(group, base_per_ent))
                sims.append(children.start(f"sim{k + 1}", simulator_argv(config, spool / f"sim{k + 1}", spec, args), args.simulator_nice))
            print(f"{len(sims)} simulator processes, {args.enterprises} gateways; warm-up {args.warmup_s:g} s", flush=True)
            sleep_checked(children, args.warmup_s)
            if not sum(s.count("samples") for s in listener.latest().values()):
                raise SystemExit(
                    f"nothing stored after the warm-up: see the simulators' logs and the broker's in {work} (--keep keeps them)"
                )

            t_start = time.time()
            before = {c.name: usage(c.pid) for c in children.items} | {k: usage(pid) for k, pid in services.items()}
            print(f"measuring {args.duration:g} s", flush=True)
            last = t_start
            while (now := time.time()) < t_start + args.duration:
                sleep_checked(children, min(args.progress_every_s, t_start + args.duration - now))
                now = time.time()
                if now - last >= args.progress_every_s - 0.5 or now >= t_start + args.duration:
                    w = window(listener, names, last, now)
                    print(
                        f"  t={now - t_start:5.0f} s  stored {w.values_per_s:8,.0f} values/s  latency p50 {ms(w.latency.quantile(0.5))} ms"
                        f"  p99 {ms(w.latency.quantile(0.99))} ms  late batches {w.late_batches}",
                        flush=True,
                    )
                    last = now
            t_end = time.time()
            after = {c.name: usage(c.pid) for c in children.items} | {k: usage(pid) for k, pid in services.items()}
            time.sleep(1.5)  # the workers' statistics taken just before t_end are on their way
            result = window(listener, names, t_start, t_end)
            peak = peak_rate(listener, names, t_start, t_end)

            children.stop(sims, 60.0)
            sent = [simulator_totals(s) for s in sims]
            children.stop(workers, 120.0)
        finally:
            children.stop_all()
            if listener is not None:
                listener.stop()
            broker.stop()
            if influx is not None:
                influx.stop()
        alarms = [alarm_journal_rows(work / n / "scada.db") for n in names]

    wall = t_end - t_start
    in_window = offered / factor * mean_factor(args, t_start, t_end)  # what the gateways made in this window's share of bursts
    print(
        f"\nwindow {wall:.0f} s: stored {result.values_per_s:,.0f} values/s sustained (made by the gateways in the window: "
        f"{in_window:,.0f}/s; on average over whole burst cycles: {offered:,.0f}/s), best {PEAK_WINDOW_S:g} s {peak:,.0f} values/s"
    )
    print(
        f"latency gateway time → stored, live samples ({result.latency.total:,} in the window): "
        f"p50 {ms(result.latency.quantile(0.5))} ms, p99 {ms(result.latency.quantile(0.99))} ms"
    )
    print(
        f"late batches {result.late_batches} (history only, not in the latency), duplicates {result.duplicates}, "
        f"store failures {result.store_failures}"
    )
    totals = {k: sum(s.get(k, 0) for s in sent) for k in ("sent", "published", "resends", "refused_samples")}
    print(
        f"gateways (whole run): {totals['sent']:,} values sent in {totals['published']:,} batches, "
        f"{totals['resends']} re-sends, {totals['refused_samples']} refused"
    )
    print(f"alarm journal rows per worker: {', '.join(f'{n} {a}' for n, a in zip(names, alarms, strict=True))}")
    gaps = ", ".join(f"{n} {listener.longest_gap(n, t_start, t_end):.1f} s" for n in names)
    print(f"longest gap between a worker's statistics (due every 1 s; more is an event-loop stall): {gaps}")
    print(f"start-up (spawn → first statistics): {', '.join(f'{n} {s:.1f} s' for n, s in startup.items())}")
    print(f"\n{'process':<10} {'CPU cores':>9} {'CPU-s':>8} {'peak RSS MB':>12} {'RSS MB':>8}")
    central = 0.0
    for name in [*services, *names, *(s.name for s in sims)]:
        a, b = before[name], after[name]
        cores = (b.cpu_s - a.cpu_s) / wall
        if not name.startswith("sim"):
            central += cores
        print(f"{name:<10} {cores:>9.2f} {b.cpu_s - a.cpu_s:>8.1f} {b.hwm_mb:>12.0f} {b.rss_mb:>8.0f}")
    total_cores = sum(after[n].cpu_s - before[n].cpu_s for n in after) / wall
    print(
        f"{'all':<10} {total_cores:>9.2f}   (central — broker, historian, workers: {central:.2f} cores; "
        "the simulators stand for the gateways' own machines)\n"
    )
    print(f"BENCH national_sustained_values_per_s {result.values_per_s:.0f} values/s")
    print(f"BENCH national_peak_values_per_s {peak:.0f} values/s")
    print(f"BENCH national_latency_p50_ms {ms(result.latency.quantile(0.5))} ms")
    print(f"BENCH national_latency_p99_ms {ms(result.latency.quantile(0.99))} ms")
    print(f"BENCH national_peak_rss_mb {max(u.hwm_mb for u in after.values()):.0f} MB")
    print(f"BENCH national_cpu_cores {total_cores:.2f} cores")
    print(f"BENCH national_central_cpu_cores {central:.2f} cores")
    print(f"BENCH national_startup_s {max(startup.values()):.1f} s")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=600.0, help="measured window in seconds [default: 600]")
    p.add_argument("--warmup-s", type=float, default=30.0, help="gateways running before the window opens [default: 30]")
    p.add_argument("--points", type=int, default=440_000, help="points in all, rounded to tens per enterprise [default: 440000]")
    p.add_argument("--enterprises", type=int, default=440, help="enterprises, one gateway each [default: 440]")
    p.add_argument("--workers", type=int, default=2, help="central workers (scada run --source mqtt) [default: 2]")
    p.add_argument(
        "--simulators",
        type=int,
        default=0,
        help=f"processes running the simulated gateways, at most {GATEWAYS_PER_SIMULATOR} gateways each "
        f"[default: 0, as few as that allows]",
    )
    p.add_argument("--period-s", type=float, default=47.0, help="average seconds between two reports of a point [default: 47]")
    p.add_argument("--burst", type=float, default=5.0, help="rate factor during a burst [default: 5]")
    p.add_argument("--burst-s", type=float, default=10.0, help="length of a burst in seconds [default: 10]")
    p.add_argument("--burst-every-s", type=float, default=100.0, help="a burst starts every this many seconds; 0: none [default: 100]")
    p.add_argument(
        "--batch-delay-s", type=float, default=0.5, help="uplink.yaml batch.max_delay_s of the gateways (as its default) [default: 0.5]"
    )
    p.add_argument("--startup-timeout-s", type=float, default=900.0, help="give up when the workers are not up by then [default: 900]")
    p.add_argument("--progress-every-s", type=float, default=30.0, help="a progress line this often [default: 30]")
    p.add_argument(
        "--simulator-nice",
        type=int,
        default=10,
        help="niceness of the simulator processes: they stand for the enterprises' own machines, so the broker and the "
        "workers (the system measured) get this machine's CPU first; samples a simulator makes late carry their late "
        "source time, what waits in it after that counts in the latency [default: 10; 0: equal shares]",
    )
    p.add_argument(
        "--spool-dir",
        default="/dev/shm",
        help="where the simulated gateways keep their disk buffers; a real gateway fsyncs to its own disk, 440 of them "
        "fsyncing to this machine's one disk would measure the disk [default: /dev/shm, the temp folder if absent]",
    )
    p.add_argument(
        "--fresh-history",
        action="store_true",
        help="start the workers' historians empty instead of knowing their points (a first day, not the steady state)",
    )
    p.add_argument(
        "--monthly-reports",
        action="store_true",
        help="let the workers make last month's district reports at start, as a fresh store does after the report day "
        "(off by default: a once-a-month job that takes minutes at this scale)",
    )
    p.add_argument(
        "--historian",
        choices=("influxdb", "sqlite"),
        default="influxdb",
        help="the workers' history: InfluxDB (the production storage; a private influxd on a free port, a database "
        "per worker, counted with the central processes) or the embedded SQLite default [default: influxdb]",
    )
    p.add_argument("--keep", action="store_true", help="keep the work folder (configuration, logs, databases) at the end")
    args = p.parse_args(argv)
    if min(args.workers, args.enterprises, args.points) < 1 or args.simulators < 0 or args.duration < PEAK_WINDOW_S:
        p.error(f"--workers, --enterprises and --points must be positive, --duration at least {PEAK_WINDOW_S:g}")
    needed = -(-args.enterprises // GATEWAYS_PER_SIMULATOR)
    if args.simulators and args.simulators < needed:
        p.error(f"--simulators {args.simulators}: {args.enterprises} gateways need at least {needed} (select() in paho-mqtt)")
    args.simulators = args.simulators or needed
    if not mosquitto_support.available():
        raise SystemExit("mosquitto and mosquitto_passwd are needed (Debian package mosquitto)")
    if args.historian == "influxdb" and not influxd_support.available():
        raise SystemExit("influxd is needed (Debian package influxdb; scripts/setup installs it), or --historian sqlite")

    def interrupted(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM as Ctrl-C: the finally blocks stop every child and remove the folders

    signal.signal(signal.SIGTERM, interrupted)
    try:
        run(args)
    except KeyboardInterrupt:
        raise SystemExit("interrupted; every child process was stopped") from None


if __name__ == "__main__":
    main()
