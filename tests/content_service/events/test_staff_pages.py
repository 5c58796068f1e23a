"""Staff pages for events, behind the staff portal's login: roles, CSRF,
the event form, registrations with attendance, school visits, the survey."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service import codes
from content_service.clock import local
from content_service.events import registration, schedule
from content_service.events.models import Event, Feedback, Registration, SchoolVisit
from content_service.staff.access import create_staff
from content_service.staff.models import AuditEntry
from tests.content_service.staff.conftest import PASSWORD, csrf_token, login
from tests.factories import make_book

from .helpers import make_event
from tests.forms import form_token


@pytest.fixture
def staff(app, session):
    def client_for(role: str):
        create_staff(session, f"{role}-user", PASSWORD, role, f"Staf {role}")
        session.commit()
        client = app.test_client()
        assert login(client, f"{role}-user").status_code == 302
        return client, csrf_token(client, "/staff/events/new" if role != "editor" else "/staff/events")

    return client_for


def test_pages_need_a_login_and_editors_only_look(app, session, staff):
    anonymous = app.test_client().get("/staff/events")
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    client, token = staff("editor")
    assert client.get("/staff/events").status_code == 200
    assert client.get("/staff/events/feedback").status_code == 200
    refused = client.post("/staff/events/new", data={"csrf_token": token, "title": "X"})
    assert refused.status_code == 403


def test_librarian_creates_a_weekly_event_with_a_poster_code(session, staff):
    book = make_book(session, title="Kancil")
    session.commit()
    client, token = staff("librarian")
    form = {"csrf_token": token, "title": "Cerita di Pagi Hari", "title_en": "Morning Stories",
            "category": "storytelling", "audience": "children", "age_min": "4", "age_max": "8",
            "location": "Ruang Anak", "start": "2030-01-05T09:00", "end": "2030-01-05T10:30",
            "repeat": "weekly", "repeat_days": "SA", "repeat_every": "1", "repeat_end": "never",
            "capacity": "20", "registration_required": "on",
            "book_ids": str(book.id), "related_subjects": "Dongeng, Fabel", "status": "published"}
    assert client.post("/staff/events/new", data={**form, "csrf_token": "forged"}).status_code == 400
    bad = client.post("/staff/events/new", data={**form, "repeat": "minutely"})
    assert bad.status_code == 400 and "Pilih cara acara ini berulang" in bad.get_data(as_text=True)
    assert 'value="Cerita di Pagi Hari"' in bad.get_data(as_text=True)  # what was typed is kept
    saved = client.post("/staff/events/new", data=form)
    assert saved.status_code == 303
    listing = client.get(saved.headers["Location"]).get_data(as_text=True)
    event = session.scalars(select(Event)).one()
    poster = codes.active_code_for(session, "event", event.id).code
    assert f"Tersimpan. Kode QR poster: https://pindai.example.id/q/{poster}" in listing
    assert "Cerita di Pagi Hari" in listing
    # The note comes from the database: a link with made-up text shows none.
    for forged in (f"{event.id}:EVIL:0", "9:9", f"{event.id}:x", "99999999999:0"):
        assert "Tersimpan" not in client.get("/staff/events", query_string={"saved": forged}).get_data(as_text=True)
    assert (schedule.local(event.starts_at).hour, event.rrule, event.related_subjects) == (9, "FREQ=WEEKLY;BYDAY=SA", ["Dongeng", "Fabel"])
    assert [b.title for b in event.books] == ["Kancil"]
    edit = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2030-01-05T09:00"' in edit and "checked" in edit
    assert session.scalars(select(AuditEntry.action)).all()[-1] == "event.create"


def test_registrations_attendance_and_cancelling_a_date(session, staff):
    event = make_event(session, capacity=1, registration_required=True, rrule="FREQ=WEEKLY")
    first = registration.register(session, event, event.starts_at, name="Siti", phone="081200000001")
    registration.register(session, event, event.starts_at, card_number="BK0009")
    client, token = staff("librarian")
    page = client.get(f"/staff/events/{event.id}/registrations").get_data(as_text=True)
    assert "Siti" in page and "BK0009" in page and "1 terkonfirmasi, 1 di daftar tunggu" in page
    ticked = client.post(f"/staff/events/registrations/{first.id}/attended", data={"csrf_token": token})
    assert ticked.status_code == 303, ticked.get_data(as_text=True)[:300]
    session.rollback()  # a fresh snapshot of what the requests wrote
    session.expire_all()
    assert session.get(Registration, first.id).attended_at is not None
    next_week = schedule.occurrence_key(event.starts_at + timedelta(days=7))
    client.post(f"/staff/events/{event.id}/cancel-date", data={"csrf_token": token, "date": next_week})
    session.rollback()  # a fresh snapshot of what the requests wrote
    session.expire_all()
    assert not schedule.is_occurrence(session.get(Event, event.id), event.starts_at + timedelta(days=7))


def test_school_visit_decisions_and_survey_results(client, session, staff):
    day = schedule.local(schedule.now()).date() + timedelta(days=10)
    client.post("/school-visits", data={"csrf_token": form_token(client, "/school-visits"),
                                        "school": "SD 7 Batam", "teacher_name": "Bu Ani", "phone": "081200001111",
                                        "class_size": "30", "preferred_date": str(day)})
    for rating, comment in ((5, "Petugas ramah"), (3, None), (1, "Kios lambat")):
        client.post("/api/v1/feedback", json={"rating": rating, "comment": comment, "context": "kiosk_book"})
    staff_client, token = staff("librarian")
    visit = session.scalars(select(SchoolVisit)).one()
    assert "SD 7 Batam" in staff_client.get("/staff/events/visits").get_data(as_text=True)
    staff_client.post(f"/staff/events/visits/{visit.id}/accept", data={"csrf_token": token, "at": f"{day}T09:00"})
    session.rollback()  # a fresh snapshot of what the requests wrote
    session.expire_all()
    assert session.get(SchoolVisit, visit.id).status == "accepted"
    again = staff_client.post(f"/staff/events/visits/{visit.id}/decline", data={"csrf_token": token})
    assert again.status_code == 409
    report = staff_client.get("/staff/events/feedback?days=30").get_data(as_text=True)
    assert 'data-count="3"' in report and 'data-average="3.0"' in report
    assert "Kios lambat" in report and "Petugas ramah" in report
    assert session.scalar(select(Feedback.id).where(Feedback.rating == 1)) is not None
    assert staff_client.get("/staff/events/feedback?days=0").status_code == 400


def test_a_printable_poster_carries_the_event_label_qr(session, staff):
    import re

    import cv2
    import numpy as np

    from kiosk.scan.decoding import decode

    event = make_event(session, title="Pameran Batik", registration_required=True, capacity=10)
    client, _ = staff("editor")
    page = client.get(f"/staff/events/{event.id}/poster").get_data(as_text=True)
    code = re.search(r'data-code="([0-9A-Z]{8})"', page).group(1)
    assert "Pameran Batik" in page and "WIB" in page and "pendaftaran" in page
    svg = page[page.index("<svg"):page.index("</svg>")]
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = np.full((size * 8, size * 8), 255, np.uint8)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        image[int(y) * 8:(int(y) + 1) * 8, int(x) * 8:(int(x) + 1) * 8] = 0
    image = cv2.copyMakeBorder(image, 32, 32, 32, 32, cv2.BORDER_CONSTANT, value=255)
    assert [s.text for s in decode(image)] == [f"https://pindai.example.id/q/{code}"]
    again = client.get(f"/staff/events/{event.id}/poster").get_data(as_text=True)
    assert f'data-code="{code}"' in again  # the same code every time: posters stay valid


def test_the_staff_list_shows_the_soonest_event_first(session, staff):
    now = schedule.now()
    make_event(session, title="Lomba Mewarnai", start=now + timedelta(days=20))
    make_event(session, title="Cerita di Pagi Hari", start=now + timedelta(days=1))
    make_event(session, title="Diskusi Buku Lama", start=now - timedelta(days=30))
    make_event(session, title="Kelas Menulis", start=now + timedelta(days=5))
    client, _token = staff("librarian")
    page = client.get("/staff/events").get_data(as_text=True)
    order = [page.index(t) for t in ("Cerita di Pagi Hari", "Kelas Menulis", "Lomba Mewarnai", "Diskusi Buku Lama")]
    assert order == sorted(order)


def test_a_regular_event_s_poster_says_when_it_repeats_in_both_languages(session, staff):
    event = make_event(session, title="Cerita di Pagi Hari", rrule="FREQ=WEEKLY;BYDAY=SA")
    client, _ = staff("editor")
    page = client.get(f"/staff/events/{event.id}/poster").get_data(as_text=True)
    repeats = page[page.index('class="where repeats"'):]
    repeats = repeats[:repeats.index("</p>")]
    starts = local(event.starts_at)
    assert f"Setiap Sabtu, pukul {starts:%H.%M}" in repeats
    assert re.search(rf"Every Saturday at {starts.hour % 12 or 12}:{starts:%M}\W*[AP]M", repeats), repeats
    assert "FREQ=" not in page and "Acara rutin" not in page
