"""Sample programmes of the kind the library runs, for trials and the demo:
storytelling, classes, a book discussion, a talk, a school visit day, an
exhibition, and one teacher's school-visit request. Dates are relative to
today in WIB; every programme is saved with ``calendar.save_event``, as the
staff form and ``flask events create`` save theirs.

``seed_programmes(session)`` is idempotent: a programme is known by its
title; running it again updates its fields and keeps its dates while it
still has one ahead (registrations stay on their dates), and moves it to
the coming week once its dates are all past."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes
from ..catalogue.models import Book
from . import calendar, registration, schedule, visits
from .models import Event, SchoolVisit

# Times in WIB; weekday 0 = Monday, 5 = Saturday. Related subjects meet the
# demo library's books; ``books`` names demo titles by control number.
PROGRAMMES: list[dict[str, Any]] = [
    dict(title="Cerita di Pagi Hari", title_en="Morning Stories", category="storytelling", audience="children",
         age_min=4, age_max=8, location="Ruang Anak, Lantai 1", weekday=5, hour=9, minutes=60,
         rrule="FREQ=WEEKLY;BYDAY=SA", capacity=25, registration_required=True,
         summary="Mendongeng bersama pustakawan setiap Sabtu pagi.", summary_en="Storytime with a librarian every Saturday morning.",
         related_subjects=["Picture books", "Cerita rakyat", "Buku bacaan nyaring", "Animals"],
         books=["demo:020", "demo:021"]),
    dict(title="Kelas Menulis Kreatif", title_en="Creative Writing Class", category="class", audience="teens",
         location="Ruang Diskusi, Lantai 2", weekday=2, hour=15, minutes=120, rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=8",
         capacity=15, registration_required=True, summary="Delapan pertemuan menulis cerpen.",
         summary_en="Eight sessions of short-story writing.", related_subjects=["Fiksi", "Persahabatan"]),
    dict(title="Kelas Desain Grafis", title_en="Graphic Design Class", category="class", audience="adults",
         location="Lab Komputer, Lantai 3", weekday=3, hour=19, minutes=90, rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=6",
         capacity=12, registration_required=True, summary="Dasar desain poster dengan perangkat lunak bebas.",
         summary_en="Poster design basics with free software."),
    dict(title="Coding untuk Remaja", title_en="Coding for Teens", category="class", audience="teens",
         location="Lab Komputer, Lantai 3", weekday=5, hour=13, minutes=120, rrule="FREQ=MONTHLY;BYDAY=1SA",
         capacity=20, registration_required=True, summary="Membuat gim pertama dengan Scratch.",
         summary_en="Make a first game with Scratch."),
    dict(title="Diskusi Buku: Laskar Pelangi", title_en="Book Discussion: Laskar Pelangi", category="discussion",
         audience="adults", location="Ruang Diskusi, Lantai 2", weekday=6, hour=10, minutes=90, capacity=30,
         registration_required=True, summary="Membaca bersama dan membicarakan novel Andrea Hirata.",
         summary_en="Reading and talking together about Andrea Hirata's novel.",
         related_subjects=["Fiksi", "Pendidikan"], books=["demo:001"]),
    dict(title="Diskusi Publik: Batam dan Lingkungan", title_en="Public talk: Batam and the environment",
         category="discussion", audience="adults", location="Aula, Lantai 1", weekday=4, hour=16, minutes=120,
         summary="Mangrove, pesisir, dan masa depan kota pulau.", summary_en="Mangroves, coasts and an island city's future."),
    dict(title="Hari Kunjungan Sekolah", title_en="School Visit Day", category="school_visit", audience="children",
         age_min=6, age_max=12, location="Ruang Anak, Lantai 1", weekday=1, hour=8, minutes=180,
         rrule="FREQ=WEEKLY;BYDAY=TU", summary="Setiap Selasa pagi perpustakaan menerima kunjungan kelas; guru "
         "mengajukannya lewat formulir kunjungan sekolah.",
         summary_en="Every Tuesday morning the library welcomes school classes; teachers ask through the "
         "school-visit form."),
    dict(title="Pameran Sejarah Kota Batam", title_en="Batam City History Exhibition", category="exhibition",
         audience="all", location="Galeri, Lantai 1", weekday=0, hour=9, minutes=8 * 60, rrule="FREQ=DAILY;COUNT=5",
         summary="Foto dan arsip Batam dari masa ke masa, lima hari.",
         summary_en="Photographs and archives of Batam through time, for five days.",
         related_subjects=["Sejarah Indonesia", "Fiksi sejarah"]),
]

# A teacher's request as the public school-visit form makes it, for staff to decide.
VISIT_REQUEST: dict[str, Any] = dict(
    school="SD Negeri 005 Batam Kota", teacher_name="Ibu Sari Wulandari", phone="0812-7000-1234", class_size=28,
    grade="Kelas 3", message="Kami ingin mengenalkan perpustakaan dan kios pindai kepada murid.",
)


def first_start(sample: dict[str, Any], today: date) -> datetime:
    """The sample's first start: its weekday this week, or next week once that has passed."""
    day = today + timedelta(days=(sample["weekday"] - today.weekday()) % 7)
    start = datetime.combine(day, time(sample["hour"]), tzinfo=schedule.WIB)
    return start + timedelta(days=7) if start <= schedule.now() else start


def seed_programmes(session: Session) -> dict[str, int]:
    """Add or update the sample programmes (and their poster codes) and the
    sample school-visit request, and commit; returns counts of added and
    updated programmes."""
    today = schedule.local(schedule.now()).date()
    counts = {"added": 0, "updated": 0}
    updated: list[Event] = []
    for sample in PROGRAMMES:
        fields = {k: v for k, v in sample.items() if k not in ("weekday", "hour", "minutes", "books")}
        event = session.scalars(select(Event).where(Event.title == sample["title"]).order_by(Event.id)).first()
        if event is None or schedule.next_occurrence(event) is None:
            start = first_start(sample, today)
            fields.update(starts_at=start, ends_at=start + timedelta(minutes=sample["minutes"]))
        book_ids = list(session.scalars(select(Book.id).where(Book.control_number.in_(sample.get("books", [])))))
        saved = calendar.save_event(session, event, book_ids=book_ids or None, **fields)
        codes.ensure_code(session, "event", saved.id)
        if event is not None:
            updated.append(saved)
        counts["added" if event is None else "updated"] += 1
    if session.scalar(select(SchoolVisit.id).where(SchoolVisit.school == VISIT_REQUEST["school"])) is None:
        visits.request_visit(session, **VISIT_REQUEST, preferred_dates=[
            (today + timedelta(days=days)).isoformat() for days in (10, 17)], today=today)
    session.commit()
    for event in updated:  # as after a staff edit: a raised capacity seats the waiting list
        registration.capacity_changed(session, event)
    return counts
