"""Run the real SIP2 test peer (../shared/peers/sip2-peer, Evergreen's SIPServer).

Contents:
- ``PEER``: the path of the peer script (tests skip with a reason when absent).
- ``free_port``: a free TCP port (bind to port 0).
- ``SipPeer``: start the peer on a free port with a fixtures file, wait until it
  answers a login (listening is not enough: its first child may still be loading
  the ILS, and a test's short SIP2 timeout would see a dead server), ``stop`` (by its process id) and ``restart`` on the same port.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from content_service.sip2.protocol import Message, encode

REPO = Path(__file__).resolve().parents[3]
PEER = REPO.parent / "shared" / "peers" / "sip2-peer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_peer() -> Path:
    if not PEER.exists():
        pytest.skip("needs ../shared/peers/sip2-peer (the SIP2 test peer; present in CI)")
    return PEER


class SipPeer:
    """One running peer process; its loans and holds live only in that process."""

    def __init__(self, fixtures: Path | None = None, port: int | None = None) -> None:
        self.fixtures = fixtures
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"sip2-peer-{self.port}.log"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def start(self, timeout: float = 60.0) -> "SipPeer":
        args = [str(require_peer()), str(self.port)]
        if self.fixtures:
            args.append(str(self.fixtures))
        with open(self.log, "wb") as log:
            # Own process group: the peer pre-forks children that must die with it.
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sip2-peer exited: {self.log.read_text()[-2000:]}")
            try:
                if self._answers_login(deadline):
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"sip2-peer did not answer a login within {timeout}s")

    def _answers_login(self, deadline: float) -> bool:
        """One 93 (lpl-sc, in every peer's configuration) answered with a 94."""
        login = encode(Message.make("93", {"CN": "lpl-sc", "CO": "1234"}), sequence=0)
        with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
            sock.sendall(login)
            answer = b""
            while not answer.endswith(b"\r") and time.monotonic() < deadline:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                answer += chunk
            return answer.startswith(b"94")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
        # Wait until the port is really closed (pre-forked children exit too).
        for _ in range(50):
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    time.sleep(0.1)
            except OSError:
                return

    def restart(self) -> "SipPeer":
        self.stop()
        return self.start()
