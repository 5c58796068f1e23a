"""The reminders ``flask notify-reminders`` queues (run it daily, or hourly:
each is queued once, by its dedupe key): the day before an event, for every
confirmed seat; two days before a loan is due; and once for each overdue
loan (per due date: a renewed loan that falls overdue again is told again)
that fell due within the last ``OVERDUE_WITHIN_DAYS`` days: run daily, every
overdue loan is caught in its first week, and loans long overdue before the
service sent messages (an import from the library system) are not all told at once."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import outbox
from ..circulation import calendar
from ..circulation.models import Loan
from ..clock import WIB, local_today, utcnow
from ..events.models import EventOccurrence, Registration

DUE_SOON_DAYS = 2
OVERDUE_WITHIN_DAYS = 7


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """A WIB day in UTC: SQLite keeps timestamps as UTC text without a zone,
    so a bound in WIB would be compared 7 hours off (from 00.00 to 07.00 WIB
    the next days' reminders were missed)."""
    start = datetime.combine(day, time(0), tzinfo=WIB).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def queue_reminders(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Queue today's reminders; answers how many of each were looked at (repeats are skipped by the outbox)."""
    now = now or utcnow()
    today = local_today(now)
    counts = {"event_reminder": 0, "due_soon": 0, "overdue": 0}
    start, end = _day_bounds(today + timedelta(days=1))
    seats = session.scalars(select(Registration.id).join(EventOccurrence, EventOccurrence.id == Registration.occurrence_id)
                            .where(Registration.status == "confirmed", EventOccurrence.starts_at >= start,
                                   EventOccurrence.starts_at < end))
    for registration_id in seats:
        outbox.happened(session, "event_reminder", registration_id=registration_id)
        counts["event_reminder"] += 1
    start, end = _day_bounds(today + timedelta(days=DUE_SOON_DAYS))
    for loan_id, due_at in session.execute(select(Loan.id, Loan.due_at).where(
            Loan.returned_at.is_(None), Loan.due_at >= start, Loan.due_at < end)):
        outbox.happened(session, "due_soon", loan_id=loan_id, due_date=calendar.due_date(due_at).isoformat())
        counts["due_soon"] += 1
    for loan_id, due_at in session.execute(select(Loan.id, Loan.due_at).where(
            Loan.returned_at.is_(None), Loan.due_at < now, Loan.due_at >= now - timedelta(days=OVERDUE_WITHIN_DAYS))):
        outbox.happened(session, "overdue", loan_id=loan_id, due_date=calendar.due_date(due_at).isoformat())
        counts["overdue"] += 1
    session.flush()
    return counts
