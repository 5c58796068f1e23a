"""iCalendar (RFC 5545) for "add to calendar": one event's .ics and the
subscribable feeds, made with the ``icalendar`` library. Times are written
in Asia/Jakarta with its VTIMEZONE, series with their RRULE and EXDATEs."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import icalendar

from . import schedule
from .models import Event

PRODID = "-//Perpustakaan Kota Batam//Pindai//ID"


def _text(event: Event, lang: str, field: str) -> str | None:
    value = getattr(event, f"{field}_en") if lang == "en" else None
    return value or getattr(event, field)


def vevent(event: Event, base_url: str, lang: str = "id", *, only: datetime | None = None,
           url: str | None = None) -> icalendar.Event:
    """The VEVENT of an event (its whole series, or the one date ``only``)."""
    component = icalendar.Event()
    host = urlsplit(base_url).hostname or "pindai"
    start = schedule.as_utc(only or event.starts_at)
    component.add("uid", f"event-{event.id}@{host}" if only is None else f"event-{event.id}-{schedule.occurrence_key(start)}@{host}")
    component.add("dtstamp", schedule.as_utc(event.updated_at or event.created_at or schedule.now()))
    component.add("summary", _text(event, lang, "title"))
    description = _text(event, lang, "description") or _text(event, lang, "summary")
    if description:
        component.add("description", description)
    if event.location:
        component.add("location", event.location)
    component.add("categories", [event.category])
    component.add("dtstart", schedule.local(start))
    component.add("dtend", schedule.local(start + schedule.duration(event)))
    if url:
        component.add("url", url)
    if event.status == "cancelled":
        component.add("status", "CANCELLED")
    if only is None and event.rrule:
        component.add("rrule", icalendar.vRecur.from_ical(event.rrule))
        cancelled = sorted(schedule.cancelled_starts(event))
        if cancelled:
            component.add("exdate", [schedule.local(moment) for moment in cancelled])
    return component


def calendar(events: list[tuple[Event, str]], base_url: str, name: str, lang: str = "id",
             only: datetime | None = None) -> bytes:
    """A VCALENDAR of ``(event, page url)`` pairs, with the Jakarta VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Jakarta")
    for event, url in events:
        cal.add_component(vevent(event, base_url, lang, only=only, url=url))
    cal.add_missing_timezones()
    return cal.to_ical()
