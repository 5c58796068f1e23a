"""The worker's retries, backoff and giving up, the switches and the opt-out,
the WhatsApp Cloud API (a local server checking the documented request
shape), and exactly once when a worker is killed (SIGKILL) mid-send."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from content_service.circulation import holds, local
from content_service.clock import as_utc, utcnow
from content_service.events import registration, schedule
from content_service.notifications.models import Notification, NotificationKind, NotificationPreference
from tests.content_service.circulation.helpers import make_patron
from tests.content_service.events.helpers import make_event
from tests.factories import make_book, make_item

from .sinks import parts
from .test_email import rows, send_all

REPO = Path(__file__).resolve().parents[3]


def ready_hold(app, session, patron, title="Cantik Itu Luka"):
    """A copy set aside for ``patron`` (its message queued by circulation itself)."""
    item = make_item(session, make_book(session, title=title))
    with app.app_context():
        hold = local.place_hold(session, patron, item)
        holds.set_aside(session, hold, item, holds.Policy(), schedule.now())
        session.commit()
    return hold


def test_a_server_saying_later_is_tried_again_later_and_then_given_up(make_app, session, smtp):
    app = make_app(**smtp.config(), NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_SECONDS=60)
    ready_hold(app, session, make_patron(session, email="siti@example.id"))
    smtp.inbox.refuse = "451 4.3.0 Mailbox busy, try later"
    waits = []
    for attempt in (1, 2):
        before = utcnow()
        assert send_all(app)["retried"] == 1
        [row] = rows(session)
        assert (row.status, row.attempts) == ("queued", attempt)
        assert "451" in row.last_error and "Mailbox busy" in row.last_error
        waits.append((as_utc(row.next_attempt_at) - before).total_seconds())
        assert send_all(app)["retried"] == 0  # not due yet
        session.execute(update(Notification).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert 59 <= waits[0] <= 70 and 119 <= waits[1] <= 130  # 60 s, then doubled
    assert send_all(app)["failed"] == 1
    [row] = rows(session)
    assert row.status == "failed" and row.last_error == ("gave up after 3 attempts: the server refused the address for now: "
                                                       "siti@example.id: 451 4.3.0 Mailbox busy, try later")
    assert smtp.inbox.messages == []


def test_an_address_the_server_refuses_fails_at_once_with_the_reason(make_app, session, smtp):
    app = make_app(**smtp.config())
    ready_hold(app, session, make_patron(session, email="nobody@example.id"))
    smtp.inbox.refuse = "550 5.1.1 No such user here"
    assert send_all(app)["failed"] == 1
    [row] = rows(session)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550 No such user here" in row.last_error.replace("5.1.1 ", "")


def test_an_email_server_that_is_away_is_retried(make_app, session, smtp):
    from .sinks import free_port

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2.0)
    ready_hold(app, session, make_patron(session, email="siti@example.id"))
    assert send_all(app)["retried"] == 1
    assert "cannot be reached" in rows(session)[0].last_error


def test_a_kind_switched_off_and_a_member_who_opted_out_get_nothing(make_app, session, smtp):
    app = make_app(**smtp.config())
    siti, budi = make_patron(session, email="siti@example.id"), make_patron(session, email="budi@example.id")
    session.add(NotificationPreference(patron_id=budi.id, token="budi-token-0123456789", language="id",
                                       opted_out_at=utcnow()))
    session.commit()
    ready_hold(app, session, budi)
    assert send_all(app)["cancelled"] == 1
    assert rows(session)[0].last_error == "the member opted out"
    session.add(NotificationKind(kind="hold_ready", enabled=False))
    session.commit()
    ready_hold(app, session, siti, title="Bumi Manusia")
    assert send_all(app)["cancelled"] == 1
    assert rows(session)[1].last_error == "this kind of message is switched off"
    assert smtp.inbox.messages == []


def test_whatsapp_through_the_cloud_api(make_app, session, smtp, cloud_api):
    app = make_app(**smtp.config(), **cloud_api.config())
    budi = make_patron(session, name="Budi Santoso", phone="0812-3456-7890")
    ready_hold(app, session, budi)
    assert send_all(app)["sent"] == 1
    [request] = cloud_api.requests
    assert request["to"] == "6281234567890" and request["type"] == "text"
    text = request["text"]["body"]
    assert text.startswith("*Buku pesanan Anda sudah tersedia: Cantik Itu Luka*") and "Halo Budi," in text
    token = session.scalar(select(NotificationPreference.token))
    assert f"https://pindai.example.id/pesan/{token}" in text
    [row] = rows(session)
    assert (row.status, row.channel, row.provider_id) == ("sent", "whatsapp", "wamid.TEST0001")
    cloud_api.fail_with = (400, {"error": {"message": "(#131030) Recipient phone number not in allowed list",
                                           "code": 131030}})
    ready_hold(app, session, budi, title="Bumi Manusia")
    assert send_all(app)["failed"] == 1
    assert rows(session)[1].last_error == ("WhatsApp API 400: (#131030) Recipient phone number not in allowed "
                                           "list (code 131030)")
    cloud_api.fail_with = (503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
    ready_hold(app, session, budi, title="Laut Bercerita")
    assert send_all(app)["retried"] == 1
    assert smtp.inbox.messages == []


def test_a_member_who_chose_whatsapp_gets_whatsapp_though_she_has_an_email(make_app, session, smtp, cloud_api):
    app = make_app(**smtp.config(), **cloud_api.config())
    siti = make_patron(session, name="Siti", email="siti@example.id", phone="081298765432")
    session.add(NotificationPreference(patron_id=siti.id, token="siti-token-0123456789", channel="whatsapp",
                                       language="en"))
    session.commit()
    ready_hold(app, session, siti)
    send_all(app)
    assert [r["to"] for r in cloud_api.requests] == ["6281298765432"]
    assert cloud_api.requests[0]["text"]["body"].startswith("*Your reserved book is ready: Cantik Itu Luka*")
    assert smtp.inbox.messages == []


def _worker(db_url: str, smtp, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PINDAI_ENV": "test", "PINDAI_DATABASE_URL": db_url,
           "PINDAI_SMTP_HOST": "127.0.0.1", "PINDAI_SMTP_PORT": str(smtp.port),
           "PINDAI_PUBLIC_BASE_URL": "https://pindai.example.id", "PINDAI_NOTIFY_LEASE_SECONDS": "1",
           "PINDAI_RATE_LIMIT_STORAGE": "memory://"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "content_service", "notify-worker",
                             "--poll", "0.1", *extra], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _with_id(inbox, message_id: str) -> list:
    return [m for m in inbox.messages if m["Message-ID"] == message_id]


def test_a_promotion_is_sent_exactly_once_though_the_worker_is_killed_mid_send(make_app, db_url, session, smtp):
    app = make_app(**smtp.config())
    ani, budi = make_patron(session, name="Ani", email="ani@example.id"), make_patron(session, name="Budi",
                                                                                      email="budi@example.id")
    event = make_event(session, title="Dongeng Sabtu Pagi", capacity=1, registration_required=True)
    session.commit()
    start = schedule.as_utc(event.starts_at)
    with app.app_context():
        first = registration.register(session, event, start, card_number=ani.card_number)
        registration.register(session, event, start, card_number=budi.card_number)
    send_all(app)  # both registrations told
    smtp.inbox.wait_for(2)
    with app.app_context():
        registration.cancel(session, first.token)  # Budi gets the seat
    [promotion] = rows(session, kind="waitlist_promoted")
    message_id = f"<notification-{promotion.id}@pindai.example.id>"

    smtp.inbox.hold_first_rcpt = True
    worker = _worker(db_url, smtp)
    try:
        assert smtp.inbox.rcpt_seen.wait(60), "the worker never reached the SMTP server"
        worker.send_signal(signal.SIGKILL)  # mid-dialogue: after MAIL and RCPT, before DATA
        worker.wait(10)
    finally:
        smtp.inbox.release.set()
        if worker.poll() is None:
            worker.kill()
    [promotion] = rows(session, kind="waitlist_promoted")
    assert (promotion.status, promotion.attempts) == ("sending", 1)  # the attempt was recorded first
    assert _with_id(smtp.inbox, message_id) == []  # and nothing was delivered

    again = _worker(db_url, smtp)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and rows(session, kind="waitlist_promoted")[0].status != "sent":
            time.sleep(0.1)
        # A few more rounds of the restarted worker: it must not send the message again.
        time.sleep(0.5)
    finally:
        again.send_signal(signal.SIGTERM)
        output = again.communicate(timeout=20)[0].decode()
    [promotion] = rows(session, kind="waitlist_promoted")
    assert (promotion.status, promotion.attempts) == ("sent", 2), output
    [mail] = _with_id(smtp.inbox, message_id)
    assert mail["To"] == "budi@example.id" and mail["Subject"] == "Ada kursi untuk Anda: Dongeng Sabtu Pagi"
    assert "sekarang kursi itu milik Anda" in parts(mail)["text"]
    assert len(smtp.inbox.messages) == 3  # two registrations and one promotion, each once
    assert "sent 1" in output


@pytest.mark.parametrize("bad", ["maybe", "5x"])
def test_a_bad_tls_setting_stops_the_start(make_app, bad):
    from content_service.config import ConfigError

    with pytest.raises(ConfigError, match="PINDAI_SMTP_TLS"):
        make_app(SMTP_TLS=bad)


def test_without_an_email_server_members_with_a_phone_get_whatsapp(make_app, session):
    app = make_app()  # no PINDAI_SMTP_HOST, no WhatsApp token
    ready_hold(app, session, make_patron(session, name="Siti", email="siti@example.id", phone="081298765432"))
    ready_hold(app, session, make_patron(session, name="Rudi", email="rudi@example.id"), title="Bumi Manusia")
    counts = send_all(app)
    assert (counts["manual"], counts["failed"]) == (1, 1)
    siti, rudi = rows(session)
    assert (siti.status, siti.channel, siti.recipient) == ("manual", "whatsapp", "6281298765432")
    assert (rudi.status, rudi.last_error) == ("failed", "email is not set up (PINDAI_SMTP_HOST) and there is no "
                                                        "phone number")


def test_a_message_that_cannot_be_made_fails_alone(make_app, session, smtp):
    from content_service import outbox

    app = make_app(**smtp.config())
    siti = make_patron(session, name="Siti", email="siti@example.id")
    session.commit()
    with app.app_context():
        outbox.happened(session, "kiosk_receipt", receipt="bad", card=siti.card_number, url="u", lines=7)
        session.commit()
    ready_hold(app, session, siti)
    counts = send_all(app)
    assert (counts["failed"], counts["sent"]) == (1, 1)
    bad, good = rows(session)
    assert bad.status == "failed" and bad.last_error.startswith("the message could not be made: TypeError")
    assert good.status == "sent" and len(smtp.inbox.wait_for(1)) == 1
