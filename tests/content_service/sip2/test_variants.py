"""The kiosk flow against a SIP2 server that answers the way other systems legally
do (see variant_server.py): no AY/AZ or a constant AY0, CRLF, Latin-1, unknown and
missing fields, padded counts, ISO due dates, "barcode title" item lists, no CQ."""
from __future__ import annotations

import pytest

from tests.content_service.circulation.helpers import kiosk_headers

from .variant_server import VariantServer

API = "/api/v1/circulation"
CARD = "2171000077"


@pytest.fixture(params=["none", "fixed0"])
def variant(request):
    server = VariantServer(sequence=request.param).start()
    yield server
    server.close()


def test_borrow_account_renew_return_against_another_kind_of_server(make_app, session, variant):
    app = make_app(CIRCULATION="sip2", SIP2_HOST="127.0.0.1", SIP2_PORT=variant.port,
                   SIP2_LOGIN="kios", SIP2_PASSWORD="x", SIP2_INSTITUTION="BTM",
                   SIP2_ENCODING="latin-1", SIP2_TIMEOUT=1, SIP2_REPLAY_SECONDS=3600)
    client, headers = app.test_client(), kiosk_headers(session)
    session.commit()
    try:
        res = client.post(f"{API}/sessions", json={"card": CARD, "pin": "2468"}, headers=headers)
        assert res.status_code == 201, res.get_json()
        body = res.get_json()
        assert body["patron"]["first_name"] == "Budi"  # "Santoso, Budi"
        assert body["patron"]["category"] == "student"  # "pelajar"
        member = {**headers, "X-Patron-Session": body["session"]}

        res = client.post(f"{API}/checkouts", json={"payload": "PDB-1"}, headers=member)
        assert res.status_code == 201, res.get_json()
        loan = res.get_json()["loan"]
        assert loan["title"] == "Ronggeng Dukuh Paruk (édisi)"  # Latin-1 on the wire
        assert loan["due_date"] == "2026-12-24" and "due_estimated" not in loan

        account = client.get(f"{API}/session", headers=member).get_json()
        assert [(l["barcode"], l["title"]) for l in account["loans"]] == [
            ("PDB-1", "Ronggeng Dukuh Paruk (édisi)")]
        assert account["can_borrow"] is True and account["blocks"] == []

        res = client.post(f"{API}/renewals", json={"barcode": "PDB-1"}, headers=member)
        assert res.get_json()["results"][0]["loan"]["due_date"] == "2027-01-07"
        res = client.post(f"{API}/checkins", json={"payload": "PDB-1"}, headers=headers)
        assert res.status_code == 200 and res.get_json()["returned"]["title"] == "Ronggeng Dukuh Paruk (édisi)"
        assert "97" not in variant.requests  # every answer was taken at once
    finally:
        backend = app.extensions.get("pindai.circulation")
        if backend is not None:
            backend.replayer.stop()
            backend.client.close()
