"""The visitor book through HTTP, on SQLite and PostgreSQL: a kiosk signs a
member in by the scanned card and a guest by name and institution; a second
signing within the hour is kept but not counted; the staff portal lists the
day's visitors and reports the IPLM figures (visits, members, event
participants, loans, scans), on the page and as CSV, per library."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service.circulation import local
from content_service.clock import local as in_wib, local_today, utcnow
from content_service.events import calendar as events_calendar, registration
from content_service.kiosks import create_kiosk
from content_service.libraries.models import Library
from content_service.staff.access import create_staff
from content_service.visitors.models import Visit
from tests.content_service.circulation.helpers import make_patron
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, login
from tests.factories import make_book, make_item


def text(res) -> str:
    return re.sub(r"\s+", " ", res.get_data(as_text=True))


@pytest.fixture
def kiosk(session):
    _kiosk, key = create_kiosk(session, "Kios Lobi")
    session.commit()
    return {"Authorization": f"Bearer {key}"}


def sign(client, kiosk, **body):
    return client.post("/api/v1/visits", json=body, headers=kiosk)


def test_a_member_signs_by_card_and_a_guest_by_name_repeats_count_once(client, session, kiosk):
    make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    session.commit()
    first = sign(client, kiosk, card="2171 000 001")
    assert first.status_code == 201 and first.get_json() == {
        "kind": "member", "counted": True, "name": None, "visits_today": 1}
    again = sign(client, kiosk, card="2171000001")  # scanned again on the way out
    assert again.status_code == 201 and again.get_json()["counted"] is False
    guest = sign(client, kiosk, name="  Budi   Santoso ", institution="SMPN 3 Batam", group="pelajar")
    assert guest.get_json() == {"kind": "guest", "counted": True, "name": "Budi Santoso", "visits_today": 2}
    same = sign(client, kiosk, name="budi santoso", institution="smpn 3 batam")  # typed in lower case
    assert same.get_json()["counted"] is False
    other = sign(client, kiosk, name="Budi Santoso", institution="SMAN 1 Batam")  # another Budi
    assert other.get_json()["counted"] is True and other.get_json()["visits_today"] == 3
    session.rollback()
    rows = session.scalars(select(Visit).order_by(Visit.id)).all()
    assert [(r.kind, r.is_repeat) for r in rows] == [
        ("member", False), ("member", True), ("guest", False), ("guest", True), ("guest", False)]
    assert all("2171000001" not in (r.person + (r.name or "")) for r in rows)  # never the card number


def test_an_hour_later_the_same_visitor_counts_again(client, session, kiosk):
    sign(client, kiosk, name="Ani Lestari")
    session.rollback()
    row = session.scalars(select(Visit)).one()
    row.at = utcnow() - timedelta(minutes=61)
    session.commit()
    assert sign(client, kiosk, name="Ani Lestari").get_json()["counted"] is True


def test_bad_signings_are_clear_errors_and_leave_nothing(client, session, kiosk):
    cases = [
        ({}, 400, "bad_visitor"),
        ({"name": " "}, 400, "bad_visitor"),
        ({"name": "A"}, 400, "bad_visitor"),
        ({"card": "0000000099"}, 404, "unknown_card"),
        ({"card": "!!"}, 404, "unknown_card"),
        ({"name": "Siti", "group": "pejabat"}, 400, None),
        ({"name": "x" * 101}, 400, None),
        ({"name": 5}, 400, None),
        ({"card": ["2171"]}, 400, None),
    ]
    for body, status, code in cases:
        res = sign(client, kiosk, **body)
        assert res.status_code == status, (body, res.get_json())
        error = res.get_json()["error"]
        assert error["message"] and error["message_id"], body
        if code:
            assert error["code"] == code, (body, error)
    assert client.post("/api/v1/visits", data="not json", headers={**kiosk, "Content-Type": "application/json"}
                       ).status_code == 400
    nobody = client.post("/api/v1/visits", json={"name": "Siti"})
    assert nobody.status_code == 401 and nobody.get_json()["error"]["code"] == "kiosk_key_required"
    session.rollback()
    assert session.scalars(select(Visit)).all() == []


@pytest.fixture
def librarian(app, session):
    create_staff(session, "budi", PASSWORD, "librarian", "Budi", method=FAST_HASH)
    session.commit()
    client = app.test_client()
    assert login(client, "budi").status_code == 302
    return client


def test_the_portal_lists_the_day_s_visitors_and_reports_the_iplm_figures(client, session, kiosk, librarian):
    siti = make_patron(session, name="Siti Rahmawati", card_number="2171000001")
    book = make_book(session, title="Laskar Pelangi")
    local.checkout(session, siti, make_item(session, book), max_fines=10**9)
    start = utcnow() + timedelta(hours=1)
    event = events_calendar.save_event(session, title="Cerita di Pagi Hari", category="storytelling",
                                       starts_at=start, ends_at=start + timedelta(hours=1), capacity=10,
                                       registration_required=True)
    registration.register(session, event, event.starts_at, card_number="2171000001")
    session.commit()
    sign(client, kiosk, card="2171000001")
    sign(client, kiosk, name="Budi Santoso", institution="SMPN 3 Batam", group="pelajar")
    sign(client, kiosk, name="Budi Santoso", institution="SMPN 3 Batam", group="pelajar")
    page = text(librarian.get("/staff/visitors"))
    assert "2 kunjungan tercatat pada" in page
    assert "Budi Santoso" in page and "SMPN 3 Batam" in page and "Pelajar" in page
    assert "Anggota (kartu perpustakaan)" not in page and "Anggota (kartu anggota)" in page
    assert "Tidak: mengisi lagi dalam satu jam" in page
    # The span runs to the event's own day: late in the evening in WIB, an hour from now is tomorrow.
    today, event_day = local_today().isoformat(), in_wib(start).date().isoformat()
    report = librarian.get(f"/staff/visitors/iplm?from={today}&to={event_day}")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    for key, value in (("visits", 2), ("members", 1), ("participants", 1), ("loans", 1)):
        assert re.search(rf'id="iplm-{key}" data-value="{value}"', html), key
    rows = list(csv.reader(io.StringIO(librarian.get(f"/staff/visitors/iplm.csv?from={today}&to={today}")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["date", "visits", "loans", "book_scans", "event_participants"]
    assert rows[1][:3] == [today, "2", "1"]
    assert ["visits_pelajar", "1"] in rows and ["members", "1"] in rows


def test_the_report_is_per_library_and_refuses_bad_spans(client, session, kiosk, librarian):
    school = Library(code="smpn3", name="Perpustakaan SMPN 3 Batam", kind="school")
    session.add(school)
    session.flush()
    _k, key = create_kiosk(session, "Kios SMPN 3", library_id=school.id)
    session.commit()
    sign(client, kiosk, name="Ani Lestari")
    sign(client, {"Authorization": f"Bearer {key}"}, name="Dewi Sartika")
    city = librarian.get("/staff/visitors/iplm?library=" + session.scalars(
        select(Library.code).where(Library.is_default.is_(True))).one())
    assert re.search(r'id="iplm-visits" data-value="1"', city.get_data(as_text=True))
    network = librarian.get("/staff/visitors/iplm").get_data(as_text=True)
    assert re.search(r'id="iplm-visits" data-value="2"', network)
    school_page = librarian.get("/staff/visitors?library=smpn3").get_data(as_text=True)
    assert "Dewi Sartika" in school_page and "Ani Lestari" not in school_page
    for query, status in (("from=2026-12-10&to=2026-12-01", 400), ("from=2020-01-01&to=2026-12-01", 400),
                          ("from=bukan-tanggal", 400), ("library=tidak-ada", 404)):
        assert librarian.get(f"/staff/visitors/iplm?{query}").status_code == status, query
    assert client.get("/staff/visitors").status_code == 302  # staff only
