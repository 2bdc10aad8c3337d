"""A private Mosquitto broker on a free loopback port, optionally with passwords and an ACL.

Used by the edge tests and ``bench/national.py``. ``stop()``/``start()`` make an outage on the
same port; ``users`` get passwords (``mosquitto_passwd``) and ``acl`` is written as the ACL file.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Pki:
    """A throw-away CA, a server certificate for 127.0.0.1 and one client certificate (openssl, EC P-256)."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    @classmethod
    def make(cls, root: Path, client_cn: str = "client") -> Pki:
        root.mkdir(parents=True, exist_ok=True)
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=root)

        openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=scada-test-ca")
        (root / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
        for name, cn, ext in (("server", "127.0.0.1", ["-extfile", "san.ext"]), ("client", client_cn, [])):
            openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", f"{name}.crt", "-days", "2", *ext)  # fmt: skip
        for k in root.glob("*.key"):
            k.chmod(0o600)
        return cls(root / "ca.crt", root / "server.crt", root / "server.key", root / "client.crt", root / "client.key")


def available() -> bool:
    return Path(MOSQUITTO).exists() and Path(MOSQUITTO_PASSWD).exists()


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Mosquitto:
    def __init__(
        self, root: Path, users: dict[str, str] | None = None, acl: str | None = None, port: int | None = None, tls: Pki | None = None
    ) -> None:
        """``tls``: the listener speaks TLS only, with the server certificate of ``tls`` and a client certificate
        signed by its CA required of every client (on top of ``users``' passwords)."""
        self.root = root
        self.port = port or _free_port()
        self.log = root / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        # Started as root, mosquitto switches to user "mosquitto", which cannot read a private temp folder.
        lines = [f"user {getpass.getuser()}", f"listener {self.port} 127.0.0.1", "persistence false", f"log_dest file {self.log}"]
        if tls is not None:
            lines += [f"cafile {tls.ca}", f"certfile {tls.server_cert}", f"keyfile {tls.server_key}", "require_certificate true"]
        lines.append("max_queued_messages 100000")
        if users:
            passwords = root / "passwords"
            passwords.write_text("")
            for user, password in users.items():
                subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwords), user, password], check=True, capture_output=True)
            passwords.chmod(0o600)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if acl is not None:
            (root / "acl").write_text(acl)
            (root / "acl").chmod(0o600)
            lines.append(f"acl_file {root / 'acl'}")
        self.config = root / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")

    def start(self, timeout_s: float = 10.0) -> None:
        with (self.root / "stdout.log").open("ab") as out:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}; see {self.root}")
            if reachable("127.0.0.1", self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout_s} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
