"""The SIP2 server stopped mid-session loses no loan: the checkout is queued (the
kiosk says it will be confirmed), survives a service restart, is replayed in order
as a no-block checkout with its original date, and staff see it, failures too."""
from __future__ import annotations

import time

from sqlalchemy import select

from content_service.sip2.client import Settings, SIP2Client
from content_service.sip2.models import OfflineCheckout
from content_service.staff.access import create_staff
from tests.content_service.circulation.helpers import kiosk_headers
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login as staff_login

from .conftest import sip2_settings

API = "/api/v1/circulation"
SITI, BUDI = "2171000042", "2171000043"


def member_session(client, headers, card):
    res = client.post(f"{API}/sessions", json={"card": card, "pin": "2468"}, headers=headers)
    assert res.status_code == 201, res.get_json()
    return {**headers, "X-Patron-Session": res.get_json()["session"]}


def charged_to(peer, card):
    client = SIP2Client(Settings.from_config(sip2_settings(peer)))
    try:
        return client.patron_information(card, summary="AU").getall("AU")
    finally:
        client.close()


def rows(session):
    session.rollback()  # a fresh snapshot: other apps wrote meanwhile
    return session.scalars(select(OfflineCheckout).order_by(OfflineCheckout.id)).all()


def test_peer_stopped_mid_session_loses_no_loan(sip2_app, library_peer, session, make_app):
    app = sip2_app()
    client = app.test_client()
    headers = kiosk_headers(session)
    create_staff(session, "pustakawan", PASSWORD, "librarian", "Pustakawan", method=FAST_HASH)
    session.commit()
    siti = member_session(client, headers, SITI)
    budi = member_session(client, headers, BUDI)
    assert client.post(f"{API}/checkouts", json={"payload": "PDB-0001"}, headers=siti).status_code == 201

    library_peer.stop()  # mid-session: the kiosk's connection breaks
    queued = []
    for who, barcode in ((siti, "PDB-0007"), (budi, "PDB-0008"), (siti, "PDB-0005")):
        res = client.post(f"{API}/checkouts", json={"payload": barcode}, headers=who)
        assert res.status_code == 201, res.get_json()
        queued.append(res.get_json()["loan"])
    assert all(loan["queued"] and loan["due_estimated"] for loan in queued)
    assert "akan dikonfirmasi" in queued[0]["notice"]["message_id"]
    assert "will be confirmed" in queued[0]["notice"]["message"]
    # Returning needs the library system: a clear answer, not a silent drop.
    res = client.post(f"{API}/checkins", json={"payload": "PDB-0001"}, headers=headers)
    assert res.status_code == 503 and "serahkan buku kepada petugas" in res.get_json()["error"]["message_id"]
    # Logging in needs it too.
    res = client.post(f"{API}/sessions", json={"card": SITI, "pin": "2468"}, headers=headers)
    assert res.status_code == 503 and res.get_json()["error"]["code"] == "library_system_unavailable"
    assert [(r.barcode, r.state) for r in rows(session)] == [
        ("PDB-0007", "queued"), ("PDB-0008", "queued"), ("PDB-0005", "queued")]

    # The service restarts (a new app on the same database) while the server is away.
    backend = app.extensions["pindai.circulation"]
    backend.replayer.stop()
    backend.client.close()
    restarted = make_app(**sip2_settings(library_peer))
    runner = restarted.test_cli_runner()
    result = runner.invoke(args=["sip2", "replay"])
    assert result.exit_code != 0 and "still queued 3" in result.output
    assert all(r.state == "queued" for r in rows(session))

    library_peer.start()  # back (same port; a fresh process of the peer)
    result = runner.invoke(args=["sip2", "replay"])
    assert "confirmed 2, refused 1, still queued 0" in result.output, result.output
    done = rows(session)
    assert [r.state for r in done] == ["done", "done", "failed"]
    assert done[0].replayed_at <= done[1].replayed_at <= done[2].replayed_at  # in order
    assert done[0].title == "Negeri 5 Menara" and done[0].due_text
    assert "Item on Hold for Another User" in done[2].error
    assert charged_to(library_peer, SITI) == ["PDB-0007"]
    assert charged_to(library_peer, BUDI) == ["PDB-0008"]

    # Staff see the queue and its failure.
    staff = restarted.test_client()
    assert staff_login(staff, "pustakawan").status_code == 302
    page = staff.get("/staff/sip2").get_data(as_text=True)
    assert "Negeri 5 Menara" in page and "Item on Hold for Another User" in page
    assert "ditolak — selesaikan di meja layanan" in page and 'data-state="failed">1<' in page
    assert "Antrean SIP2" in page  # in the portal's menu


def test_replay_happens_by_itself_when_the_server_is_back(sip2_app, library_peer, session):
    app = sip2_app(SIP2_REPLAY_SECONDS=1)
    client = app.test_client()
    headers = kiosk_headers(session)
    session.commit()
    budi = member_session(client, headers, BUDI)
    library_peer.stop()
    res = client.post(f"{API}/checkouts", json={"payload": "PDB-0006"}, headers=budi)
    assert res.status_code == 201 and res.get_json()["loan"]["queued"] is True
    library_peer.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and rows(session)[-1].state != "done":
        time.sleep(0.2)
    assert rows(session)[-1].state == "done"
    # The peer serves one connection at a time (one pre-forked child): let ours go.
    app.extensions["pindai.circulation"].client.close()
    assert "PDB-0006" in charged_to(library_peer, BUDI)
    # The queued loan left "Akun saya" once confirmed: it is listed once, as a real loan.
    account = client.get(f"{API}/session", headers=budi).get_json()
    assert [l["barcode"] for l in account["loans"]].count("PDB-0006") == 1
    assert not any(l.get("queued") for l in account["loans"])


def test_staff_page_needs_a_librarian(sip2_app, session):
    app = sip2_app()
    create_staff(session, "editor1", PASSWORD, "editor", "Editor", method=FAST_HASH)
    session.commit()
    client = app.test_client()
    assert client.get("/staff/sip2").status_code == 302  # to the login page
    assert staff_login(client, "editor1").status_code == 302
    assert client.get("/staff/sip2").status_code == 403
    token = csrf_token(client, "/staff/analytics")
    assert client.post("/staff/sip2/replay", data={"csrf_token": token}).status_code == 403


def test_a_librarian_sends_the_queue_from_the_staff_page(sip2_app, library_peer, session):
    from content_service.staff.models import AuditEntry

    app = sip2_app()
    client = app.test_client()
    headers = kiosk_headers(session)
    create_staff(session, "pustakawan2", PASSWORD, "librarian", "Pustakawan", method=FAST_HASH)
    session.commit()
    budi = member_session(client, headers, BUDI)
    library_peer.stop()
    assert client.post(f"{API}/checkouts", json={"payload": "PDB-0003"}, headers=budi).status_code == 201
    staff = app.test_client()
    assert staff_login(staff, "pustakawan2").status_code == 302
    page = staff.get("/staff/sip2").get_data(as_text=True)
    assert 'data-state="queued">1<' in page and "Cantik Itu Luka" not in page  # Pindai lacks the title
    library_peer.start()
    token = csrf_token(staff, "/staff/sip2")
    res = staff.post("/staff/sip2/replay", data={"csrf_token": token}, follow_redirects=True)
    text = res.get_data(as_text=True)
    assert res.status_code == 200 and "Terkirim: 1 terkonfirmasi, 0 ditolak, 0 masih menunggu." in text
    assert "Cantik Itu Luka" in text and 'data-state="done">1<' in text  # the server's title now
    for made_up in ("1,2", "a,b,c", "<b>9</b>,0,0"):  # a link's text is never shown as a result
        assert "Terkirim" not in staff.get("/staff/sip2", query_string={"sent": made_up}).get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(AuditEntry.action)).all()[-1] == "sip2.replay"
    assert staff.post("/staff/sip2/replay").status_code == 400  # no CSRF token: refused


def test_replay_is_a_no_block_checkout_with_the_original_date(sip2_app, library_peer, session, make_app):
    from content_service.circulation import calendar
    from content_service.sip2.protocol import decode

    from .relay import Relay

    relay = Relay((library_peer.host, library_peer.port)).start()
    try:
        app = sip2_app(SIP2_PORT=relay.port)
        client = app.test_client()
        headers = kiosk_headers(session)
        session.commit()
        siti = member_session(client, headers, SITI)
        library_peer.stop()
        assert client.post(f"{API}/checkouts", json={"payload": "PDB-0004"}, headers=siti).status_code == 201
        row = rows(session)[-1]
        time.sleep(1.1)  # the replay happens later than the loan: its date must be the loan's
        library_peer.start()
        backend = app.extensions["pindai.circulation"]
        backend.client.try_now()
        with app.app_context():
            from content_service.db import get_session
            from content_service.sip2 import offline

            assert offline.replay(get_session(), backend.client)["done"] == 1
        sent = [decode(frame) for frame in relay.seen if frame.startswith(b"11")]
        assert len(sent) == 1
        checkout = sent[0]
        assert checkout["no_block"] is True and checkout.get("AB") == "PDB-0004"
        assert checkout["transaction_date"] == calendar.local(row.transaction_at).replace(
            tzinfo=None, microsecond=0)
    finally:
        relay.close()


def test_no_queue_page_without_sip2(make_app, session):
    app = make_app()  # PINDAI_CIRCULATION=local
    create_staff(session, "pustakawan3", PASSWORD, "librarian", "Pustakawan", method=FAST_HASH)
    session.commit()
    client = app.test_client()
    assert staff_login(client, "pustakawan3").status_code == 302
    assert client.get("/staff/sip2").status_code == 404
    assert "Antrean SIP2" not in client.get("/staff/analytics").get_data(as_text=True)
