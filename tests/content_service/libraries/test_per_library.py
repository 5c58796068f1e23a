"""The libraries of the network beyond copies, on SQLite and PostgreSQL: events
held by a library (the API's filter, a kiosk's own library first, the public
list's filter, the staff form's choice), label sheets naming each copy's
library and limited to a school librarian's own copies, and the analytics
dashboard for one library."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from content_service import kiosks
from content_service.codes import labels
from content_service.events import calendar, schedule
from content_service.kiosks.models import ScanLog
from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login
from tests.factories import make_book, make_item, make_library


def event(session, title, library_id=None, days=1):
    start = schedule.now() + timedelta(days=days)
    fields = {"library_id": library_id} if library_id else {}
    return calendar.save_event(session, title=title, category="storytelling", starts_at=start,
                               ends_at=start + timedelta(hours=1), **fields)


def test_events_per_library_in_the_api_and_a_kiosk_s_own_first(client, session, validate):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    event(session, "Cerita di Pagi Hari", days=1)
    event(session, "Lomba Baca Puisi", school.id, days=2)
    _kiosk, key = kiosks.create_kiosk(session, "Kios SMPN 3", library_id=school.id)
    session.commit()
    every = client.get("/api/v1/events/upcoming").get_json()
    validate(every, "EventList")
    assert [(e["title"], e["library"]["code"]) for e in every["items"]] == [
        ("Cerita di Pagi Hari", "kota"), ("Lomba Baca Puisi", "smpn3")]
    only = client.get("/api/v1/events/upcoming?library=smpn3").get_json()["items"]
    assert [e["title"] for e in only] == ["Lomba Baca Puisi"]
    at_school = client.get("/api/v1/events/upcoming", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert [e["title"] for e in at_school["items"]] == ["Lomba Baca Puisi", "Cerita di Pagi Hari"]
    missing = client.get("/api/v1/events/upcoming?library=nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_such_library"


def test_the_public_list_filters_by_library_and_names_it(client, session):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    event(session, "Cerita di Pagi Hari")
    event(session, "Lomba Baca Puisi", school.id)
    session.commit()
    page = client.get("/events").get_data(as_text=True)
    assert 'name="library"' in page and "Perpustakaan SMPN 3 Batam" in page
    school_only = client.get("/events?library=smpn3").get_data(as_text=True)
    assert "Lomba Baca Puisi" in school_only and "Cerita di Pagi Hari" not in school_only
    assert client.get("/events?library=nope").status_code == 404


def test_one_library_has_no_library_filter_on_the_public_list(client, session):
    event(session, "Cerita di Pagi Hari")
    session.commit()
    assert 'name="library"' not in client.get("/events").get_data(as_text=True)


def staff(app, session, username, library_id=None):
    user = create_staff(session, username, PASSWORD, "librarian", username.title(), method=FAST_HASH)
    user.library_id = library_id
    session.commit()
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_the_event_form_chooses_the_library_and_a_school_librarian_holds_hers(app, session):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    session.commit()
    network = staff(app, session, "budi")
    form = network.get("/staff/events/new").get_data(as_text=True)
    assert 'id="event-library"' in form
    token = csrf_token(network, "/staff/events/new")
    base = {"csrf_token": token, "title": "Lomba Baca Puisi", "category": "discussion", "audience": "all",
            "start": "2027-01-09T09:00", "end": "2027-01-09T11:00", "status": "published", "repeat": "none"}
    res = network.post("/staff/events/new", data={**base, "library": "smpn3"})
    assert res.status_code in (302, 303), res.get_data(as_text=True)[:500]
    session.rollback()
    from sqlalchemy import select

    from content_service.events.models import Event

    assert session.scalars(select(Event.library_id).where(Event.title == "Lomba Baca Puisi")).one() == school.id
    bad = network.post("/staff/events/new", data={**base, "title": "X", "library": "nope"})
    assert bad.status_code == 404
    teacher = staff(app, session, "sari", school.id)
    assert 'id="event-library"' not in teacher.get("/staff/events/new").get_data(as_text=True)
    token = csrf_token(teacher, "/staff/events/new")
    teacher.post("/staff/events/new", data={**base, "csrf_token": token, "title": "Kelas Menulis", "library": "kota"})
    session.rollback()
    assert session.scalars(select(Event.library_id).where(Event.title == "Kelas Menulis")).one() == school.id


def test_labels_name_each_copy_s_library_and_stay_within_a_school_librarian_s(app, session):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Laskar Pelangi")
    city_copy = make_item(session, book, barcode="KOTA-0001")
    school_copy = make_item(session, book, barcode="SMP-0001", library_id=school.id)
    session.commit()
    sheet = labels.labels_for_items(session, [city_copy, school_copy], "https://pindai.example.id")
    assert [label.library for label in sheet] == ["Perpustakaan Kota Batam", "Perpustakaan SMPN 3 Batam"]
    assert [i.barcode for i in labels.select_items(session, all_items=True, library_id=school.id)] == ["SMP-0001"]
    teacher = staff(app, session, "sari", school.id)
    token = csrf_token(teacher, f"/staff/books/{book.id}")
    pdf = teacher.post("/staff/labels", data={"csrf_token": token, "book": str(book.id)})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    from content_service.staff.models import AuditEntry
    from sqlalchemy import select

    session.rollback()
    printed = session.scalars(select(AuditEntry).where(AuditEntry.action == "labels.print")).one()
    assert printed.detail["items"] == [school_copy.id]  # the city's copy is not hers to label


def test_the_print_labels_command_takes_a_library(app, session, tmp_path):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Laskar Pelangi")
    make_item(session, book, barcode="KOTA-0001")
    make_item(session, book, barcode="SMP-0001", library_id=school.id)
    session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["print-labels", "--all", "--library", "smpn3", "-o", str(tmp_path / "l.pdf")])
    assert out.exit_code == 0 and out.output.startswith("1 labels"), out.output
    bad = runner.invoke(args=["print-labels", "--all", "--library", "nope", "-o", str(tmp_path / "m.pdf")])
    assert bad.exit_code != 0 and "no library with code 'nope'" in bad.output


def test_the_dashboard_for_one_library(app, session):
    school = make_library(session, "Perpustakaan SMPN 3 Batam", code="smpn3")
    book = make_book(session, title="Laskar Pelangi")
    school_copy = make_item(session, book, library_id=school.id)
    city_kiosk, _ = kiosks.create_kiosk(session, "Kios Lobi")
    school_kiosk, _ = kiosks.create_kiosk(session, "Kios SMPN 3", library_id=school.id)
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    for kiosk_id, item_id, channel in ((city_kiosk.id, None, "kiosk"), (city_kiosk.id, None, "kiosk"),
                                       (school_kiosk.id, None, "kiosk"), (None, school_copy.id, "phone")):
        session.add(ScanLog(at=at, channel=channel, kiosk_id=kiosk_id, book_id=book.id, item_id=item_id, outcome="ok"))
    session.commit()
    client = staff(app, session, "budi")

    network, school_only = client.get("/staff/analytics?days=7"), client.get("/staff/analytics?days=7&library=smpn3")
    assert network.status_code == school_only.status_code == 200
    csv_all = client.get("/staff/analytics.csv?table=kiosks&days=7").get_data(as_text=True)
    csv_school = client.get("/staff/analytics.csv?table=kiosks&days=7&library=smpn3").get_data(as_text=True)
    assert "Kios Lobi,2" in csv_all and "Kios SMPN 3,1" in csv_all and "phone,1" in csv_all
    assert "Kios Lobi" not in csv_school and "Kios SMPN 3,1" in csv_school and "phone,1" in csv_school
    assert client.get("/staff/analytics?library=nope").status_code == 404
    teacher = staff(app, session, "sari", school.id)
    assert "Kios Lobi" not in teacher.get("/staff/analytics.csv?table=kiosks&days=7").get_data(as_text=True)
