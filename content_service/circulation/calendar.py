"""Library time: stored in UTC, shown in Western Indonesia Time (WIB), and
due dates that never fall on a day the library is closed."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import WIB, as_utc, local, local_today, utcnow  # noqa: F401  (circulation's time words)
from .models import ClosedDay

# Loans fall due at closing time of their last day (the end of it, in WIB).
DUE_TIME = time(23, 59, 59)


def closed_days(session: Session, start: date, end: date) -> set[date]:
    rows = session.scalars(select(ClosedDay.day).where(ClosedDay.day >= start, ClosedDay.day <= end))
    return set(rows)


def due_at(session: Session, start: date, loan_days: int) -> datetime:
    """The due moment (UTC) of a loan of ``loan_days`` counted from the local
    date ``start``, moved forward past closed days."""
    day = start + timedelta(days=loan_days)
    closed = closed_days(session, day, day + timedelta(days=366))
    while day in closed:
        day += timedelta(days=1)
    return datetime.combine(day, DUE_TIME, tzinfo=WIB).astimezone(timezone.utc)


def due_date(moment: datetime) -> date:
    return local(moment).date()


def add_closed_days(session: Session, days: list[date], reason: str | None = None) -> int:
    """Mark days closed (already closed days keep their reason); returns how many were new."""
    existing = closed_days(session, min(days), max(days)) if days else set()
    new = [d for d in sorted(set(days)) if d not in existing]
    session.add_all(ClosedDay(day=d, reason=reason) for d in new)
    session.flush()
    return len(new)


def remove_closed_days(session: Session, days: list[date]) -> int:
    rows = session.scalars(select(ClosedDay).where(ClosedDay.day.in_(days))).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
