"""Outbound notifications to a real local SMTP server (aiosmtpd) and a real local HTTP receiver,
with retries on the controlled clock and the delivery record."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from rig import free_port
from risk_rig import T0, make_service

from risk.config import RiskConfig
from risk.scope import Scope


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Receiver:
    """An SMS gateway stand-in: records JSON posts; answers 500 to the first ``fail`` of them."""

    def __init__(self, fail: int = 0) -> None:
        self.posts: list[dict[str, Any]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = 500 if receiver.fail > 0 else 200
                receiver.fail -= 1
                if status == 200:
                    receiver.posts.append({**body, "token": self.headers.get("X-Token")})
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="sms-receiver")

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def config(smtp_port: int, webhook_port: int, attempts: int = 3) -> RiskConfig:
    return RiskConfig.model_validate(
        {
            "notifications": {
                "retry": {"max_attempts": attempts, "backoff_s": [30, 120]},
                "channels": [
                    {"name": "mail", "type": "smtp", "host": "127.0.0.1", "port": smtp_port, "sender": "yujing@example.cn"},
                    {
                        "name": "sms",
                        "type": "webhook",
                        "url": f"http://127.0.0.1:{webhook_port}/send",
                        "headers": {"X-Token": "s3cret"},
                        "timeout_s": 5,
                    },
                ],
                "contacts": {
                    "district:FS": {"mail": ["fs-duty@example.cn"], "sms": ["13800000001"]},
                    "enterprise:E01": {"sms": ["13800000011", "13800000012"]},
                },
            }
        }
    )


def test_a_push_reaches_mail_and_sms_with_a_delivery_record(demo_plant, tmp_path, clock, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    with Receiver() as sms:
        svc = make_service(demo_plant, f"sqlite:///{tmp_path / 'db'}", clock, config(port, sms.port))
        try:
            (wid,) = svc.workflow.apply_level("E01", "orange", T0)
            assert svc.notifier.dispatch_due() == 4
            (mail,) = inbox.messages
            assert (mail["To"], mail["From"]) == ("fs-duty@example.cn", "yujing@example.cn")
            assert mail["Subject"] == "【橙色预警】燕山石化储运有限公司（E01）"
            assert "通过电话或视频连线与企业核实情况" in mail.get_content()  # the district's own task
            assert sorted((p["to"], p["unit"], p["kind"], p["token"]) for p in sms.posts) == [
                ("13800000001", "district:FS", "warning", "s3cret"),
                ("13800000011", "enterprise:E01", "warning", "s3cret"),
                ("13800000012", "enterprise:E01", "warning", "s3cret"),
            ]
            assert {p["warning_id"] for p in sms.posts} == {wid}
            record = svc.notifier.deliveries(wid)
            assert [(d["channel"], d["status"], d["attempts"], d["sent_at"]) for d in record] == [("mail", "sent", 1, T0)] + [
                ("sms", "sent", 1, T0)
            ] * 3
            assert svc.notifier.dispatch_due() == 0  # nothing is sent twice
            park = svc.api.feed(Scope("park", "YS"))  # no contacts: in-app only
            assert [f["kind"] for f in park] == ["warning"]
        finally:
            svc.engine.dispose()


def test_failures_are_retried_with_backoff_then_given_up(demo_plant, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    dead_smtp = free_port()  # nothing listens there
    with Receiver(fail=1) as sms:
        svc = make_service(demo_plant, f"sqlite:///{tmp_path / 'db'}", clock, config(dead_smtp, sms.port))
        try:
            svc.workflow.apply_level("E03", "yellow", T0)  # E03 (district DX) has no contacts: nothing outbound
            assert svc.notifier.deliveries() == []
            (wid,) = svc.workflow.apply_level("E01", "yellow", T0)
            assert svc.notifier.dispatch_due() == 2  # one SMS got the 500
            rows = {(d["channel"], d["address"]): d for d in svc.notifier.deliveries(wid)}
            failed = [d for d in rows.values() if d["status"] == "pending"]
            assert len(failed) == 2 and {d["attempts"] for d in failed} == {1} and {d["next_attempt_at"] for d in failed} == {T0 + 30}
            assert "ConnectionRefusedError" in rows[("mail", "fs-duty@example.cn")]["last_error"]
            clock.t = T0 + 29
            assert svc.notifier.dispatch_due() == 0 and len(sms.posts) == 2  # not due yet
            clock.t = T0 + 30
            assert svc.notifier.dispatch_due() == 1  # the SMS goes through on its second attempt
            sms_row = next(d for d in svc.notifier.deliveries(wid) if d["channel"] == "sms" and d["attempts"] == 2)
            assert (sms_row["status"], sms_row["sent_at"]) == ("sent", T0 + 30)
            clock.t = T0 + 30 + 120
            svc.notifier.dispatch_due()
            mail = next(d for d in svc.notifier.deliveries(wid) if d["channel"] == "mail")
            assert (mail["status"], mail["attempts"], mail["next_attempt_at"]) == ("failed", 3, None)
            clock.t = T0 + 10_000
            assert svc.notifier.dispatch_due() == 0
            assert next(d for d in svc.notifier.deliveries(wid) if d["channel"] == "mail")["attempts"] == 3
        finally:
            svc.engine.dispose()
