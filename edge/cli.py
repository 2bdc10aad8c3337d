"""``scada edge`` and ``scada edge-token`` (argparse lives in scada/cli.py; heavy imports stay here)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import UTC, datetime

from scada.errors import ScadaError
from scada.settings import Settings


def cmd_edge(args: argparse.Namespace, settings: Settings) -> int:
    from edge.gateway import EdgeGateway
    from scada.config import load_plant
    from scada.gc_tuning import pause_until_frozen
    from scada.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    pause_until_frozen()  # the gateway freezes its long-lived heap once built (scada/gc_tuning.py)
    plant = load_plant(settings.config_dir)
    gateway = EdgeGateway(plant, args.enterprise, settings.config_dir, settings.data_dir)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, gateway.stop)
        await gateway.run(args.duration)

    asyncio.run(run())
    return 0


def cmd_edge_token(args: argparse.Namespace, settings: Settings) -> int:
    from edge.tokens import GatewayTokens
    from scada.config import load_plant
    from scada.store import connect, upgrade

    engine = connect(settings.effective_database_url)
    upgrade(engine)
    tokens = GatewayTokens(engine)
    try:
        if args.action == "issue":
            if not args.target:
                raise ScadaError("issue needs the enterprise code, e.g. scada edge-token issue E01")
            plant = load_plant(settings.config_dir)
            try:
                gateway = args.gateway or plant.enterprise(args.target).enterprise.gateway.id
            except KeyError:
                raise ScadaError(f"enterprise {args.target!r} is not in the configuration") from None
            print(tokens.issue(args.target, gateway, args.by))
        elif args.action == "revoke":
            if not (args.target or "").isdigit():
                raise ScadaError("revoke needs the token id shown by `scada edge-token list`")
            if not tokens.revoke(int(args.target)):
                raise ScadaError(f"no active token #{args.target}")
            print(f"revoked token #{args.target}")
        else:
            for t in tokens.list(args.target):
                issued = datetime.fromtimestamp(t.created_at, UTC)
                state = f"revoked {datetime.fromtimestamp(t.revoked_at, UTC):%Y-%m-%d %H:%M}Z" if t.revoked_at else "active"
                print(f"#{t.id} {t.enterprise} {t.gateway} issued {issued:%Y-%m-%d %H:%M}Z by {t.created_by}: {state}")
    finally:
        engine.dispose()
    return 0
