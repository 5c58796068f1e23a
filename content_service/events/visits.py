"""School visits: a teacher asks to bring a class on a preferred date;
staff accept it (fixing the date and time) or decline it with a note."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import errors
from ..tokens import url_token
from . import schedule
from .models import SchoolVisit
from .registration import normalise_phone

MAX_DATES = 3


class VisitAlreadyDecided(errors.PindaiError):
    status = 409
    code = "visit_already_decided"
    message_en = _l("This visit request has already been decided.")


def _bad(message) -> errors.BadRequest:
    return errors.BadRequest(message)


def request_visit(session: Session, *, school: str, teacher_name: str, phone: str, class_size,
                  preferred_dates: list[str], email: str | None = None, grade: str | None = None,
                  message: str | None = None, today: date | None = None) -> SchoolVisit:
    """Store a teacher's request, checking every field."""
    school, teacher_name = (school or "").strip(), (teacher_name or "").strip()
    if not school or len(school) > 200:
        raise _bad(_l("Please give the school's name."))
    if not teacher_name or len(teacher_name) > 200:
        raise _bad(_l("Please give the teacher's name."))
    number = normalise_phone(phone)
    if number is None:
        raise _bad(_l("Please give a phone number we can reach."))
    try:
        size = int(str(class_size).strip())
    except ValueError:
        size = 0
    if not 1 <= size <= 200:
        raise _bad(_l("Class size must be between 1 and 200 pupils."))
    today = today or schedule.local(schedule.now()).date()
    days = []
    for text in preferred_dates:
        if not text or not str(text).strip():
            continue
        try:
            day = date.fromisoformat(str(text).strip())
        except ValueError:
            raise _bad(_l("Not a date: %(text)s (use 2026-12-05).", text=repr(text))) from None
        if day <= today:
            raise _bad(_l("Preferred dates must be in the future."))
        days.append(day.isoformat())
    days = list(dict.fromkeys(days))
    if not 1 <= len(days) <= MAX_DATES:
        raise _bad(_l("Give one to %(max_dates)s preferred dates.", max_dates=MAX_DATES))
    visit = SchoolVisit(
        school=school, teacher_name=teacher_name, phone=number, email=(email or "").strip() or None,
        grade=(grade or "").strip() or None, class_size=size, preferred_dates=days,
        message=(message or "").strip() or None, status="pending", token=url_token(24),
    )
    session.add(visit)
    session.flush()
    return visit


def get_visit(session: Session, visit_id: int) -> SchoolVisit:
    visit = session.get(SchoolVisit, visit_id)
    if visit is None:
        raise errors.NotFound(_l("No school visit request %(visit_id)s.", visit_id=visit_id))
    return visit


def by_token(session: Session, token: str) -> SchoolVisit:
    visit = session.scalar(select(SchoolVisit).where(SchoolVisit.token == token)) if token else None
    if visit is None:
        raise errors.NotFound(_l("No such visit request."))
    return visit


def accept(session: Session, visit: SchoolVisit, at: datetime, note: str | None = None) -> SchoolVisit:
    """Accept a pending request for a date and time (UTC)."""
    if visit.status != "pending":
        raise VisitAlreadyDecided(status=visit.status)
    at = schedule.as_utc(at)
    if at <= schedule.now():
        raise _bad(_l("The visit must be scheduled in the future."))
    visit.status, visit.scheduled_at, visit.staff_note = "accepted", at, (note or "").strip() or None
    visit.decided_at = schedule.now()
    session.flush()
    return visit


def decline(session: Session, visit: SchoolVisit, note: str | None = None) -> SchoolVisit:
    """Decline a pending request, with a note for the teacher."""
    if visit.status != "pending":
        raise VisitAlreadyDecided(status=visit.status)
    visit.status, visit.staff_note, visit.decided_at = "declined", (note or "").strip() or None, schedule.now()
    session.flush()
    return visit


def pending(session: Session) -> list[SchoolVisit]:
    return list(session.scalars(select(SchoolVisit).where(SchoolVisit.status == "pending").order_by(SchoolVisit.created_at)))


def all_visits(session: Session) -> list[SchoolVisit]:
    return list(session.scalars(select(SchoolVisit).order_by(SchoolVisit.created_at.desc())))
