"""Holds through PINDAI_CIRCULATION=sip2: the kiosk reserves a title with a hold
(15 +) on the real SIP2 peer, the peer then keeps the copy for that member, and a
cancel (15 -) frees it."""
from __future__ import annotations

from content_service.circulation.backends import get_backend
from tests.content_service.circulation.helpers import kiosk_headers
from tests.factories import make_book, make_item

from .test_backend import BUDI, SITI, session_headers

API = "/api/v1/circulation"


def test_a_hold_over_sip2_keeps_the_copy_for_the_member_until_cancelled(sip2_app, session):
    app = sip2_app()
    client = app.test_client()
    headers = kiosk_headers(session)
    book = make_book(session, title="Ayat-Ayat Cinta")
    make_item(session, book, barcode="PDB-0008", status="on_loan")
    session.commit()
    # The peer keeps its state between runs (and between the SQLite and PostgreSQL
    # runs of this test): start from the copy back on its shelf there.
    client.post(f"{API}/checkins", json={"payload": "PDB-0008"}, headers=headers)
    siti, _ = session_headers(client, headers, SITI)
    res = client.post(f"{API}/holds", json={"book_id": book.id}, headers=siti)
    assert res.status_code == 201, res.get_json()
    hold = res.get_json()["hold"]
    assert hold["id"] == "PDB-0008" and hold["title"] == "Ayat-Ayat Cinta"
    with app.app_context():
        assert get_backend().supports_holds() is True  # the peer's 98 says so
    budi, _ = session_headers(client, headers, BUDI)
    taken = client.post(f"{API}/checkouts", json={"payload": "PDB-0008"}, headers=budi)
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "on_hold_for_another"
    assert client.delete(f"{API}/holds/PDB-0008", headers=siti).status_code == 204
    again = client.delete(f"{API}/holds/PDB-0008", headers=siti)
    assert again.status_code == 404 and "No such hold" in again.get_json()["error"]["message_id"]
    assert client.post(f"{API}/checkouts", json={"payload": "PDB-0008"}, headers=budi).status_code == 201
