"""The SIP2 server's network side: a threaded TCP server, one thread per
connected self-check machine or RFID gate, optionally behind TLS.

Contents:
- ``Sip2Server(app, host, port, settings, ssl_context=None)``: a
  ``socketserver.ThreadingTCPServer``; ``serve_forever()`` / ``shutdown()``;
  ``server_close()`` also hangs up on the connected machines.
- ``tls_context(cert, key)``: a server-side TLS context (machines that
  speak SIP2 over TLS, or a stunnel in front, as many vendors set up).

A connection reads CR-terminated frames (LF and CRLF also end one: some
machines send them), answers each through the ``Dispatcher``, and is closed
after ``idle_timeout`` seconds of silence, so a machine that was switched
off does not hold a thread for ever.
"""
from __future__ import annotations

import logging
import socket
import socketserver
import ssl

from flask import Flask

from .protocol import FrameReader, MalformedMessage
from .server_dispatch import Dispatcher, Settings, redact
from .server_session import MachineSession

log = logging.getLogger(__name__)
MAX_FRAME = 8192  # the longest message a machine may send (titles are at most 255 characters)


def tls_context(cert: str, key: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class _Connection(socketserver.BaseRequestHandler):
    server: Sip2Server

    def setup(self) -> None:
        self.server.connections.add(self.request)

    def finish(self) -> None:
        self.server.connections.discard(self.request)

    def handle(self) -> None:
        sock = self.request
        machine = MachineSession(address=str(self.client_address[0]), institution=self.server.settings.institution)
        sock.settimeout(self.server.idle_timeout)
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.do_handshake()
            self._serve(sock, machine)
        except (TimeoutError, ssl.SSLError, ConnectionError, OSError) as exc:
            log.info("sip2 connection from %s (%s) closed: %s", machine.address, machine.login or "-", exc)

    def _serve(self, sock: socket.socket, machine: MachineSession) -> None:
        reader = FrameReader(max_length=MAX_FRAME)
        dispatcher = self.server.dispatcher
        while True:
            data = sock.recv(4096)
            if not data:
                return
            try:
                frames = reader.feed(data)
            except MalformedMessage:
                sock.sendall(dispatcher._please_resend(machine))
                continue
            for frame in frames:
                try:
                    out, close = dispatcher.answer(machine, frame)
                except Exception:  # a bug must cost one answer, never the machine's connection
                    log.exception("sip2 %s: no answer could be made for %r", machine.login or "-", redact(frame[:80]))
                    out, close = dispatcher._please_resend(machine), False
                sock.sendall(out)
                if close:
                    log.warning("sip2: %s closed after repeated wrong logins", machine.address)
                    return


class Sip2Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: Flask, host: str, port: int, settings: Settings | None = None, *,
                 ssl_context: ssl.SSLContext | None = None, idle_timeout: float = 600.0):
        self.settings = settings or Settings()
        self.dispatcher = Dispatcher(app, self.settings)
        self.ssl_context = ssl_context
        self.idle_timeout = idle_timeout
        self.connections: set[socket.socket] = set()
        super().__init__((host, port), _Connection)

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake happens in the connection's own thread, not in the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address

    def server_close(self) -> None:
        """Stop listening and hang up on every machine (they reconnect and log
        in again to the next server): a stopped server leaves no half-open talk."""
        super().server_close()
        for sock in list(self.connections):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def port(self) -> int:
        return self.server_address[1]
