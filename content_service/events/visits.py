"""School visits: a teacher asks to bring a class on a preferred date;
staff accept it (fixing the date and time) or decline it with a note."""
from __future__ import annotations

from datetime import date, datetime

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
    message_id = "Permintaan kunjungan ini sudah diputuskan."
    message_en = "This visit request has already been decided."


def _bad(en: str, id_: str) -> errors.BadRequest:
    return errors.BadRequest(en, message_id=id_)


def request_visit(session: Session, *, school: str, teacher_name: str, phone: str, class_size,
                  preferred_dates: list[str], email: str | None = None, grade: str | None = None,
                  message: str | None = None, today: date | None = None) -> SchoolVisit:
    """Store a teacher's request, checking every field."""
    school, teacher_name = (school or "").strip(), (teacher_name or "").strip()
    if not school or len(school) > 200:
        raise _bad("Please give the school's name.", "Silakan isi nama sekolah.")
    if not teacher_name or len(teacher_name) > 200:
        raise _bad("Please give the teacher's name.", "Silakan isi nama guru.")
    number = normalise_phone(phone)
    if number is None:
        raise _bad("Please give a phone number we can reach.", "Silakan isi nomor telepon yang dapat dihubungi.")
    try:
        size = int(str(class_size).strip())
    except ValueError:
        size = 0
    if not 1 <= size <= 200:
        raise _bad("Class size must be between 1 and 200 pupils.", "Jumlah siswa harus antara 1 dan 200.")
    today = today or schedule.local(schedule.now()).date()
    days = []
    for text in preferred_dates:
        if not text or not str(text).strip():
            continue
        try:
            day = date.fromisoformat(str(text).strip())
        except ValueError:
            raise _bad(f"Not a date: {text!r} (use 2026-12-05).", f"Bukan tanggal: {text!r} (gunakan 2026-12-05).") from None
        if day <= today:
            raise _bad("Preferred dates must be in the future.", "Tanggal pilihan harus setelah hari ini.")
        days.append(day.isoformat())
    days = list(dict.fromkeys(days))
    if not 1 <= len(days) <= MAX_DATES:
        raise _bad(f"Give one to {MAX_DATES} preferred dates.", f"Isi satu sampai {MAX_DATES} tanggal pilihan.")
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
        raise errors.NotFound(f"No school visit request {visit_id}.", message_id=f"Permintaan kunjungan {visit_id} tidak ada.")
    return visit


def by_token(session: Session, token: str) -> SchoolVisit:
    visit = session.scalar(select(SchoolVisit).where(SchoolVisit.token == token)) if token else None
    if visit is None:
        raise errors.NotFound("No such visit request.", message_id="Permintaan kunjungan tidak ditemukan.")
    return visit


def accept(session: Session, visit: SchoolVisit, at: datetime, note: str | None = None) -> SchoolVisit:
    """Accept a pending request for a date and time (UTC)."""
    if visit.status != "pending":
        raise VisitAlreadyDecided(status=visit.status)
    at = schedule.as_utc(at)
    if at <= schedule.now():
        raise _bad("The visit must be scheduled in the future.", "Kunjungan harus dijadwalkan di masa depan.")
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
