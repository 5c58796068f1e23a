"""When events happen: UTC storage, Asia/Jakarta (WIB) display, and RRULE
recurrence with cancelled dates.

A series recurs in local time ("every Saturday 09:00 WIB"), so rules are
expanded from the first start in Asia/Jakarta and the dates converted to UTC.
Jakarta keeps no daylight saving today, but expanding in local time keeps
the rule right whatever the zone database says."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l

from .. import errors
from ..clock import UTC, WIB, as_utc, local
from ..clock import utcnow as now
from .models import Event

# Rules finer than a day are not programmes; refusing them also bounds the
# work of expanding a rule over a window.
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def occurrence_key(start: datetime) -> str:
    """A date's id in URLs and EXDATE lists: its UTC start, 20261205T020000Z."""
    return as_utc(start).strftime("%Y%m%dT%H%M%SZ")


def parse_occurrence_key(key: str) -> datetime | None:
    try:
        return datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def normalise_rrule(rule: str | None, first_start: datetime) -> str | None:
    """Validate an RRULE and return it without the ``RRULE:`` prefix, or
    raise ``errors.BadRequest`` saying what is wrong."""
    if rule is None or not rule.strip():
        return None
    value = rule.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    parts = dict(part.split("=", 1) for part in value.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED_FREQS:
        raise errors.BadRequest(
            _l("Recurrence must repeat daily, weekly, monthly or yearly (FREQ=%(value)s).",
               value='|'.join(ALLOWED_FREQS)),
        )
    try:
        rrulestr(value, dtstart=local(first_start))
    except (ValueError, TypeError) as exc:
        raise errors.BadRequest(
            _l("Not a valid RFC 5545 RRULE: %(exc)s", exc=exc)
        ) from None
    return value.upper()


def first_start(rule: str, start: datetime) -> datetime | None:
    """The first date the rule gives at or after ``start`` (UTC), or None."""
    found = rrulestr(rule, dtstart=local(start)).after(local(start), inc=True)
    return as_utc(found) if found is not None else None


@dataclass(frozen=True)
class Occurrence:
    """One date of an event, in UTC."""

    event: Event
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return occurrence_key(self.start)


def duration(event: Event) -> timedelta:
    return as_utc(event.ends_at) - as_utc(event.starts_at)


def cancelled_starts(event: Event) -> set[datetime]:
    return {as_utc(datetime.fromisoformat(value)) for value in (event.cancelled_dates or [])}


def starts_between(event: Event, after: datetime, before: datetime) -> list[datetime]:
    """UTC starts of the event's dates in [after, before], cancelled dates left out."""
    first = as_utc(event.starts_at)
    if not event.rrule:
        starts = [first] if after <= first <= before else []
    else:
        rule = rrulestr(event.rrule, dtstart=local(first))
        starts = [as_utc(moment) for moment in rule.between(local(after), local(before), inc=True)]
    cancelled = cancelled_starts(event)
    return [start for start in starts if start not in cancelled]


def occurrences(event: Event, after: datetime, before: datetime) -> list[Occurrence]:
    """The event's dates that have not ended by ``after`` and start by ``before``."""
    length = duration(event)
    return [
        Occurrence(event, start, start + length)
        for start in starts_between(event, after - length, before)
        if start + length > after
    ]


def is_occurrence(event: Event, start: datetime) -> bool:
    """Whether the event really takes place starting at ``start`` (not cancelled)."""
    start = as_utc(start)
    return start in starts_between(event, start, start)


def next_occurrence(event: Event, after: datetime | None = None, horizon_days: int = 400) -> Occurrence | None:
    after = after or now()
    found = occurrences(event, after, after + timedelta(days=horizon_days))
    return found[0] if found else None


def cancel_date(event: Event, start: datetime) -> None:
    """Cancel one date of a series (an iCal EXDATE); raises when it is not one of its dates."""
    start = as_utc(start)
    if not event.rrule:
        raise errors.BadRequest(
            _l("Only a date of a recurring event can be cancelled; cancel the event itself instead."),
        )
    if not is_occurrence(event, start):
        raise errors.BadRequest(
            _l("The event does not take place at %(value)s.", value=local(start).isoformat()),
        )
    event.cancelled_dates = sorted({*event.cancelled_dates, start.isoformat()})


def parse_local(text: str) -> datetime:
    """Read a staff-entered time: ISO 8601; without an offset it is WIB."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise errors.BadRequest(
            _l("Not a date and time: %(text)s (use 2026-12-05T09:00).", text=repr(text)),
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return as_utc(moment)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
