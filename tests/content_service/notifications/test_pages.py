"""The staff page (/staff/notifications: sent, failed with the reason, try
again, wa.me links, words and switches, audited) and the member's choices
(/pesan/<token>, no login; the part of /akun)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from content_service.notifications.models import Notification, NotificationKind, NotificationPreference, \
    NotificationTemplate
from content_service.staff.models import AuditEntry
from tests.content_service.circulation.helpers import make_patron
from tests.content_service.staff.conftest import csrf_token

from .test_email import rows, send_all
from .test_worker import ready_hold


@pytest.fixture
def app(make_app, smtp):
    return make_app(**smtp.config())


def test_staff_see_what_was_sent_and_what_failed_with_the_reason_and_try_again(app, session, smtp, staff_client):
    siti = make_patron(session, name="Siti", email="siti@example.id")
    ready_hold(app, session, siti)
    send_all(app)
    smtp.inbox.refuse = "550 5.1.1 No such user here"
    ready_hold(app, session, make_patron(session, name="Rudi", email="rudi@salah.example"), title="Bumi Manusia")
    send_all(app)
    client, token = staff_client("librarian")
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert "Buku pesanan Anda sudah tersedia: Cantik Itu Luka" in page and "siti@example.id" in page
    assert "the server refused the address: rudi@salah.example: 550 5.1.1 No such user here" in page
    failed = client.get("/staff/notifications?status=failed").get_data(as_text=True)
    assert "rudi@salah.example" in failed and "siti@example.id" not in failed
    assert client.get("/staff/notifications?status=lost").status_code == 400
    smtp.inbox.refuse = None
    [bad] = rows(session, status="failed")
    assert client.post(f"/staff/notifications/{bad.id}/retry", data={"csrf_token": token}).status_code == 303
    assert send_all(app)["sent"] == 1
    assert [m["To"] for m in smtp.inbox.messages] == ["siti@example.id", "rudi@salah.example"]
    session.commit()
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.action == "notifications.retry"))
    assert client.post(f"/staff/notifications/{bad.id}/retry").status_code == 400  # no CSRF token
    assert client.post("/staff/notifications/999999/retry", data={"csrf_token": token}).status_code == 404


def test_editors_may_not_open_the_page(app, staff_client):
    client, _ = staff_client("editor")
    assert client.get("/staff/notifications").status_code == 403


def test_without_a_whatsapp_token_staff_get_a_wa_me_link(app, session, staff_client):
    ready_hold(app, session, make_patron(session, name="Budi", phone="0812 3456 7890"))
    assert send_all(app)["manual"] == 1
    client, token = staff_client("librarian")
    page = client.get("/staff/notifications?status=manual").get_data(as_text=True)
    link = re.search(r'href="(https://wa\.me/[^"]+)"', page)[1].replace("&amp;", "&")
    assert link.startswith("https://wa.me/6281234567890?text=")
    text = parse_qs(urlsplit(link).query)["text"][0]
    assert text.startswith("*Buku pesanan Anda sudah tersedia: Cantik Itu Luka*") and "Halo Budi," in text
    [row] = rows(session)
    assert client.post(f"/staff/notifications/{row.id}/sent", data={"csrf_token": token}).status_code == 303
    [row] = rows(session)
    assert row.status == "sent" and row.provider_id == "wa.me by librarian-user"


def test_staff_change_the_words_and_switch_a_kind_off(app, session, smtp, staff_client):
    client, token = staff_client("librarian")
    page = client.get("/staff/notifications/templates").get_data(as_text=True)
    assert "Buku pesanan Anda sudah tersedia: {{ title }}" in page and "Your reserved book is ready" in page
    bad = client.post("/staff/notifications/templates/hold_ready/id",
                      data={"csrf_token": token, "subject": "Siap: {{ judul }}", "body": "Halo {{ name }}"})
    assert bad.status_code == 400
    said = bad.get_data(as_text=True)
    assert "Templat tidak bisa dipakai" in said and "{{ title }}" in said and "Siap: {{ judul }}" in said
    saved = client.post("/staff/notifications/templates/hold_ready/id", data={
        "csrf_token": token, "subject": "Siap diambil: {{ title }}",
        "body": "Halo {{ name }}, {{ title }} menunggu di {{ pickup_library }} sampai {{ pickup_by }}."})
    assert saved.status_code == 303
    ready_hold(app, session, make_patron(session, name="Siti", email="siti@example.id"))
    send_all(app)
    [mail] = smtp.inbox.wait_for(1)
    assert mail["Subject"] == "Siap diambil: Cantik Itu Luka"
    assert mail.get_body(("plain",)).get_content().startswith("Halo Siti, Cantik Itu Luka menunggu di Perpustakaan")
    assert client.post("/staff/notifications/kinds/hold_ready", data={"csrf_token": token, "enabled": "0"}).status_code == 303
    session.commit()
    assert session.get(NotificationKind, "hold_ready").enabled is False
    assert "Dimatikan" in client.get("/staff/notifications/templates?done=off").get_data(as_text=True)
    client.post("/staff/notifications/templates/hold_ready/id", data={"csrf_token": token, "reset": "1"})
    session.commit()
    session.expire_all()
    assert session.get(NotificationTemplate, ("hold_ready", "id")) is None
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"notifications.template", "notifications.switch", "notifications.template_reset"} <= actions
    assert client.post("/staff/notifications/templates/nope/id", data={"csrf_token": token}).status_code == 404


def test_a_member_chooses_whatsapp_and_then_stops_all_messages(app, session, smtp):
    siti = make_patron(session, name="Siti", email="siti@example.id", phone="081298765432")
    ready_hold(app, session, siti)
    send_all(app)
    [mail] = smtp.inbox.wait_for(1)
    url = re.search(r"https://pindai\.example\.id(/pesan/\S+)", mail.get_body(("plain",)).get_content())[1]
    client = app.test_client()
    page = client.get(url).get_data(as_text=True)
    assert "Pesan dari perpustakaan" in page and "siti@example.id" in page and "6281298765432" in page
    token = csrf_token(client, url)
    saved = client.post(url, data={"csrf_token": token, "channel": "whatsapp", "language": "en"})
    assert saved.status_code == 303
    session.commit()
    pref = session.scalar(select(NotificationPreference))
    assert (pref.channel, pref.language) == ("whatsapp", "en")
    refused = client.post(url, data={"csrf_token": token, "channel": "sms", "language": "en"})
    assert refused.status_code == 400 and "Pilih email atau WhatsApp" in refused.get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "stop": "1"})
    session.commit()
    session.expire_all()
    assert session.scalar(select(NotificationPreference)).opted_out_at is not None
    assert "Nyalakan pesan lagi" in client.get(url).get_data(as_text=True)
    assert client.get("/pesan/not-a-token").status_code == 404
    assert client.post(url, data={"stop": "1"}).status_code == 400  # no CSRF token: refused
    ready_hold(app, session, siti, title="Bumi Manusia")
    assert send_all(app)["cancelled"] == 1
    assert session.scalar(select(Notification.last_error).order_by(Notification.id.desc())) == "the member opted out"
