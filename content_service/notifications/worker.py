"""The outbox worker (``flask notify-worker``): claims due messages, makes
each one, sends it, and marks it sent.

1. **Claim** a batch in one write transaction: due ``queued`` rows, and
   ``sending`` rows whose lease ran out (their worker died). PostgreSQL
   takes them ``FOR UPDATE SKIP LOCKED``, so workers in parallel claim
   different rows; SQLite's ``BEGIN IMMEDIATE`` lets one claimer in at a
   time. Each row becomes ``sending`` with a lease (``lease_until``,
   ``leased_by``) and the attempt is counted *before* anything is sent.
2. **Make** each message (recipient, channel, language, words), or cancel it
   when it is no longer wanted (the kind switched off, the member opted out,
   the hold collected); committed.
3. **Send**, and mark it ``sent`` in the statement that follows the
   sink's acceptance (SMTP's 250 after DATA, the Cloud API's 200), committed
   at once. A failure puts it back ``queued`` after an exponential backoff
   (``NOTIFY_RETRY_SECONDS`` x 2^(attempt-1), at most six hours), or
   ``failed`` with the reason after ``NOTIFY_MAX_ATTEMPTS``.

What a kill does. Killed before the sink accepted (during the SMTP dialogue,
before DATA ends) the message was not delivered: the lease runs out, another
worker claims the row and sends it once. Killed in the instant between the
sink's acceptance and the commit of ``sent`` (a few hundred microseconds)
the message was delivered and will be delivered again: that edge is
at-least-once, as with any sender that cannot ask SMTP whether it already
has a message. The ``Message-ID`` is the same on every attempt, so a mail
client shows such a repeat as one message."""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .. import db
from ..clock import utcnow
from ..libraries import default_library
from . import facts, recipients, wording
from .kinds import KINDS
from .models import Notification, NotificationKind, NotificationPreference
from .senders import SENDERS, Manual, Message, Permanent, Retry, Sender

MAX_BACKOFF = timedelta(hours=6)
log = logging.getLogger(__name__)


@dataclass
class Counts:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    manual: int = 0

    def total(self) -> int:
        return self.sent + self.retried + self.failed + self.cancelled + self.manual


@dataclass
class Worker:
    """One worker process's loop over the outbox (its own session and senders)."""

    app: Flask
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def __post_init__(self):
        config = self.app.config
        self.batch = int(config["NOTIFY_BATCH"])
        self.lease = timedelta(seconds=int(config["NOTIFY_LEASE_SECONDS"]))
        self.max_attempts = int(config["NOTIFY_MAX_ATTEMPTS"])
        self.retry_seconds = int(config["NOTIFY_RETRY_SECONDS"])
        self.base_url = str(config["PUBLIC_BASE_URL"]).rstrip("/")
        self.senders: dict[str, Sender] = {channel: make(config) for channel, make in SENDERS.items()}
        self.email = bool(config.get("SMTP_HOST"))  # without a server, members are told by WhatsApp
        self.stopping = threading.Event()
        self._batch: dict = {}
        self._mark_sql: dict = {}
        self.postgresql = self.app.extensions["pindai.engine"].dialect.name == "postgresql"
        self._marks = None  # PostgreSQL: the connection the sent marks are written on

    # -- claiming -----------------------------------------------------------

    def claim(self, session: Session) -> list[int]:
        """Lease up to ``NOTIFY_BATCH`` due messages to this worker; their ids."""

        def work(session: Session) -> list[int]:
            now = utcnow()
            due = (select(Notification.id)
                   .where(or_(and_(Notification.status == "queued", Notification.next_attempt_at <= now),
                              and_(Notification.status == "sending", Notification.lease_until < now)))
                   .order_by(Notification.next_attempt_at, Notification.id).limit(self.batch)
                   .with_for_update(skip_locked=True))
            ids = list(session.scalars(due))
            if ids:
                session.execute(update(Notification).where(Notification.id.in_(ids)).values(
                    status="sending", lease_until=now + self.lease, leased_by=self.name,
                    attempts=Notification.attempts + 1), execution_options={"synchronize_session": False})
            return ids

        return db.write(work, session)

    # -- making -------------------------------------------------------------

    def draft(self, session: Session, row: Notification, switched_off: set[str]) -> facts.Draft | None:
        """What a claimed row's message says, or None when the row was settled here."""
        if row.kind in switched_off:
            self._settle(row, "cancelled", "this kind of message is switched off")
            return None
        if row.attempts > self.max_attempts:
            self._settle(row, "failed", row.last_error or f"gave up after {row.attempts - 1} attempts")
            return None
        try:
            return facts.draft(session, row, row.language or "id", self.base_url, self._batch["library"],
                               memo=self._batch)
        except facts.NotWanted as exc:
            self._settle(row, "cancelled", str(exc))
            return None
        except Exception as exc:  # a message that cannot be made (odd data) fails alone
            log.exception("notification %s could not be made", row.id)
            self._settle(row, "failed", f"the message could not be made: {type(exc).__name__}: {exc}")
            return None

    def make(self, session: Session, row: Notification, found: facts.Draft,
             pref: NotificationPreference | None) -> Message | None:
        """The message of a drafted row for its person's preference, or None when settled here."""
        language = row.language or "id"
        if pref is not None:
            if pref.opted_out_at is not None and row.kind != "kiosk_receipt":  # a receipt was asked for then
                self._settle(row, "cancelled", "the member opted out")
                return None
            if pref.language != language:  # in the member's own language
                language = pref.language
                found = facts.draft(session, row, language, self.base_url, self._batch["library"], memo=self._batch)
        row.language = language
        address = recipients.choose(found.person, pref, email_only=KINDS[row.kind].email_only, email=self.email)
        if address is None:
            unset = not self.email and "email" in recipients.addresses(found.person)
            self._settle(row, "failed", "email is not set up (PINDAI_SMTP_HOST) and there is no phone number"
                         if unset else "no email address or phone number to send it to")
            return None
        row.channel, row.recipient = address
        opt_out = f"{self.base_url}/pesan/{pref.token}" if pref is not None else None
        if (row.kind, language) not in self._batch:
            self._batch[(row.kind, language)] = wording.wording(session, row.kind, language)
        subject, body = self._batch[(row.kind, language)]
        words = wording.render(subject, body, found.context, language, opt_out)
        row.subject, row.body_text = words.subject, words.text
        return Message(id=row.id, channel=row.channel, to=row.recipient, subject=words.subject, text=words.text,
                       html=words.html, language=language, message_id=message_id(row.id, self.base_url),
                       opt_out_url=opt_out, attachments=found.attachments)

    def _make_all(self, session: Session, rows, switched_off: set[str]) -> list[tuple[Notification, Message | None]]:
        """Draft every row, read (or make) the preferences of all their people at
        once, then make each message: a batch costs a few queries, not a few per message."""
        # Read once a batch: the library's name, each template used, each member looked up.
        self._batch = {"library": default_library(session).name}
        with session.no_autoflush:  # the rows' changes are written once, at the commit
            drafts = [(row, self.draft(session, row, switched_off)) for row in rows]
            prefs = recipients.preferences(session, [(d.person, row.language or "id") for row, d in drafts if d])
            made = []
            for row, d in drafts:
                try:
                    made.append((row, self.make(session, row, d, prefs.get(recipients.key(d.person))) if d else None))
                except Exception as exc:  # a message that cannot be made (staff's words, odd data) fails alone
                    log.exception("notification %s could not be made", row.id)
                    self._settle(row, "failed", f"the message could not be made: {type(exc).__name__}: {exc}")
                    made.append((row, None))
            return made

    def _settle(self, row: Notification, status: str, reason: str) -> None:
        row.status, row.last_error, row.lease_until = status, reason[:500], None

    # -- sending ------------------------------------------------------------

    def run_once(self, session: Session | None = None) -> Counts:
        """Claim one batch and settle every message in it."""
        own = session is None
        session = session or self.app.extensions["pindai.sessionmaker"]()
        counts = Counts()
        try:
            ids = self.claim(session)
            if not ids:
                return counts
            switched_off = set(session.scalars(select(NotificationKind.kind).where(NotificationKind.enabled.is_(False))))
            rows = session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)
                                  .execution_options(populate_existing=True)).all()
            messages = db.write(lambda s: self._make_all(s, rows, switched_off), session)
            for row, message in messages:
                if message is None:
                    counts.cancelled += row.status == "cancelled"
                    counts.failed += row.status == "failed"
                    continue
                if self.stopping.is_set():
                    break  # left leased: claimed again when the lease runs out
                self._send(session, row, message, counts)
        finally:
            for sender in self.senders.values():
                sender.close()
            self._close_marks()
            if own:
                session.close()
        return counts

    def _send(self, session: Session, row: Notification, message: Message, counts: Counts) -> None:
        try:
            provider_id = self.senders[message.channel].send(message)
        except Manual as exc:
            self._finish(session, row.id, status="manual", last_error=str(exc)[:500], lease_until=None)
            counts.manual += 1
        except Permanent as exc:
            self._finish(session, row.id, status="failed", last_error=str(exc)[:500], lease_until=None)
            counts.failed += 1
        except Retry as exc:
            self._retry_or_fail(session, row, exc, counts)
        except Exception as exc:  # anything else a sender meets (a bug, an odd address): tried again
            log.exception("notification %s: sending failed", row.id)
            self._retry_or_fail(session, row, Retry(f"{type(exc).__name__}: {exc}"), counts)
        else:
            # At once, before anything else: the sink has it (see the module docstring).
            self._finish(session, row.id, status="sent", sent_at=utcnow(), provider_id=provider_id[:200],
                         lease_until=None, last_error=None)
            counts.sent += 1

    def _retry_or_fail(self, session: Session, row: Notification, exc: Retry, counts: Counts) -> None:
        """Back off (``NOTIFY_RETRY_SECONDS`` x 2^(attempt-1)), or fail after the last attempt."""
        if row.attempts >= self.max_attempts:
            self._finish(session, row.id, status="failed", lease_until=None,
                         last_error=f"gave up after {row.attempts} attempts: {exc}"[:500])
            counts.failed += 1
            return
        delay = min(timedelta(seconds=self.retry_seconds * 2 ** (row.attempts - 1)), MAX_BACKOFF)
        self._finish(session, row.id, status="queued", last_error=str(exc)[:500], lease_until=None,
                     next_attempt_at=utcnow() + delay)
        counts.retried += 1

    def _finish(self, session: Session, row_id: int, **values) -> None:
        # Only while the lease is still this worker's: a worker whose lease ran
        # out (and was taken over) leaves the row to the one that holds it now.
        # Plain SQL, one statement per set of columns, on a connection of its own:
        # the ORM's update() and a session transaction cost several times the write.
        names = tuple(sorted(values))
        sql = self._mark_sql.get(names)
        if sql is None:
            sql = self._mark_sql[names] = text(
                f"UPDATE notification SET {', '.join(f'{n} = :{n}' for n in names)} "
                "WHERE id = :row_id AND leased_by = :worker AND status = 'sending'").bindparams(
                *(bindparam(n, type_=Notification.__table__.c[n].type) for n in names))
        params = {**values, "row_id": row_id, "worker": self.name}
        try:
            connection = self._marks_connection(session)
            if self.postgresql:
                connection.execute(sql, params)  # autocommit: one round trip
            else:
                with connection.begin():  # BEGIN IMMEDIATE (the write lock first), UPDATE, COMMIT
                    connection.execute(sql, params)
            return
        except DBAPIError:
            self._close_marks()  # the connection broke, or a lock waited too long: the ordinary way
        db.write(lambda s: s.execute(sql, params), session)

    def _marks_connection(self, session: Session):
        """The connection the marks are written on. PostgreSQL: each UPDATE its own
        transaction, committed without waiting for its WAL flush: other sessions see
        it at once, and only a crash of the PostgreSQL server itself may forget the
        last ~0.2 s of marks (those messages are sent again); one fsync per message
        would otherwise cap the worker at the disk's flush rate. SQLite: a write
        transaction per mark (WAL, synchronous=NORMAL: no fsync at commit either)."""
        if self._marks is None:
            engine = self.app.extensions["pindai.engine"]
            if self.postgresql:
                connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                connection.execute(text("SET synchronous_commit TO OFF"))
            else:
                connection = engine.connect().execution_options(**{db.WRITE_OPTION: True})
            self._marks = connection
        return self._marks

    def _close_marks(self) -> None:
        connection, self._marks = self._marks, None
        if connection is not None:
            try:
                connection.close()
            except DBAPIError:
                pass

    def run(self, poll_seconds: float, once: bool = False) -> Counts:
        """Work until stopped (SIGTERM/SIGINT: after the message in hand), or, with
        ``once``, until nothing is due."""
        total = Counts()
        while not self.stopping.is_set():
            try:
                counts = self.run_once()
            except (DBAPIError, OSError):
                if once:
                    raise
                # The database away for a moment: the loop carries on when it answers.
                log.exception("notify-worker: a round failed; trying again in %s s", poll_seconds)
                self.stopping.wait(max(poll_seconds, 1.0))
                continue
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
            if counts.total() == 0:
                if once:
                    break
                self.stopping.wait(poll_seconds)
        return total

    def stop_on_signals(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: self.stopping.set())


def message_id(row_id: int, base_url: str) -> str:
    """The email's Message-ID: the outbox row's, the same on every attempt."""
    return f"<notification-{row_id}@{urlsplit(base_url).hostname or 'pindai.local'}>"
