"""Public events pages: the week-by-week programme, a date's page with its
register form, the iCal files and feeds parsed back, school visits, survey."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from dateutil.rrule import rrulestr
from sqlalchemy import select

from content_service.events import registration, schedule, visits
from content_service.events.models import Feedback, Registration, SchoolVisit

from .helpers import make_event, wib
from tests.forms import form_token


def test_programme_by_week_with_filters(client, session):
    assert 'href="/events"' in client.get("/").get_data(as_text=True)  # found from the home page
    now = schedule.now()
    make_event(session, title="Kelas Desain Grafis", category="class", audience="teens", start=now + timedelta(days=1))
    make_event(session, title="Pameran Foto Batam", category="exhibition", audience="adults", start=now + timedelta(days=8))
    make_event(session, title="Draf Rahasia", status="draft", start=now + timedelta(days=1))
    page = client.get("/events").get_data(as_text=True)
    assert "Kelas Desain Grafis" in page and "Pameran Foto Batam" in page and "Draf Rahasia" not in page
    assert page.count('class="card week"') == 4
    only = client.get("/events?category=exhibition").get_data(as_text=True)
    assert "Pameran Foto Batam" in only and "Kelas Desain Grafis" not in only
    english = client.get("/events?audience=teens&lang=en").get_data(as_text=True)
    assert "Kelas Desain Grafis" in english and "Upcoming events" in english and "Pameran" not in english
    assert client.get("/events?category=party").status_code == 400
    assert client.get("/events?week=yesterday").status_code == 400


def test_register_on_the_page_then_cancel_by_the_link(client, session):
    event = make_event(session, capacity=1, registration_required=True, location="Ruang Anak, Lantai 1")
    key = schedule.occurrence_key(event.starts_at)
    page = client.get(f"/events/{event.id}/{key}").get_data(as_text=True)
    assert "Sisa 1 kursi" in page and "Ruang Anak" in page and "WIB" in page
    token = form_token(client, f"/events/{event.id}/{key}")
    bad = client.post(f"/events/{event.id}/{key}/register", data={"csrf_token": token, "name": "Siti", "phone": "12"})
    assert bad.status_code == 400 and "nomor telepon" in bad.get_data(as_text=True) and 'value="Siti"' in bad.get_data(as_text=True)
    done = client.post(f"/events/{event.id}/{key}/register", data={"csrf_token": token, "name": "Siti", "phone": "0812-3456-7890"})
    assert done.status_code == 303
    mine = client.get(done.headers["Location"])
    assert 'data-status="confirmed"' in mine.get_data(as_text=True) and mine.headers["Cache-Control"] == "no-store"
    assert f'href="/events/{event.id}/{key}.ics"' in mine.get_data(as_text=True)  # into the person's calendar
    again = client.post(f"/events/{event.id}/{key}/register", data={"csrf_token": token, "name": "Siti",
                                                                      "phone": "+62 812 3456 7890"})
    assert again.headers["Location"] == done.headers["Location"] + "?again=1"  # the same place, not a second one
    assert "Penuh" in client.get(f"/events/{event.id}/{key}").get_data(as_text=True)
    mine = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f'href="{done.headers["Location"]}/cancel"' in mine  # "Batalkan" opens a question, cancels nothing
    asked = client.get(done.headers["Location"] + "/cancel")
    question = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Batalkan pendaftaran?" in question and "Atas nama: Siti" in question
    assert "Ya, batalkan" in question and "Tidak, tetap terdaftar" in question
    assert client.post(done.headers["Location"] + "/cancel").status_code == 200  # no "yes": still only asks
    assert session.scalars(select(Registration.status)).all() == ["confirmed"]
    yes = client.post(done.headers["Location"] + "/cancel", data={"confirm": "yes"})
    assert yes.status_code == 303
    after = client.get(yes.headers["Location"]).get_data(as_text=True)
    assert "Pendaftaran ini dibatalkan." in after and "Terima kasih sudah memberi tahu" in after
    session.rollback()
    assert session.scalars(select(Registration.status)).all() == ["cancelled"]
    assert client.get(done.headers["Location"] + "/cancel").status_code == 303  # nothing left to ask
    assert client.get(f"/events/{event.id}/20200101T000000Z").status_code == 404
    assert client.get("/registrations/nope").status_code == 404


def test_a_parent_registers_two_children_with_one_phone_and_is_told_of_a_repeat(client, session):
    event = make_event(session, capacity=10, registration_required=True)
    key = schedule.occurrence_key(event.starts_at)
    url = f"/events/{event.id}/{key}"
    page = client.get(url).get_data(as_text=True)
    assert "Datang bersama anak? Daftarkan setiap anak dengan namanya" in page
    token = form_token(client, url)
    siti = client.post(f"{url}/register", data={"csrf_token": token, "name": "Siti", "phone": "0812 7000 1234"})
    budi = client.post(f"{url}/register", data={"csrf_token": token, "name": "Budi", "phone": "0812-7000-1234"})
    assert siti.headers["Location"] != budi.headers["Location"]  # a second registration, not the first one back
    budi_page = client.get(budi.headers["Location"]).get_data(as_text=True)
    assert "Atas nama: Budi" in budi_page and "Nomor kursi: 2" in budi_page
    assert "Daftarkan orang lain dengan nomor telepon yang sama (paling banyak 4 orang)." in budi_page
    assert "sudah terdaftar" not in budi_page
    repeat = client.post(f"{url}/register", data={"csrf_token": token, "name": "siti", "phone": "081270001234"})
    assert repeat.status_code == 303
    told = client.get(repeat.headers["Location"]).get_data(as_text=True)
    assert "Atas nama: Siti" in told and "Nomor kursi: 1" in told
    assert "Siti sudah terdaftar untuk tanggal ini: inilah pendaftarannya, tidak ada pendaftaran baru." in told
    for name in ("Rina", "Ayu"):
        client.post(f"{url}/register", data={"csrf_token": token, "name": name, "phone": "0812 7000 1234"})
    fifth = client.post(f"{url}/register", data={"csrf_token": token, "name": "Dewi", "phone": "0812 7000 1234"})
    assert fifth.status_code == 409
    html = fifth.get_data(as_text=True)
    assert "Satu nomor telepon dapat mendaftarkan paling banyak 4 orang untuk satu tanggal." in html
    assert 'value="Dewi"' in html  # what was typed is kept
    assert sorted(session.scalars(select(Registration.name)).all()) == ["Ayu", "Budi", "Rina", "Siti"]


def test_card_and_pin_registration_on_a_phone(client, session):
    from content_service.circulation.models import Patron
    from content_service.circulation.patrons import hash_pin

    session.add(Patron(card_number="BK0042", name="Budi Santoso", pin_hash=hash_pin("4321", rounds=1000)))
    event = make_event(session, capacity=3, registration_required=True)
    key = schedule.occurrence_key(event.starts_at)
    url = f"/events/{event.id}/{key}/register"
    wrong = client.post(url, data={"csrf_token": form_token(client, url[:-len("/register")]), "card_number": "bk-0042",
                                   "pin": "0000"})
    assert wrong.status_code == 401 and "Nomor kartu anggota atau PIN salah" in wrong.get_data(as_text=True)
    assert 'name="pin" type="password" inputmode="numeric" autocomplete="off">' in wrong.get_data(as_text=True)  # never echoed
    assert session.scalars(select(Registration)).all() == []
    session.rollback()
    assert session.scalars(select(Patron.failed_pins)).one() == 1  # the wrong PIN counts towards the lock
    right = client.post(url, data={"csrf_token": form_token(client, url[:-len("/register")]), "card_number": "bk-0042",
                                   "pin": "4321"})
    assert right.status_code == 303
    session.rollback()  # a fresh snapshot
    made = session.scalars(select(Registration)).one()
    assert (made.identity, made.status, made.channel) == ("card:BK0042", "confirmed", "phone")
    unknown = client.post(url, data={"csrf_token": form_token(client, url[:-len("/register")]), "card_number": "NOPE1234",
                                     "pin": "1111"})
    # An unknown card reads exactly as a wrong PIN: card numbers cannot be enumerated.
    assert unknown.status_code == 401 and "Nomor kartu anggota atau PIN salah" in unknown.get_data(as_text=True)


def _parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def test_ical_feed_parses_back_with_recurrence_cancelled_date_and_time_zone(client, session):
    story = make_event(session, start=wib(2026, 12, 5, 9, 0), rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=6",
                       location="Ruang Anak", title_en="Morning Stories")
    schedule.cancel_date(story, wib(2026, 12, 19, 9, 0))
    session.commit()
    make_event(session, title="Kelas Coding", category="class", start=wib(2026, 12, 8, 14, 0), hours=2)
    res = client.get("/events/calendar.ics")
    assert res.mimetype == "text/calendar"
    cal = _parse(res.data)
    assert str(cal["version"]) == "2.0" and cal["prodid"]
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Cerita di Pagi Hari", "Kelas Coding"}
    vevent = events["Cerita di Pagi Hari"]
    start = vevent.decoded("dtstart")
    assert start == wib(2026, 12, 5, 9, 0) and start.utcoffset() == timedelta(hours=7)
    assert vevent["dtstart"].params["TZID"] == "Asia/Jakarta"
    assert vevent.decoded("dtend") - start == timedelta(hours=1, minutes=30)
    exdates = [d.dt for d in vevent["exdate"].dts]
    assert exdates == [wib(2026, 12, 19, 9, 0)]
    # Expanding the parsed rule gives exactly the dates the service shows.
    rule = rrulestr(vevent["rrule"].to_ical().decode(), dtstart=start)
    expanded = [d for d in rule if d not in exdates]
    shown = schedule.occurrences(story, wib(2026, 12, 1, 0, 0), wib(2027, 2, 1, 0, 0))
    assert [d.astimezone(timezone.utc) for d in expanded] == [o.start for o in shown]
    assert len(expanded) == 5
    english = _parse(client.get("/events/calendar.ics?lang=en").data)
    assert "Morning Stories" in {str(e["summary"]) for e in english.walk("VEVENT")}
    classes = _parse(client.get("/events/calendar/class.ics").data)
    assert [str(e["summary"]) for e in classes.walk("VEVENT")] == ["Kelas Coding"]
    assert client.get("/events/calendar/party.ics").status_code == 404


def test_one_date_ics_has_no_rule_and_a_unique_uid(client, session):
    story = make_event(session, start=wib(2026, 12, 5, 9, 0), rrule="FREQ=WEEKLY")
    key = schedule.occurrence_key(wib(2026, 12, 12, 9, 0))
    vevent = _parse(client.get(f"/events/{story.id}/{key}.ics").data).walk("VEVENT")[0]
    assert vevent.decoded("dtstart") == wib(2026, 12, 12, 9, 0) and "rrule" not in vevent
    assert key in str(vevent["uid"])
    series = _parse(client.get(f"/events/{story.id}.ics").data).walk("VEVENT")[0]
    assert str(series["rrule"].to_ical().decode()) == "FREQ=WEEKLY"


def test_teacher_requests_a_visit_and_staff_accept_it(client, session):
    tomorrow = schedule.local(schedule.now()).date() + timedelta(days=1)
    form = {"school": "SD Negeri 001 Batam Kota", "teacher_name": "Ibu Rina", "phone": "0812 7000 1234",
            "grade": "Kelas 3", "class_size": "28",
            "csrf_token": form_token(client, "/school-visits"), "preferred_date": [str(tomorrow + timedelta(days=6)), str(tomorrow)]}
    bad = client.post("/school-visits", data={**form, "class_size": "500"})
    assert bad.status_code == 400 and "Jumlah siswa" in bad.get_data(as_text=True)
    assert 'value="Ibu Rina"' in bad.get_data(as_text=True)
    sent = client.post("/school-visits", data=form)
    assert sent.status_code == 303
    assert 'data-status="pending"' in client.get(sent.headers["Location"]).get_data(as_text=True)
    visit = session.scalars(select(SchoolVisit)).one()
    assert visit.phone == "6281270001234" and visit.preferred_dates[0] == str(tomorrow + timedelta(days=6))
    at = datetime.combine(tomorrow, datetime.min.time(), schedule.WIB).replace(hour=9)
    visits.accept(session, visit, at, note="Bawa kartu pelajar")
    session.commit()
    status = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'data-status="accepted"' in status and "09.00 WIB" in status and "Bawa kartu pelajar" in status
    with pytest.raises(visits.VisitAlreadyDecided):
        visits.decline(session, visit)


def test_declined_visit_and_bad_dates(session):
    today = schedule.local(schedule.now()).date()
    fields = dict(school="SMP 3", teacher_name="Pak Ahmad", phone="081299990000", class_size=30)
    from content_service import errors

    for dates in ([], [str(today)], ["31/12/2026"], [str(today + timedelta(days=n)) for n in range(1, 5)]):
        with pytest.raises(errors.BadRequest):
            visits.request_visit(session, preferred_dates=dates, **fields)
    visit = visits.request_visit(session, preferred_dates=[str(today + timedelta(days=3))], **fields)
    visits.decline(session, visit, note="Jadwal penuh")
    session.commit()
    assert (visit.status, visit.staff_note) == ("declined", "Jadwal penuh") and visits.pending(session) == []


def test_phone_survey(client, session):
    page = client.get("/survey").get_data(as_text=True)
    assert page.count('name="rating"') == 5
    assert client.post("/survey", data={"csrf_token": form_token(client, "/survey"), "comment": "no rating"}).status_code == 400
    done = client.post("/survey?lang=en", data={"csrf_token": form_token(client, "/survey"), "rating": "4", "comment": "Bagus"})
    assert "Thank you" in done.get_data(as_text=True)
    answer = session.scalars(select(Feedback)).one()
    assert (answer.rating, answer.context, answer.language) == (4, "phone", "en")


def test_registered_people_see_when_their_date_is_cancelled(client, session):
    event = make_event(session, capacity=5, registration_required=True, rrule="FREQ=WEEKLY")
    made = registration.register(session, event, event.starts_at, name="Rina", phone="081211112222")
    assert "dibatalkan oleh perpustakaan" not in client.get(f"/registrations/{made.token}").get_data(as_text=True)
    schedule.cancel_date(event, event.starts_at)
    session.commit()
    page = client.get(f"/registrations/{made.token}").get_data(as_text=True)
    assert "dibatalkan oleh perpustakaan" in page


def test_a_daily_exhibition_is_one_entry_per_week_not_seven(client, session):
    now = schedule.local(schedule.now())
    monday = (now - timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
    start = monday + timedelta(days=7)  # next week's Monday, 09.00 WIB
    make_event(session, title="Pameran Foto Batam", category="exhibition", audience="all",
               start=start, hours=7, rrule="FREQ=DAILY;COUNT=10")
    make_event(session, title="Cerita di Pagi Hari", category="storytelling", audience="children",
               start=start + timedelta(days=2), rrule="FREQ=WEEKLY;COUNT=2")
    make_event(session, title="Kelas Menggambar", category="class", audience="children",  # a weekend: two entries
               start=start + timedelta(days=5), rrule="FREQ=WEEKLY;BYDAY=SA,SU;COUNT=2")
    page = client.get("/events", query_string={"week": start.date().isoformat()}).get_data(as_text=True)
    weeks = page.split('class="card week"')[1:]
    first, second = weeks[0], weeks[1]
    assert first.count("Pameran Foto Batam") == 1 and 'data-dates="7"' in first
    assert "Setiap hari, " in first and "09.00–16.00 WIB" in first
    assert second.count("Pameran Foto Batam") == 1 and 'data-dates="3"' in second  # the run goes on, then ends
    assert first.count("Cerita di Pagi Hari") == 1 and second.count("Cerita di Pagi Hari") == 1
    assert first.count("Kelas Menggambar") == 2 and "Setiap hari" not in first.split("Kelas Menggambar")[1]
    # The run is listed at its first date, before the storytelling on Wednesday.
    assert first.index("Pameran Foto Batam") < first.index("Cerita di Pagi Hari")
    english = client.get("/events", query_string={"week": start.date().isoformat(), "lang": "en"}).get_data(as_text=True)
    assert "Every day, " in english
