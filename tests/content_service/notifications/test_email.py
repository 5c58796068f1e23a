"""Messages through the outbox to a real SMTP server (aiosmtpd), on SQLite
and PostgreSQL: written in the transaction of the change, sent by the
worker, received and parsed (subject, both parts, language, .ics, links)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import func, select

from content_service import outbox
from content_service.circulation import calendar, local
from content_service.events import registration, schedule
from content_service.notifications.reminders import queue_reminders
from content_service.notifications.models import Notification, NotificationPreference
from content_service.notifications.worker import Worker
from tests.content_service.circulation.helpers import kiosk_headers, login, make_patron
from tests.content_service.events.helpers import make_event
from tests.factories import make_book, make_item

from .sinks import parts


@pytest.fixture
def app(make_app, smtp):
    return make_app(**smtp.config())


def send_all(app) -> dict:
    with app.app_context():
        counts = Worker(app).run(0, once=True)
    return vars(counts)


def rows(session, **where):
    session.commit()  # a fresh snapshot: the worker wrote in its own session
    session.expire_all()
    query = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return session.scalars(query).all()


def test_a_registration_sends_its_confirmation_with_the_cancel_link_and_the_ics(app, session, smtp):
    siti = make_patron(session, name="Siti Rahmawati", email="siti@example.id")
    event = make_event(session, title="Dongeng Sabtu Pagi", location="Ruang Anak", capacity=10,
                       registration_required=True)
    session.commit()
    with app.test_request_context():
        made = registration.register(session, event, schedule.as_utc(event.starts_at), card_number=siti.card_number)
    [row] = rows(session)
    assert (row.kind, row.status, row.dedupe_key) == ("registration", "queued", f"registration:{made.id}")
    assert smtp.inbox.messages == []  # queued, not sent in the request
    assert send_all(app)["sent"] == 1
    [mail] = smtp.inbox.wait_for(1)
    assert mail["Subject"] == "Pendaftaran: Dongeng Sabtu Pagi"
    assert mail["To"] == "siti@example.id" and mail["Content-Language"] == "id"
    assert mail.get_content_type() == "multipart/mixed"
    body = parts(mail)
    assert "Halo Siti," in body["text"] and "Ruang Anak" in body["text"]
    cancel = f"https://pindai.example.id/registrations/{made.token}/cancel"
    assert cancel in body["text"] and f'<a href="{cancel}">' in body["html"]
    session.commit()
    token = session.scalar(select(NotificationPreference.token))
    assert f"https://pindai.example.id/pesan/{token}" in body["text"]
    assert mail["List-Unsubscribe"].strip() == f"<https://pindai.example.id/pesan/{token}>"
    assert mail["Message-ID"] == f"<notification-{row.id}@pindai.example.id>"
    [(name, ics)] = body["attachments"].items()
    assert name == f"acara-{event.id}.ics"
    vevent = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Dongeng Sabtu Pagi"
    assert vevent.decoded("DTSTART") == schedule.local(schedule.as_utc(event.starts_at))
    [row] = rows(session)
    assert (row.status, row.attempts, row.channel, row.recipient) == ("sent", 1, "email", "siti@example.id")
    assert send_all(app)["sent"] == 0 and len(smtp.inbox.messages) == 1  # nothing sent twice


def test_the_member_gets_english_once_she_chooses_it(app, session, smtp):
    budi = make_patron(session, name="Budi Santoso", email="budi@example.id")
    event = make_event(session, title="Dongeng", title_en="Story time", capacity=1, registration_required=True)
    session.commit()
    with app.test_request_context():
        registration.register(session, event, schedule.as_utc(event.starts_at), name="Ani", phone="081234567890")
        made = registration.register(session, event, schedule.as_utc(event.starts_at), card_number=budi.card_number)
    assert made.status == "waitlisted"
    session.add(NotificationPreference(patron_id=budi.id, token="tok-budi-0123456789", language="en"))
    session.commit()
    send_all(app)
    [mail] = smtp.inbox.wait_for(1)  # Ani has a phone only, and no WhatsApp token: she waits for staff
    assert mail["Subject"] == "Registration: Story time" and mail["Content-Language"] == "en"
    text = parts(mail)["text"]
    assert "You are on the waiting list for Story time" in text and "number 1" in text
    assert parts(mail)["attachments"] == {}  # no seat yet: no calendar entry
    assert 'lang="en"' in parts(mail)["html"]
    assert [r.status for r in rows(session)] == ["manual", "sent"]


def test_a_refused_change_writes_no_message(app, session):
    event = make_event(session, capacity=1, registration_required=True)
    patron = make_patron(session, email="a@example.id")
    session.commit()
    start = schedule.as_utc(event.starts_at)
    with app.test_request_context():
        registration.register(session, event, start, card_number=patron.card_number)
        with pytest.raises(registration.AlreadyRegistered):
            registration.register(session, event, start, card_number=patron.card_number)
    assert len(rows(session)) == 1


def test_the_same_happening_is_queued_once(app, session):
    with app.app_context():
        for _ in range(3):
            outbox.happened(session, "hold_ready", hold_id=7, item_id=9)
        session.commit()
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_returned_copy_tells_the_member_waiting_for_it(app, session, smtp):
    siti = make_patron(session, name="Siti Rahmawati", email="siti@example.id")
    budi = make_patron(session, name="Budi Santoso")
    item = make_item(session, make_book(session, title="Cantik Itu Luka"))
    local.checkout(session, budi, item, max_fines=10**9)
    session.commit()
    client = app.test_client()
    headers = kiosk_headers(session)
    session.commit()
    siti_headers = login(client, headers, siti.card_number)
    assert client.post("/api/v1/circulation/holds", json={"book_id": item.book_id}, headers=siti_headers).status_code == 201
    assert rows(session) == []  # waiting in the queue: nothing to tell yet
    assert client.post("/api/v1/circulation/checkins", json={"payload": item.barcode}, headers=headers).status_code == 200
    [row] = rows(session)
    assert row.kind == "hold_ready"
    send_all(app)
    [mail] = smtp.inbox.wait_for(1)
    assert mail["Subject"] == "Buku pesanan Anda sudah tersedia: Cantik Itu Luka"
    assert "sudah menunggu di rak pesanan" in parts(mail)["text"] and "Ambil paling lambat" in parts(mail)["text"]


def test_a_hold_collected_before_the_worker_ran_is_not_told(app, session, smtp):
    siti = make_patron(session, email="siti@example.id")
    item = make_item(session, make_book(session, title="Bumi Manusia"))
    with app.app_context():
        local.place_hold(session, siti, item)
        hold = session.scalars(select(local.Hold)).one()
        local.holds.set_aside(session, hold, item, local.holds.Policy(), schedule.now())
        local.checkout(session, siti, item, max_fines=10**9)
        session.commit()
    assert send_all(app)["cancelled"] == 1
    assert smtp.inbox.messages == []
    assert rows(session)[0].last_error == "the hold is no longer on the hold shelf"


def test_the_kiosk_emails_a_receipt_when_asked(app, session, smtp):
    siti = make_patron(session, name="Siti Rahmawati", email="siti.rahma@example.id")
    nobody = make_patron(session, name="Tanpa Surel")
    item = make_item(session, make_book(session, title="Laskar Pelangi"))
    headers = kiosk_headers(session)
    session.commit()
    client = app.test_client()
    siti_headers = login(client, headers, siti.card_number)
    assert client.post("/api/v1/circulation/checkouts", json={"payload": item.barcode}, headers=siti_headers).status_code == 201
    first = client.post("/api/v1/circulation/receipts", headers=siti_headers).get_json()
    assert first["email_to"] == "s•••@example.id" and first["emailed"] is False
    assert rows(session) == []
    answer = client.post("/api/v1/circulation/receipts", json={"email": True}, headers=siti_headers)
    assert answer.status_code == 201 and answer.get_json()["emailed"] is True
    send_all(app)
    [mail] = smtp.inbox.wait_for(1)
    assert mail["Subject"] == "Struk peminjaman Perpustakaan Kota Batam"
    text = parts(mail)["text"]
    assert "- Laskar Pelangi: kembalikan paling lambat" in text and answer.get_json()["url"] in text
    other = login(client, headers, nobody.card_number)
    refused = client.post("/api/v1/circulation/receipts", json={"email": True}, headers=other)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "no_email"
    assert client.post("/api/v1/circulation/receipts", json={"email": "ya"}, headers=other).status_code == 400


@pytest.mark.parametrize("hour", [0, 4, 6, 7, 12, 23])  # WIB; before 07.00 the UTC date is the day before
def test_reminders_find_the_right_wib_days_at_every_hour(app, session, hour):
    siti = make_patron(session, name="Siti Rahmawati", email="siti@example.id")
    item = make_item(session, make_book(session, title="Ronggeng Dukuh Paruk"))
    now = datetime(2026, 12, 5, hour, 30, tzinfo=schedule.WIB).astimezone(timezone.utc)
    with app.app_context():
        loan = local.checkout(session, siti, item, max_fines=10**9)
        loan.due_at = calendar.due_at(session, date(2026, 12, 7), 0)  # two WIB days on
        event = make_event(session, title="Bedah Buku", start=datetime(2026, 12, 6, 0, 30, tzinfo=schedule.WIB),
                           capacity=5, registration_required=True)
        session.commit()
        registration.register(session, event, schedule.as_utc(event.starts_at), card_number=siti.card_number)
        counts = queue_reminders(session, now=now)
    assert counts == {"event_reminder": 1, "due_soon": 1, "overdue": 0}


def test_reminders_are_queued_once_and_say_what_is_true_when_sent(app, session, smtp):
    siti = make_patron(session, name="Siti Rahmawati", email="siti@example.id")
    soon = make_item(session, make_book(session, title="Ronggeng Dukuh Paruk"))
    late = make_item(session, make_book(session, title="Ayat-Ayat Cinta"))
    now = schedule.now()
    with app.app_context():
        loan = local.checkout(session, siti, soon, max_fines=10**9)
        loan.due_at = now + timedelta(days=2)
        overdue = local.checkout(session, siti, late, max_fines=10**9)
        overdue.due_at = now - timedelta(days=3)
        tomorrow = now + timedelta(days=1)
        event = make_event(session, title="Bedah Buku", start=tomorrow, capacity=5, registration_required=True)
        session.commit()
        registration.register(session, event, schedule.as_utc(event.starts_at), card_number=siti.card_number)
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["notify-reminders"])
        assert result.exit_code == 0, result.output
    kinds = sorted(r.kind for r in rows(session))
    if schedule.local(tomorrow).date() == schedule.local(now).date() + timedelta(days=1):
        assert kinds == ["due_soon", "event_reminder", "overdue", "registration"]
    send_all(app)
    subjects = sorted(m["Subject"] for m in smtp.inbox.wait_for(len(kinds)))
    assert "Terlambat dikembalikan: Ayat-Ayat Cinta" in subjects
    assert any(s.startswith("Kembalikan paling lambat") and s.endswith("Ronggeng Dukuh Paruk") for s in subjects)
    assert "Besok: Bedah Buku" in subjects


def test_loans_long_overdue_before_messages_began_are_not_all_told(app, session):
    siti = make_patron(session, email="siti@example.id")
    old = make_item(session, make_book(session, title="Lama Sekali"))
    with app.app_context():
        loan = local.checkout(session, siti, old, max_fines=10**9)
        loan.due_at = schedule.now() - timedelta(days=200)
        session.commit()
    assert app.test_cli_runner().invoke(args=["notify-reminders"]).exit_code == 0
    assert rows(session) == []
