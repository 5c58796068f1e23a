"""Helpers for the SIP2 server tests: a running server on a free port, a
raw client that speaks bytes (so tests see exactly what a machine sees),
and the rows a library needs (a machine login, members, copies).

Contents:
- ``running_server(app, **settings)``: context manager -> ``Sip2Server``.
- ``MachineClient``: connect, ``send_raw`` (bytes in, bytes out) and
  ``ask`` (a request encoded with the shared codec, the answer decoded).
- ``add_machine``: a machine login with a cheap hash.
"""
from __future__ import annotations

import contextlib
import socket
import ssl
import threading

from content_service.sip2.protocol import Message, Sequence, decode, encode
from content_service.sip2.server import Sip2Server
from content_service.sip2.server_accounts import create_account
from content_service.sip2.server_dispatch import Settings

LOGIN, PASSWORD, INSTITUTION = "mesin-lobi", "rahasia-mesin-1", "BATAM"


@contextlib.contextmanager
def running_server(app, *, ssl_context: ssl.SSLContext | None = None, idle_timeout: float = 30, **settings):
    server = Sip2Server(app, "127.0.0.1", 0, Settings(**settings), ssl_context=ssl_context, idle_timeout=idle_timeout)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def add_machine(session, login: str = LOGIN, password: str = PASSWORD, **fields):
    fields.setdefault("institution", INSTITUTION)
    return create_account(session, login, password, method="pbkdf2:sha256:1000", **fields)


class MachineClient:
    """A self-check machine: one connection, sequence numbers 0-9."""

    def __init__(self, port: int, *, encoding: str = "utf-8", context: ssl.SSLContext | None = None):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = context.wrap_socket(sock, server_hostname="localhost") if context else sock
        self.encoding = encoding
        self.sequence = Sequence()
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> bytes:
        """Send bytes as they are; the answer up to its CR (without it)."""
        self.sock.sendall(data)
        return self.read()

    def read(self) -> bytes:
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"server closed the connection (pending {self.buffer!r})")
            self.buffer += chunk
        frame, _, self.buffer = self.buffer.partition(b"\r")
        return frame

    def ask(self, code: str, fields=(), **fixed) -> Message:
        message = Message.make(code, fields, **fixed)
        data = encode(message, encoding=self.encoding, sequence=self.sequence.next())
        return decode(self.send_raw(data), encoding=self.encoding, require_checksum=True)

    def login(self, login: str = LOGIN, password: str = PASSWORD) -> Message:
        return self.ask("93", {"CN": login, "CO": password, "CP": "Lobi"})


# --- fixtures (import them into a test module: ``from .server_helpers import server, sc``) ---
import pytest  # noqa: E402


@pytest.fixture
def server(app, session):
    """A running SIP2 server on the test database, with one machine login."""
    add_machine(session)
    session.commit()
    with running_server(app, institution=INSTITUTION) as running:
        yield running


@pytest.fixture
def sc(server):
    """A self-check machine connected and logged in."""
    client = MachineClient(server.port)
    assert client.login().fixed["ok"] is True
    yield client
    client.close()


def fields_of(message: Message) -> dict[str, str]:
    """The first value of each variable field."""
    out: dict[str, str] = {}
    for fid, value in message.fields:
        out.setdefault(fid, value)
    return out
