"""A SIP2 client: one persistent connection to the library system's SIP2 server.

Contents:
- ``Settings``: where the server is and how to log in (from the ``SIP2_*`` settings).
- ``Unavailable``: the server cannot be reached or does not answer (the caller may
  queue the work: see ``offline``); ``LoginRefused``: it answered 94 with ok=0.
- ``SIP2Client``: ``exchange(message)`` sends one request and returns its answer,
  connecting (TCP or TLS), logging in (93) and reconnecting as needed; the
  high-level calls (``patron_information``, ``checkout``, ...) build the requests.

Why it is built like this:
- One connection per worker process, used by one request at a time (a lock): a
  SIP2 session is a strict request/answer conversation. After a fork (gunicorn) the
  child never reuses its parent's socket.
- Lost answers: when no answer comes in time, or it arrives damaged (bad checksum),
  the client asks the server to resend it (97) rather than repeating a checkout.
  If the answer to 97 is not the answer to our request (the server never saw it),
  the request is sent again with the same sequence number.
- A dropped connection (the server restarted, an idle timeout) is reconnected and
  logged in again, and the request is sent once more.
- After a failure the server is considered down for ``down_seconds``, so a kiosk
  scanning while the server is off does not wait for a connect timeout each time.
"""
from __future__ import annotations

import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from .protocol import (
    FrameReader, MalformedMessage, Message, Sequence, SIP2Error, decode, encode,
    normalize_encoding,
)

TLS_MODES = ("off", "on", "insecure")


class Unavailable(SIP2Error):
    """The SIP2 server is unreachable or did not answer in time."""


class LoginRefused(SIP2Error):
    """The SIP2 server refused the kiosk's login (93 answered with ok=0)."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int = 6001
    login: str = ""
    password: str = ""
    location: str = ""
    institution: str = ""
    terminal_password: str = ""
    tls: str = "off"  # "off", "on" (verify the certificate), "insecure" (encrypt only)
    tls_ca: str = ""  # a CA or self-signed certificate file to trust (stunnel's)
    connect_timeout: float = 5.0
    timeout: float = 10.0
    retries: int = 2  # how often a lost answer is asked for again (97)
    encoding: str = "utf-8"
    down_seconds: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Settings":
        """Settings from the app config; ValueError names the bad setting."""
        tls = str(config.get("SIP2_TLS") or "off").lower()
        if tls in ("0", "false", "no", ""):
            tls = "off"
        if tls in ("1", "true", "yes"):
            tls = "on"
        if tls not in TLS_MODES:
            raise ValueError(f"PINDAI_SIP2_TLS={tls!r}: choose one of {', '.join(TLS_MODES)}")
        host = str(config.get("SIP2_HOST") or "").strip()
        if not host:
            raise ValueError("PINDAI_SIP2_HOST must name the SIP2 server (PINDAI_CIRCULATION=sip2)")
        return cls(
            host=host, port=int(config.get("SIP2_PORT") or 6001),
            login=str(config.get("SIP2_LOGIN") or ""), password=str(config.get("SIP2_PASSWORD") or ""),
            location=str(config.get("SIP2_LOCATION") or ""),
            institution=str(config.get("SIP2_INSTITUTION") or ""),
            terminal_password=str(config.get("SIP2_TERMINAL_PASSWORD") or ""),
            tls=tls, tls_ca=str(config.get("SIP2_TLS_CA") or ""),
            connect_timeout=float(config.get("SIP2_CONNECT_TIMEOUT") or 5),
            timeout=float(config.get("SIP2_TIMEOUT") or 10),
            retries=int(2 if config.get("SIP2_RETRIES") is None else config["SIP2_RETRIES"]),
            encoding=normalize_encoding(str(config.get("SIP2_ENCODING") or "utf-8")),
        )


class _Timeout(Exception):
    """No (complete) answer within the timeout on a live connection."""


class SIP2Client:
    """A persistent, logged-in connection to one SIP2 server (thread safe)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._sock: socket.socket | None = None
        self._pid = 0
        self._reader = FrameReader()
        self._sequence = Sequence()
        self._down_until = 0.0
        self.last_roundtrip = 0.0  # seconds, of the last exchange (benchmarks)
        self.connections = 0  # how many times it connected (tests, diagnostics)

    # ------------------------------------------------------------ connection
    @property
    def connected(self) -> bool:
        return self._sock is not None and self._pid == os.getpid()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._sock is not None and self._pid == os.getpid():
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._reader = FrameReader()

    def _connect(self) -> None:
        s = self.settings
        raw = socket.create_connection((s.host, s.port), timeout=s.connect_timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock: socket.socket = raw
        if s.tls != "off":
            context = ssl.create_default_context(cafile=s.tls_ca or None)
            if s.tls == "insecure":
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            try:
                sock = context.wrap_socket(raw, server_hostname=s.host)
            except (ssl.SSLError, OSError):
                raw.close()
                raise
        sock.settimeout(s.timeout)
        self._sock, self._pid = sock, os.getpid()
        self._reader, self._sequence = FrameReader(), Sequence()
        self.connections += 1
        answer = self._roundtrip(Message.make("93", {
            "CN": s.login, "CO": s.password, "CP": s.location or None}), expect="94")
        if not answer["ok"]:
            self._drop()
            raise LoginRefused(f"the SIP2 server refused login {s.login!r}")

    def _ensure(self) -> None:
        if self._sock is not None and self._pid != os.getpid():
            self._sock = None  # inherited across fork: the parent's conversation, not ours
        if self._sock is None:
            if time.monotonic() < self._down_until:
                raise Unavailable("the SIP2 server was unreachable moments ago")
            try:
                self._connect()
            except (OSError, _Timeout, MalformedMessage) as exc:
                self._drop()
                self._mark_down()
                raise Unavailable(f"cannot reach SIP2 server {self.settings.host}:"
                                  f"{self.settings.port}: {exc}") from exc

    def try_now(self) -> None:
        """Forget that the server was away (a person asked to try again)."""
        self._down_until = 0.0

    def may_try(self) -> bool:
        """False while the server counts as away (no connect attempt then)."""
        return self.connected or time.monotonic() >= self._down_until

    def _mark_down(self) -> None:
        self._down_until = time.monotonic() + self.settings.down_seconds

    # -------------------------------------------------------------- exchange
    def exchange(self, message: Message) -> Message:
        """Send one request, return its answer (see the module docstring)."""
        expect = message.spec.response
        with self._lock:
            started = time.perf_counter()
            for attempt in (1, 2):  # the second: after reconnecting a dropped connection
                self._ensure()
                try:
                    answer = self._roundtrip(message, expect)
                    self.last_roundtrip = time.perf_counter() - started
                    return answer
                except (OSError, ConnectionError) as exc:
                    self._drop()
                    if attempt == 2:
                        self._mark_down()
                        raise Unavailable(f"SIP2 connection lost: {exc}") from exc
                except _Timeout as exc:
                    self._drop()
                    self._mark_down()
                    raise Unavailable(f"no answer from the SIP2 server: {exc}") from exc
            raise AssertionError("unreachable")

    def _roundtrip(self, message: Message, expect: str | None) -> Message:
        assert self._sock is not None
        self._drain()
        number = self._sequence.next()
        wire = encode(message, encoding=self.settings.encoding, sequence=number)
        resend = encode(Message.make("97"), encoding=self.settings.encoding, sequence=number)
        self._sock.sendall(wire)
        asked_again = False
        for _ in range(self.settings.retries + 1):
            try:
                answer = self._read()
            except (_Timeout, MalformedMessage):
                self._sock.sendall(resend)  # lost or damaged: "please say that again"
                asked_again = True
                continue
            # Some servers number their answers their own way; only after a 97 can a
            # duplicate of an earlier answer arrive, so only then is the number checked.
            if answer.code == expect and (not asked_again or answer.sequence in (None, number)):
                return answer
            if answer.code == expect:
                continue  # a late duplicate of an earlier answer: read on
            # 96 (it could not read our request) or an earlier answer resent
            # (it never saw ours): send the request itself again.
            self._sock.sendall(wire)
        raise _Timeout(f"no usable answer to {message.code} after "
                       f"{self.settings.retries} resend requests")

    def _drain(self) -> None:
        """Forget answers nobody waits for any more (duplicates after a 97)."""
        assert self._sock is not None
        self._reader = FrameReader()
        self._sock.setblocking(False)
        try:
            while self._sock.recv(65536):
                pass
        except (BlockingIOError, ssl.SSLWantReadError, InterruptedError):
            pass
        finally:
            self._sock.settimeout(self.settings.timeout)

    def _read(self) -> Message:
        """The next message from the server (MalformedMessage when damaged)."""
        assert self._sock is not None
        deadline = time.monotonic() + self.settings.timeout
        while True:
            frame = self._reader.pop()  # later frames stay for the next read
            if frame is not None:
                return decode(frame, encoding=self.settings.encoding, strict=False)
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout(f"{self.settings.timeout}s without an answer")
            self._sock.settimeout(left)
            try:
                data = self._sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                raise _Timeout(f"{self.settings.timeout}s without an answer") from None
            if not data:
                raise ConnectionResetError("the SIP2 server closed the connection")
            self._reader.push(data)

    # ---------------------------------------------------------- the messages
    def _who(self, card: str, pin: str | None = None) -> dict[str, Any]:
        return {"AO": self.settings.institution, "AA": card,
                "AC": self.settings.terminal_password, "AD": pin}

    def sc_status(self) -> Message:
        return self.exchange(Message.make("99", max_print_width=40))

    def patron_status(self, card: str, pin: str | None = None) -> Message:
        fields = self._who(card, pin)
        fields["AD"] = pin or ""
        return self.exchange(Message.make("23", fields))

    def patron_information(self, card: str, pin: str | None = None, summary: str = "",
                           start: int | None = None, end: int | None = None) -> Message:
        """63; ``summary``: which list to return, one of AS AT AU AV BU CD (or none)."""
        from .messages import SUMMARY_LISTS

        flags = [" "] * 10
        if summary:
            flags[SUMMARY_LISTS.index(summary)] = "Y"
        fields = self._who(card, pin)
        fields.update({"BP": start, "BQ": end})
        return self.exchange(Message.make("63", fields, summary="".join(flags)))

    def checkout(self, card: str, barcode: str, *, no_block: bool = False,
                 transaction_date: datetime | None = None, renew: bool = False) -> Message:
        fields = self._who(card)
        fields["AB"] = barcode
        return self.exchange(Message.make("11", fields, sc_renewal_policy=renew,
                                          no_block=no_block, transaction_date=transaction_date))

    def checkin(self, barcode: str, *, no_block: bool = False,
                transaction_date: datetime | None = None) -> Message:
        when = transaction_date or datetime.now()
        return self.exchange(Message.make("09", {
            "AP": self.settings.location, "AO": self.settings.institution, "AB": barcode,
            "AC": self.settings.terminal_password}, no_block=no_block,
            transaction_date=when, return_date=when))

    def renew(self, card: str, barcode: str) -> Message:
        fields = self._who(card)
        fields["AB"] = barcode
        return self.exchange(Message.make("29", fields))

    def renew_all(self, card: str) -> Message:
        return self.exchange(Message.make("65", self._who(card)))

    def hold(self, card: str, mode: str, barcode: str, title: str = "", pin: str | None = None) -> Message:
        """15; ``mode``: ``+`` place, ``-`` cancel, ``*`` change (BY 2: any copy of the title)."""
        fields = self._who(card, pin)
        fields.update({"AB": barcode, "AJ": title or None, "BY": "2"})
        return self.exchange(Message.make("15", fields, hold_mode=mode, transaction_date=datetime.now()))

    def item_information(self, barcode: str) -> Message:
        return self.exchange(Message.make("17", {
            "AO": self.settings.institution, "AB": barcode,
            "AC": self.settings.terminal_password}))

    def end_session(self, card: str) -> Message:
        return self.exchange(Message.make("35", self._who(card)))
