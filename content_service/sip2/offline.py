"""Store and forward: checkouts made while the SIP2 server is unreachable.

Contents:
- ``enqueue``: record a checkout (in the request's own transaction, so it survives
  a kiosk or service restart the moment the kiosk is told "it will be confirmed").
- ``replay``: send the queue, oldest first, as no-block checkouts (flag Y) with their
  original transaction dates; stops at the first sign the server is still away, so
  the order is kept.
- ``Replayer``: a background thread per worker that replays every few seconds while
  there is something queued, and at once when the backend sees the server back.
- ``counts``, ``recent``: what the staff page shows.

Why claims: several workers (gunicorn) may replay at once. A row is taken with a
conditional UPDATE (queued -> replaying) that only one transaction can win, and only
while no other row is being replayed, which keeps the order across workers. A claim
older than ``STALE_CLAIM`` (a worker died mid-replay) is put back in the queue; the
server sees that checkout twice at most, which SIP2 servers answer as a renewal or
"already yours", never as a second copy.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from ..circulation import calendar
from .client import LoginRefused, SIP2Client, Unavailable
from .models import OfflineCheckout

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=2)


def enqueue(session: Session, card: str, barcode: str, kiosk_id: int | None,
            title: str | None, now: datetime | None = None) -> OfflineCheckout:
    row = OfflineCheckout(card_number=card, barcode=barcode, kiosk_id=kiosk_id,
                          title=(title or None) and title[:500],
                          transaction_at=now or calendar.utcnow(), state="queued")
    session.add(row)
    session.flush()
    return row


def pending(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OfflineCheckout).where(
        OfflineCheckout.state.in_(("queued", "replaying")))) or 0


def _release_stale(session: Session, now: datetime) -> None:
    session.execute(update(OfflineCheckout).where(
        OfflineCheckout.state == "replaying", OfflineCheckout.claimed_at < now - STALE_CLAIM)
        .values(state="queued"))


def _claim_next(session: Session, now: datetime) -> OfflineCheckout | None:
    """Take the oldest queued checkout, unless another worker is replaying one."""
    oldest = session.scalar(select(OfflineCheckout.id).where(OfflineCheckout.state == "queued")
                            .order_by(OfflineCheckout.id).limit(1))
    if oldest is None:
        return None
    busy = select(OfflineCheckout.id).where(OfflineCheckout.state == "replaying").exists()
    won = session.execute(update(OfflineCheckout).where(
        and_(OfflineCheckout.id == oldest, OfflineCheckout.state == "queued", ~busy))
        .values(state="replaying", claimed_at=now, attempts=OfflineCheckout.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    if won.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        return None
    return session.get(OfflineCheckout, oldest, populate_existing=True)


def replay(session: Session, client: SIP2Client, limit: int | None = None) -> dict:
    """Send queued checkouts in order. Answers counts: done, failed, left (still
    queued because the server is away or another worker holds the queue)."""
    done = failed = 0
    while limit is None or done + failed < limit:
        now = calendar.utcnow()
        _release_stale(session, now)
        session.commit()
        row = _claim_next(session, now)
        if row is None:
            break
        when = calendar.local(row.transaction_at).replace(tzinfo=None)  # the library's clock
        try:
            answer = client.checkout(row.card_number, row.barcode, no_block=True,
                                     transaction_date=when)
        except (Unavailable, LoginRefused) as exc:
            row.state, row.claimed_at, row.error = "queued", None, f"not sent: {exc}"
            session.commit()
            break
        row.replayed_at = calendar.utcnow()
        row.claimed_at = None
        row.due_text = (answer.get("AH") or "")[:64] or None
        if answer.fixed.get("ok"):
            row.state, row.error = "done", None
            done += 1
        else:
            row.state = "failed"
            row.error = " ".join(answer.screen_messages) or "refused (no screen message)"
            failed += 1
        if answer.get("AJ") and not row.title:
            row.title = (answer.get("AJ") or "")[:500]
        session.commit()
    return {"done": done, "failed": failed, "left": pending(session)}


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OfflineCheckout.state, func.count())
                           .group_by(OfflineCheckout.state)).all()
    found = {state: 0 for state in ("queued", "replaying", "done", "failed")}
    found.update({state: n for state, n in rows})
    return found


def recent(session: Session, limit: int = 200) -> list[OfflineCheckout]:
    """Failures first (they need a person), then the queue, then the latest done."""
    order = {"failed": 0, "replaying": 1, "queued": 2, "done": 3}
    rows = session.scalars(select(OfflineCheckout).order_by(OfflineCheckout.id.desc())
                           .limit(limit)).all()
    return sorted(rows, key=lambda r: (order.get(r.state, 9), r.id if r.state != "done" else -r.id))


class Replayer:
    """Replays the queue from a background thread of this worker process."""

    def __init__(self, app, client: SIP2Client, interval: float) -> None:
        self.app, self.client, self.interval = app, client, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.last: dict | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sip2-replay", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                with self.app.app_context():
                    maker = self.app.extensions["pindai.sessionmaker"]
                    with maker() as session:
                        if pending(session):
                            self.last = replay(session, self.client)
            except Exception:  # keep the thread alive; the next round tries again
                log.exception("SIP2 offline replay failed")
