"""Events as staff make them and as visitors see them: creating and editing,
the upcoming dates with seats left, related events of a book, and the JSON
shape every client shares."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from .. import errors
from ..catalogue.models import Book
from . import schedule
from .models import AUDIENCES, CATEGORIES, EVENT_STATUSES, Event, EventBook, EventOccurrence, Feedback, Registration

HORIZON_DAYS = 120  # how far ahead "upcoming" looks
EDITABLE = (
    "title", "title_en", "summary", "summary_en", "description", "description_en", "category", "audience",
    "age_min", "age_max", "location", "starts_at", "ends_at", "rrule", "capacity", "registration_required",
    "cover_url", "related_subjects", "status", "library_id",
)


def _bad(message) -> errors.BadRequest:
    return errors.BadRequest(message)


def save_event(session: Session, event: Event | None = None, *, book_ids: list[int] | None = None, **fields) -> Event:
    """Create an event (``event`` None) or change one, checking every field;
    raises ``errors.BadRequest`` with what is wrong."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise _bad(_l("Unknown event fields: %(value)s.", value=', '.join(sorted(unknown))))
    event = event or Event(cancelled_dates=[], related_subjects=[])
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip() or None
        setattr(event, name, value)
    if not event.title:
        raise _bad(_l("An event needs a title."))
    event.category = event.category or "other"
    event.audience = event.audience or "all"
    event.status = event.status or "published"
    if event.category not in CATEGORIES:
        raise _bad(_l("Category must be one of %(value)s.", value=', '.join(CATEGORIES)))
    if event.audience not in AUDIENCES:
        raise _bad(_l("Audience must be one of %(value)s.", value=', '.join(AUDIENCES)))
    if event.status not in EVENT_STATUSES:
        raise _bad(_l("Status must be one of %(value)s.", value=', '.join(EVENT_STATUSES)))
    if event.starts_at is None or event.ends_at is None:
        raise _bad(_l("An event needs a start and an end."))
    # Whole seconds: a date's key in URLs (20261205T020000Z) must name its start exactly.
    event.starts_at = schedule.as_utc(event.starts_at).replace(microsecond=0)
    event.ends_at = schedule.as_utc(event.ends_at).replace(microsecond=0)
    if event.ends_at <= event.starts_at:
        raise _bad(_l("An event must end after it starts."))
    if event.capacity is not None and event.capacity < 1:
        raise _bad(_l("Capacity must be at least 1 (or empty for no limit)."))
    if event.age_min is not None and event.age_max is not None and event.age_min > event.age_max:
        raise _bad(_l("The youngest age must not exceed the oldest."))
    event.rrule = schedule.normalise_rrule(event.rrule, event.starts_at)
    if event.rrule:
        # RFC 5545 leaves a DTSTART outside its own rule undefined: start the
        # series on the rule's first date (same time of day and length).
        first = schedule.first_start(event.rrule, event.starts_at)
        if first is None:
            raise _bad(_l("The recurrence rule gives no date."))
        event.ends_at, event.starts_at = event.ends_at + (first - event.starts_at), first
    event.related_subjects = [s.strip() for s in (event.related_subjects or []) if s and s.strip()]
    session.add(event)
    session.flush()
    if book_ids is not None:
        known = set(session.scalars(select(Book.id).where(Book.id.in_(book_ids))))
        missing = sorted(set(book_ids) - known)
        if missing:
            raise _bad(_l("No books with ids %(missing)s.", missing=", ".join(map(str, missing))))
        session.execute(delete(EventBook).where(EventBook.event_id == event.id))
        session.add_all(EventBook(event_id=event.id, book_id=book_id) for book_id in dict.fromkeys(book_ids))
        session.flush()
        session.expire(event, ["books"])
    return event


def get_event(session: Session, event_id: int, *, public: bool = True) -> Event:
    """The event, or ``errors.NotFound`` (drafts are not public)."""
    event = session.get(Event, event_id)
    if event is None or (public and event.status == "draft"):
        raise errors.NotFound(_l("No event with id %(event_id)s.", event_id=event_id))
    return event


def upcoming(session: Session, *, after: datetime | None = None, days: int = HORIZON_DAYS,
             audience: str | None = None, category: str | None = None,
             library_id: int | None = None) -> list[schedule.Occurrence]:
    """Published dates that have not ended, by start, within ``days`` (of one library of the network, or all)."""
    # Bound values must be UTC: SQLite compares the stored text, not instants.
    after = schedule.as_utc(after or schedule.now())
    before = after + timedelta(days=days)
    query = select(Event).where(
        Event.status == "published",
        Event.starts_at <= before,
        or_(Event.rrule.is_not(None), Event.ends_at > after),
    )
    if category:
        query = query.where(Event.category == category)
    if audience:
        query = query.where(Event.audience.in_((audience, "all")))
    if library_id is not None:
        query = query.where(Event.library_id == library_id)
    found = []
    for event in session.scalars(query.options(selectinload(Event.books))):
        found.extend(schedule.occurrences(event, after, before))
    found.sort(key=lambda occ: (occ.start, occ.event.id))
    return found


MIN_RUN = 3  # consecutive days of one event shown as one entry


def runs_of_days(dates: list[schedule.Occurrence]) -> list[list[schedule.Occurrence]]:
    """The dates (by start) as runs: one event's dates on ``MIN_RUN`` or more
    consecutive days at the same hours are one run (a week-long exhibition is
    one entry, not seven; a Saturday and Sunday stay two); every other date is
    a run of its own. Runs keep the order of their first date."""
    runs: list[list[schedule.Occurrence]] = []
    open_run: dict[int, list[schedule.Occurrence]] = {}
    for occ in dates:
        run = open_run.get(occ.event.id)
        if run is not None:
            last = run[-1]
            next_day = schedule.local(last.start) + timedelta(days=1)
            if (schedule.local(occ.start), schedule.local(occ.end)) == (next_day, schedule.local(last.end) + timedelta(days=1)):
                run.append(occ)
                continue
        run = [occ]
        open_run[occ.event.id] = run
        runs.append(run)
    split = [[occ] for run in runs if len(run) < MIN_RUN for occ in run]
    return sorted([run for run in runs if len(run) >= MIN_RUN] + split,
                  key=lambda run: (run[0].start, run[0].event.id))


def related_to_book(session: Session, book: Book, *, limit: int = 1, after: datetime | None = None) -> list[schedule.Occurrence]:
    """The next dates of events that list this book or one of its subjects."""
    subjects = {s.casefold() for s in (book.subjects or [])}
    found = []
    # A library runs tens of programmes, not thousands: matching subjects
    # (JSON lists) in Python is simpler than per-dialect JSON queries.
    for occ in upcoming(session, after=after):
        event = occ.event
        if any(b.id == book.id for b in event.books) or subjects & {s.casefold() for s in event.related_subjects}:
            found.append(occ)
    return found[:limit]


def children_first(found: list[schedule.Occurrence]) -> list[schedule.Occurrence]:
    """Children's events first (child mode), each group still by start."""
    return sorted(found, key=lambda occ: occ.event.audience != "children")


def seats_left(session: Session, found: list[schedule.Occurrence]) -> dict[tuple[int, str], int | None]:
    """Seats left per (event id, date key); None where there is no limit or
    no registration."""
    event_ids = {occ.event.id for occ in found}
    taken: dict[tuple[int, str], int] = {}
    if event_ids:
        rows = session.execute(
            select(EventOccurrence.event_id, EventOccurrence.starts_at, func.count(Registration.id))
            .join(Registration, Registration.occurrence_id == EventOccurrence.id)
            .where(EventOccurrence.event_id.in_(event_ids), Registration.status == "confirmed")
            .group_by(EventOccurrence.event_id, EventOccurrence.starts_at)
        )
        taken = {(event_id, schedule.occurrence_key(start)): count for event_id, start, count in rows}
    result: dict[tuple[int, str], int | None] = {}
    for occ in found:
        event = occ.event
        if not event.registration_required or event.capacity is None:
            result[(event.id, occ.key)] = None
        else:
            result[(event.id, occ.key)] = max(0, event.capacity - taken.get((event.id, occ.key), 0))
    return result


def cover_url(event: Event) -> str | None:
    if event.cover_url and event.cover_url.startswith("media:"):
        return url_for("media.serve", name=event.cover_url.removeprefix("media:"), _external=True)
    return event.cover_url


def event_dict(occ: schedule.Occurrence, seats: int | None, today: datetime | None = None) -> dict:
    """The shape of one event date in every API answer (contract 2)."""
    event = occ.event
    today_local = schedule.local(today or schedule.now()).date()
    return {
        "id": event.id,
        "title": event.title,
        "title_en": event.title_en,
        "summary": event.summary,
        "summary_en": event.summary_en,
        "category": event.category,
        "audience": event.audience,
        "age_min": event.age_min,
        "age_max": event.age_max,
        "location": event.location,
        "library": {"id": event.library.id, "code": event.library.code, "name": event.library.name},
        "start": occ.start.isoformat().replace("+00:00", "Z"),
        "end": occ.end.isoformat().replace("+00:00", "Z"),
        "start_local": schedule.local(occ.start).isoformat(),
        "end_local": schedule.local(occ.end).isoformat(),
        "today": schedule.local(occ.start).date() == today_local,
        "date": occ.key,
        "recurring": bool(event.rrule),
        "registration_required": event.registration_required,
        "capacity": event.capacity,
        "seats_left": seats,
        "url": url_for("events_public.event_date", event_id=event.id, key=occ.key, _external=True),
        "cover_url": cover_url(event),
    }


def event_dicts(session: Session, found: list[schedule.Occurrence]) -> list[dict]:
    seats = seats_left(session, found)
    return [event_dict(occ, seats[(occ.event.id, occ.key)]) for occ in found]


def upcoming_dates(session: Session, event: Event, *, limit: int = 8) -> list[schedule.Occurrence]:
    """The event's next dates (a series' next few)."""
    after = schedule.now()
    if event.status != "published":
        return []
    return schedule.occurrences(event, after, after + timedelta(days=HORIZON_DAYS * 3))[:limit]


def event_detail_dict(event: Event) -> dict:
    """What an event is, beyond one date: descriptions, ages, recurrence, related books."""
    return {
        "id": event.id,
        "title": event.title,
        "title_en": event.title_en,
        "summary": event.summary,
        "summary_en": event.summary_en,
        "description": event.description,
        "description_en": event.description_en,
        "category": event.category,
        "audience": event.audience,
        "age_min": event.age_min,
        "age_max": event.age_max,
        "location": event.location,
        "status": event.status,
        "rrule": event.rrule,
        "capacity": event.capacity,
        "registration_required": event.registration_required,
        "cover_url": cover_url(event),
        "related_subjects": list(event.related_subjects or []),
        "related_books": [{"id": book.id, "title": book.title} for book in event.books],
        "url": url_for("events_public.event_page", event_id=event.id, _external=True),
        "ics_url": url_for("events_public.event_ics", event_id=event.id, _external=True),
    }


def registration_dict(session: Session, made: Registration) -> dict:
    """A registration as its holder sees it (no other person's details)."""
    from . import registration as registrations

    occurrence = session.get_one(EventOccurrence, made.occurrence_id)
    event = session.get_one(Event, occurrence.event_id)
    occ = schedule.Occurrence(event, schedule.as_utc(occurrence.starts_at),
                              schedule.as_utc(occurrence.starts_at) + schedule.duration(event))
    return {
        "status": made.status,
        "seat": made.seat,
        "waitlist_position": registrations.waitlist_position(session, made),
        "token": made.token,
        "manage_url": url_for("events_public.registration_page", token=made.token, _external=True),
        # Staff may cancel a date of a series (or the whole event) after people registered.
        "date_cancelled": event.status == "cancelled" or not schedule.is_occurrence(event, occ.start),
        "event": event_dict(occ, seats_left(session, [occ])[(event.id, occ.key)]),
    }


def resolve_event_code(session: Session, event_id: int, via: str, code: str):
    """What ``/api/v1/resolve`` answers for an event poster's code: the
    event's next date (or its last, once past) with seats left."""
    from ..codes.resolve import Resolution

    event = session.get(Event, event_id)
    if event is None or event.status == "draft":
        raise errors.RetiredCode()
    dates = upcoming_dates(session, event, limit=1)
    start = schedule.as_utc(event.starts_at)
    occ = dates[0] if dates else schedule.Occurrence(event, start, start + schedule.duration(event))
    answer: dict[str, Any] = {"type": "event", "via": via, "code": code, "event": event_dicts(session, [occ])[0],
              "book": None, "item": None, "availability": None, "assets": []}
    return Resolution(type="event", via=via, code=code, answer=answer)


def merge_books(session: Session, keep_id: int, other_ids: list[int]) -> None:
    """A merge of catalogue records (``catalogue.merging``): the events
    related to a merged-away book are related to the kept one, and survey
    answers about it count for the kept one."""
    linked = set(session.scalars(select(EventBook.event_id).where(EventBook.book_id == keep_id)))
    for row in session.scalars(select(EventBook).where(EventBook.book_id.in_(other_ids))):
        if row.event_id in linked:
            session.delete(row)
        else:
            linked.add(row.event_id)
            row.book_id = keep_id
    session.flush()
    session.execute(update(Feedback).where(Feedback.book_id.in_(other_ids)).values(book_id=keep_id))
