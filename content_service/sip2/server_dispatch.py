"""One SIP2 message in, one answer out: error detection, login, status, and
the routing of every request to its handler inside an app context, in one
database transaction per message.

Contents:
- ``Settings``: what the operator chose (library name, hold-shelf bin,
  security marker, whether checksums are required).
- ``Dispatcher.answer(machine, frame)``: the bytes to send back for one
  frame and whether to close the connection. It answers 96 to a frame that
  fails its checksum or cannot be read, resends the last answer on 97, and
  echoes the sequence number (AY) of the request.
- ``HANDLERS``: message code -> handler (all run through the kiosk API's
  ``write``: one commit, lock retries, and the open-loan index's race
  loser answered as ``already_on_loan``).
"""
from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..circulation import refusals
from ..circulation.api import write
from . import server_holds, server_items, server_patrons
from . import server_text as text
from .messages import SUPPORTED_MESSAGES
from .protocol import MalformedMessage, Message, decode, encode
from .server_accounts import verify_login
from .server_models import Sip2Account
from .server_patrons import Context
from .server_session import Answer, MachineSession, refuse, sip_now

log = logging.getLogger(__name__)
MAX_FAILED_LOGINS = 5  # per connection: then it is closed
ADDRESS_FAILURES, ADDRESS_WINDOW = 10, 15 * 60  # per address: then its logins are refused for a while
ACCOUNT_RECHECK_SECONDS = 2.0  # how often a connection checks its login still exists
RESEND = b"96"

Handler = Callable[[Context, Message], Answer]
HANDLERS: dict[str, Handler] = {
    "23": server_patrons.patron_status,
    "63": server_patrons.patron_information,
    "01": server_patrons.block_patron,
    "25": server_patrons.patron_enable,
    "35": server_patrons.end_session,
    "11": server_items.checkout,
    "09": server_items.checkin,
    "29": server_items.renew,
    "65": server_items.renew_all,
    "17": server_items.item_information,
    "15": server_holds.hold,
}
# Requests Pindai understands but does not do at a machine: answered "no", with the reason.
DECLINED = {"37": text.FeesAtDesk, "19": text.NotSupported}
SUPPORTED = {"patron_status", "checkout", "checkin", "block_patron", "sc_status", "request_resend", "login",
             "patron_information", "end_patron_session", "item_information", "patron_enable", "hold", "renew",
             "renew_all"}


@dataclass(frozen=True)
class Settings:
    library_name: str = "Perpustakaan"
    hold_bin: str = "RAK PESANAN"
    security_marker: str = "02"
    require_checksum: bool = False
    institution: str = "PINDAI"  # AO before a machine has logged in


class Dispatcher:
    def __init__(self, app: Flask, settings: Settings):
        self.app = app
        self.settings = settings
        self.max_fines = int(app.config.get("CIRCULATION_MAX_FINES", 0))
        # SQLite has one writer at a time. Machines of this process queue on a
        # lock, handed over at once, instead of on SQLite's busy handler, which
        # sleeps in growing steps (a checkout then waits up to a second).
        # Other processes (the kiosks' gunicorn) still meet on the busy timeout.
        sqlite = app.extensions["pindai.engine"].dialect.name == "sqlite"
        self._writer = threading.Lock() if sqlite else contextlib.nullcontext()
        self._failures: dict[str, list[float]] = {}  # address -> times of its recent wrong logins
        self._failures_lock = threading.Lock()

    # ------------------------------------------------------------ framing
    def answer(self, machine: MachineSession, frame: bytes) -> tuple[bytes, bool]:
        """The bytes answering ``frame`` and whether to close the connection."""
        frame = frame.strip(b"\r\n\x00 ")
        if frame.startswith(b"97"):
            return self._resend(machine, frame), False
        try:
            request = decode(frame, encoding=machine.encoding, strict=True,
                             require_checksum=self.settings.require_checksum)
            if not request.error_detection and ("AY" in request or "AZ" in request):
                # AY/AZ are never data: this is an error-detection trailer that arrived broken.
                raise MalformedMessage("broken AY/AZ error-detection trailer", frame)
            if request.code not in HANDLERS and request.code not in DECLINED and request.code not in ("93", "99"):
                raise MalformedMessage(f"{request.code} is not a request a self-check machine sends", frame)
        except MalformedMessage as exc:
            log.warning("sip2 %s (%s): 96 for %r: %s", machine.login or "-", machine.address, redact(frame[:80]),
                        exc.reason)
            return self._please_resend(machine), False
        machine.error_detection = machine.error_detection or request.error_detection
        close = False
        if request.code == "93":
            answer = self._login(machine, request)
            close = machine.failed_logins >= MAX_FAILED_LOGINS
        elif request.code == "99":
            answer = self._status(machine, request)
        elif not machine.logged_in:
            answer = refuse(request, text.NotLoggedIn(), machine.institution)
        else:
            answer = self._handle(machine, request)
        data = encode(answer, encoding=machine.encoding, sequence=request.sequence or 0, error_detection=True)
        machine.last_answer = data
        return data, close

    def _please_resend(self, machine: MachineSession) -> bytes:
        """"96" alone, or "96AZFEF6" where the machine uses checksums (no
        sequence: it answers no request). It becomes the last answer: a 97
        after a garbled 96 must get the 96 again, not an older answer."""
        data = b"96AZFEF6\r" if machine.error_detection or self.settings.require_checksum else RESEND + b"\r"
        machine.last_answer = data
        return data

    def _resend(self, machine: MachineSession, frame: bytes) -> bytes:
        if frame not in (b"97", b"97AZFEF5") and not frame.startswith(b"97AY"):
            try:
                decode(frame, encoding="ascii")
            except MalformedMessage:
                return self._please_resend(machine)
        return machine.last_answer or self._please_resend(machine)

    # -------------------------------------------------------------- login
    def _login(self, machine: MachineSession, request: Message) -> Answer:
        if (request.fixed.get("uid_algorithm") or "0") != "0" or (request.fixed.get("pwd_algorithm") or "0") != "0":
            machine.failed_logins += 1
            return refuse(request, text.BadLogin("Encrypted logins are not supported: use algorithm 0."),
                          machine.institution)
        if self._address_locked(machine.address):
            machine.failed_logins += 1
            return refuse(request, text.TooManyLogins(), machine.institution)
        try:
            with self._writer, self.app.app_context():
                account = write(lambda s: _snapshot(verify_login(s, request.get("CN") or "",
                                                                 request.get("CO") or "", machine.address)))
        except SQLAlchemyError:
            log.exception("sip2: database error during a login from %s", machine.address)
            return refuse(request, text.SystemTrouble(), machine.institution)
        if account is None:
            machine.failed_logins += 1
            self._record_failure(machine.address)
            log.warning("sip2 login refused for %r from %s", request.get("CN"), machine.address)
            return refuse(request, text.BadLogin(), machine.institution)
        machine.account_id, machine.login, machine.institution, machine.encoding = account
        machine.failed_logins = 0
        machine.account_checked = time.monotonic()
        log.info("sip2 machine %s logged in from %s (location %s)", machine.login, machine.address,
                 request.get("CP") or "-")
        return Answer("94", {"ok": True})

    def _recent_failures(self, address: str) -> list[float]:
        cutoff = time.monotonic() - ADDRESS_WINDOW
        recent = [t for t in self._failures.get(address, []) if t > cutoff]
        if recent:
            self._failures[address] = recent
        else:
            self._failures.pop(address, None)
        return recent

    def _address_locked(self, address: str) -> bool:
        """Too many wrong logins from this address lately: reconnecting does
        not give a password guesser fresh tries (nor the CPU of each hash)."""
        with self._failures_lock:
            return len(self._recent_failures(address)) >= ADDRESS_FAILURES

    def _record_failure(self, address: str) -> None:
        with self._failures_lock:
            self._failures[address] = [*self._recent_failures(address), time.monotonic()]

    def _status(self, machine: MachineSession, request: Message) -> Answer:
        """99 -> 98: what this server does; everything "N" before a login."""
        on = machine.logged_in
        supported = "".join("Y" if on and name in SUPPORTED else "N" for name in SUPPORTED_MESSAGES)
        answer = Answer("98", {"online_status": on, "checkin_ok": on, "checkout_ok": on, "acs_renewal_policy": on,
                               "status_update_ok": False, "offline_ok": on, "timeout_period": 100,
                               "retries_allowed": 3, "date_time_sync": sip_now(), "protocol_version": "2.00"},
                        [("AO", machine.institution), ("AM", self.settings.library_name), ("BX", supported)])
        if not on:
            answer.add("AF", text.screen_message(text.NotLoggedIn()))
        return answer

    # ----------------------------------------------------------- requests
    def _handle(self, machine: MachineSession, request: Message) -> Answer:
        if request.code in DECLINED:
            return refuse(request, DECLINED[request.code](), machine.institution)
        handler = HANDLERS[request.code]
        settings = self.settings
        try:
            with self._writer, self.app.app_context():
                def operation(session):
                    # A login removed while the machine is connected stops working within seconds.
                    if time.monotonic() - machine.account_checked > ACCOUNT_RECHECK_SECONDS:
                        if session.get(Sip2Account, machine.account_id) is None:
                            machine.account_id = None
                            return refuse(request, text.NotLoggedIn(), machine.institution)
                        machine.account_checked = time.monotonic()
                    context = Context(session, machine, self.max_fines, settings.hold_bin, settings.security_marker)
                    return handler(context, request)

                return write(operation)
        except refusals.Refusal as refusal:  # the open-loan index settled a race against this machine
            return refuse(request, refusal, machine.institution)
        except SQLAlchemyError:
            log.exception("sip2 %s: database error on message %s", machine.login, request.code)
            return refuse(request, text.SystemTrouble(), machine.institution)
        except Exception:  # a bug must not cost the machine its connection
            log.exception("sip2 %s: error on message %s", machine.login, request.code)
            return refuse(request, text.SystemTrouble(), machine.institution)


_SECRET = re.compile(rb"((?:\||^93..)(?:AD|CO|AC))[^|]*")


def redact(frame: bytes) -> bytes:
    """A frame fit for the log: PINs (AD), passwords (CO, AC) blanked."""
    return _SECRET.sub(rb"\1***", frame)


def _snapshot(account) -> tuple | None:
    return None if account is None else (account.id, account.login, account.institution, account.encoding)
