"""A TCP relay in front of the SIP2 peer, for the network cases a real library has:
TLS termination (as stunnel does, with a self-signed certificate made here) and a
lost answer (the relay swallows one answer so the client must ask for a resend).

Contents: ``self_signed(folder)`` -> (cert, key) made with the openssl command;
``Relay(target, tls=(cert, key), drop=b"12", corrupt=b"12")`` (swallow or damage the
first answer starting so), started with ``start()``, ``close()``.
"""
from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest


def self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command (Debian package openssl)")
    cert, key = folder / "sip2.crt", folder / "sip2.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Relay:
    """Accepts connections and pipes each to ``target``; ``drop``: the first answer
    from the server whose bytes start with it is swallowed once."""

    def __init__(self, target: tuple[str, int], tls: tuple[Path, Path] | None = None,
                 drop: bytes | None = None, corrupt: bytes | None = None) -> None:
        self.target, self.drop, self.corrupt = target, drop, corrupt
        self.corrupted: list[bytes] = []
        self.dropped: list[bytes] = []
        self.seen: list[bytes] = []  # requests the client sent, in order
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.context = None
        if tls:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(str(tls[0]), str(tls[1]))
        self._closing = False
        self._sockets: list[socket.socket] = []

    def start(self) -> "Relay":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def close(self) -> None:
        self._closing = True
        self.listener.close()
        for sock in self._sockets:
            try:  # shutdown wakes the pipe threads blocked in recv; close alone would not
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                if self.context is not None:
                    client = self.context.wrap_socket(client, server_side=True)
                upstream = socket.create_connection(self.target)
            except (OSError, ssl.SSLError):
                client.close()
                continue
            self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        buffer = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                buffer += data
                while b"\r" in buffer:
                    frame, buffer = buffer.split(b"\r", 1)
                    if from_client:
                        self.seen.append(frame)
                    elif self.drop and frame.startswith(self.drop) and not self.dropped:
                        self.dropped.append(frame)
                        continue
                    elif self.corrupt and frame.startswith(self.corrupt) and not self.corrupted:
                        self.corrupted.append(frame)
                        frame = frame[:3] + (b"Y" if frame[3:4] != b"Y" else b"N") + frame[4:]
                    sink.sendall(frame + b"\r")
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
