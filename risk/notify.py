"""Notifications: the in-app feed and pluggable outbound channels (e-mail over SMTP, a webhook).

Enqueueing writes rows in the caller's transaction — one in-app row per unit (the HMI shows it,
with sound for warnings and notices, until someone of that unit marks it seen) and one pending
delivery per configured address — so a warning and its notifications commit together.
``dispatch_due`` sends the pending deliveries whose time has come; a failure is retried with
the configured backoff and recorded (attempts, last error) until it is sent or given up.
Sending blocks: the service runs it in an executor.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import requests
from sqlalchemy import Connection, Engine, and_, insert, select, update

from risk.config import Notifications, SmtpChannel, WebhookChannel
from scada.store.tables import risk_notifications

log = logging.getLogger(__name__)
INAPP = "inapp"


@dataclass(frozen=True, slots=True)
class Message:
    unit: str
    kind: str  # warning, task, notice, report, closed, emergency
    subject: str
    body: str
    warning_id: int | None = None
    sound: bool = False


class Channel(Protocol):
    name: str

    def send(self, address: str, message: Message) -> None:
        """Deliver or raise."""


class SmtpSender:
    def __init__(self, cfg: SmtpChannel) -> None:
        self.cfg, self.name = cfg, cfg.name

    def send(self, address: str, message: Message) -> None:
        cfg = self.cfg
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = cfg.sender, address, message.subject
        mail.set_content(message.body)
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s) as smtp:
            if cfg.starttls:
                smtp.starttls()
            if cfg.username:
                smtp.login(cfg.username, os.environ.get(cfg.password_env or "", ""))
            smtp.send_message(mail)


class WebhookSender:
    """POSTs JSON — the shape an SMS gateway's HTTP API can be adapted to."""

    def __init__(self, cfg: WebhookChannel) -> None:
        self.cfg, self.name = cfg, cfg.name

    def send(self, address: str, message: Message) -> None:
        payload = {
            "to": address,
            "subject": message.subject,
            "text": message.body,
            "kind": message.kind,
            "unit": message.unit,
            "warning_id": message.warning_id,
        }
        answer = requests.post(self.cfg.url, json=payload, headers=self.cfg.headers, timeout=self.cfg.timeout_s)
        answer.raise_for_status()


def build_channels(cfg: Notifications) -> dict[str, Channel]:
    return {c.name: SmtpSender(c) if isinstance(c, SmtpChannel) else WebhookSender(c) for c in cfg.channels}


class Notifier:
    def __init__(self, cfg: Notifications, engine: Engine, clock: Callable[[], float], channels: dict[str, Channel] | None = None) -> None:
        self.cfg, self.engine, self.clock = cfg, engine, clock
        self.channels = build_channels(cfg) if channels is None else channels

    def enqueue(self, conn: Connection, messages: list[Message], now: float) -> None:
        """Per message, the in-app row and one pending delivery per address of the unit's contacts (inside ``conn``'s transaction)."""
        rows = []
        for m in messages:
            base = {
                "created_at": now,
                "warning_id": m.warning_id,
                "unit": m.unit,
                "kind": m.kind,
                "subject": m.subject,
                "body": m.body,
                "sound": m.sound,
            }
            # executemany needs the same keys in every row
            rows.append({**base, "channel": INAPP, "address": "", "status": "sent", "attempts": 1, "sent_at": now, "next_attempt_at": None})
            for channel, addresses in self.cfg.contacts.get(m.unit, {}).items():
                pending = {**base, "channel": channel, "status": "pending", "attempts": 0, "sent_at": None, "next_attempt_at": now}
                rows += [{**pending, "address": a} for a in addresses]
        if rows:
            conn.execute(insert(risk_notifications), rows)

    def dispatch_due(self, now: float | None = None) -> int:
        """Try every pending delivery that is due; returns how many were sent."""
        now = self.clock() if now is None else now
        c = risk_notifications.c
        with self.engine.connect() as conn:
            due = (
                conn.execute(select(risk_notifications).where(c.status == "pending", c.next_attempt_at <= now).order_by(c.id))
                .mappings()
                .all()
            )
        sent = 0
        for row in due:
            sent += self._attempt(row, now)
        return sent

    def _attempt(self, row: Any, now: float) -> int:
        attempts = row["attempts"] + 1
        channel = self.channels.get(row["channel"])
        message = Message(row["unit"], row["kind"], row["subject"], row["body"], row["warning_id"], row["sound"])
        try:
            if channel is None:
                raise LookupError(f"channel {row['channel']!r} is not configured")
            channel.send(row["address"], message)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            give_up = attempts >= self.cfg.retry.max_attempts
            if give_up:
                log.warning("notification %s to %s via %s failed %d times: %s", row["id"], row["address"], row["channel"], attempts, error)
            values = {"attempts": attempts, "last_error": error, "status": "failed" if give_up else "pending"}
            values["next_attempt_at"] = None if give_up else now + self.cfg.retry.delay(attempts)
            self._update(row["id"], values)
            return 0
        self._update(row["id"], {"attempts": attempts, "status": "sent", "sent_at": now, "next_attempt_at": None})
        return 1

    def _update(self, row_id: int, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(risk_notifications).where(risk_notifications.c.id == row_id).values(**values))

    # -- in-app feed -------------------------------------------------------------------------------

    def feed(self, units: list[str] | None, unseen_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        """In-app notifications of these units (None: every unit), newest first."""
        c = risk_notifications.c
        q = select(risk_notifications).where(c.channel == INAPP).order_by(c.id.desc()).limit(limit)
        if units is not None:
            q = q.where(c.unit.in_(units))
        if unseen_only:
            q = q.where(c.seen_at.is_(None))
        with self.engine.connect() as conn:
            return [_feed_row(r) for r in conn.execute(q).mappings()]

    def mark_seen(self, ids: list[int], units: list[str] | None, by: str) -> int:
        """Mark in-app notifications seen (which silences their sound); only those of ``units``."""
        c = risk_notifications.c
        cond = and_(c.id.in_(ids), c.channel == INAPP, c.seen_at.is_(None))
        if units is not None:
            cond = and_(cond, c.unit.in_(units))
        with self.engine.begin() as conn:
            return conn.execute(update(risk_notifications).where(cond).values(seen_at=self.clock(), seen_by=by)).rowcount

    def deliveries(self, warning_id: int | None = None) -> list[dict[str, Any]]:
        """The delivery record of outbound channels."""
        c = risk_notifications.c
        q = select(risk_notifications).where(c.channel != INAPP).order_by(c.id)
        if warning_id is not None:
            q = q.where(c.warning_id == warning_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]


def _feed_row(r: Any) -> dict[str, Any]:
    keys = ("id", "created_at", "warning_id", "unit", "kind", "subject", "body", "seen_at", "seen_by")
    return {**{k: r[k] for k in keys}, "sound": bool(r["sound"]) and r["seen_at"] is None}
