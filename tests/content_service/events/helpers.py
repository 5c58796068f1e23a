"""Factories for events tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from content_service.events import calendar, schedule


def wib(*args) -> datetime:
    """A Jakarta wall-clock time, as an aware datetime."""
    return datetime(*args, tzinfo=schedule.WIB)


def make_event(session, *, start: datetime | None = None, hours: float = 1.5, **fields):
    start = start or schedule.now() + timedelta(days=2)
    fields.setdefault("title", "Cerita di Pagi Hari")
    fields.setdefault("category", "storytelling")
    event = calendar.save_event(session, starts_at=start, ends_at=start + timedelta(hours=hours), **fields)
    session.commit()
    return event
