"""The figures Perpusnas's library development index (IPLM) asks a library
for, over a span of days, for one library of the network or all:

- visits: counted visits per day (the visitor book, repeats left out), members
  and guests, by group, and the average per day the library was visited;
- members: registered, new in the span, active (borrowed in the span);
- event participants: confirmed registrations for dates in the span, and who
  came (ticked at the desk);
- collection use: loans of the library's copies, book scans at its kiosks,
  and the collection's size (titles and copies).

Read-only queries on a session; each works the same on SQLite and PostgreSQL
(dates are grouped in Python, in WIB)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..catalogue.models import Item
from ..circulation.models import Loan, Patron
from ..clock import as_utc, local
from ..events.models import Event, EventOccurrence, Registration
from ..kiosks.models import Kiosk, ScanLog
from .book import day_bounds, visits_by_day
from .models import Visit


@dataclass
class Figures:
    first: date
    last: date
    library_id: int | None
    days: list[dict] = field(default_factory=list)  # per day: date, visits, loans, scans, participants
    totals: dict = field(default_factory=dict)


def figures(session: Session, first: date, last: date, library_id: int | None = None) -> Figures:
    start, end = day_bounds(first, last)
    visits = visits_by_day(session, first, last, library_id)

    def where_library(query, column):
        return query if library_id is None else query.where(column == library_id)

    loans = Counter(local(as_utc(at)).date() for at in session.scalars(where_library(
        select(Loan.checked_out_at).join(Item, Item.id == Loan.item_id)
        .where(Loan.checked_out_at >= start, Loan.checked_out_at < end), Item.library_id)))
    scan_query = (select(ScanLog.at).where(ScanLog.at >= start, ScanLog.at < end, ScanLog.outcome == "ok",
                                           ScanLog.is_repeat.is_(False), ScanLog.book_id.is_not(None)))
    if library_id is not None:  # a library's kiosks (phones belong to no library)
        scan_query = scan_query.join(Kiosk, Kiosk.id == ScanLog.kiosk_id).where(Kiosk.library_id == library_id)
    scans = Counter(local(as_utc(at)).date() for at in session.scalars(scan_query))
    registrations = session.execute(where_library(
        select(EventOccurrence.starts_at, Registration.attended_at)
        .join(Registration, Registration.occurrence_id == EventOccurrence.id)
        .join(Event, Event.id == EventOccurrence.event_id)
        .where(Registration.status == "confirmed", EventOccurrence.starts_at >= start,
               EventOccurrence.starts_at < end), Event.library_id)).all()
    participants = Counter(local(as_utc(starts)).date() for starts, _ in registrations)
    attended = sum(1 for _, came in registrations if came is not None)

    result = Figures(first, last, library_id)
    day = first
    while day <= last:
        result.days.append({"date": day, "visits": visits.get(day, 0), "loans": loans.get(day, 0),
                            "scans": scans.get(day, 0), "participants": participants.get(day, 0)})
        day += timedelta(days=1)
    kinds = Counter(session.scalars(where_library(select(Visit.kind).where(
        Visit.is_repeat.is_(False), Visit.at >= start, Visit.at < end), Visit.library_id)))
    groups = Counter(session.scalars(where_library(select(Visit.group).where(
        Visit.is_repeat.is_(False), Visit.at >= start, Visit.at < end, Visit.group.is_not(None)), Visit.library_id)))
    open_days = sum(1 for d in result.days if d["visits"])
    members = where_library(select(func.count()).select_from(Patron), Patron.home_library_id)
    new_members = where_library(select(func.count()).select_from(Patron).where(
        Patron.created_at >= start, Patron.created_at < end), Patron.home_library_id)
    active = where_library(select(func.count(distinct(Loan.patron_id))).join(Item, Item.id == Loan.item_id).where(
        Loan.checked_out_at >= start, Loan.checked_out_at < end), Item.library_id)
    titles = where_library(select(func.count(distinct(Item.book_id))), Item.library_id)
    copies = where_library(select(func.count()).select_from(Item), Item.library_id)
    total_visits = sum(visits.values())
    result.totals = {
        "visits": total_visits, "visits_members": kinds.get("member", 0), "visits_guests": kinds.get("guest", 0),
        "visits_by_group": dict(groups), "days_visited": open_days,
        "visits_per_day": round(total_visits / open_days, 1) if open_days else 0,
        "members": int(session.scalar(members) or 0), "members_new": int(session.scalar(new_members) or 0),
        "members_active": int(session.scalar(active) or 0),
        "participants": sum(participants.values()), "participants_attended": attended,
        "loans": sum(loans.values()), "scans": sum(scans.values()),
        "titles": int(session.scalar(titles) or 0), "copies": int(session.scalar(copies) or 0),
    }
    return result
