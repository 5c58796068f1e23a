"""Pindai's own SIP2 client against Pindai's own SIP2 server: the client
as a library's kiosk would use it (``SIP2Client``), and the whole kiosk
flow with ``PINDAI_CIRCULATION=sip2`` pointed at the server."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from content_service.circulation.models import Loan
from content_service.sip2.client import LoginRefused, Settings, SIP2Client, Unavailable
from tests.content_service.circulation.helpers import PIN, kiosk_headers, make_patron
from tests.factories import make_book, make_item

from .server_helpers import INSTITUTION, LOGIN, PASSWORD, add_machine, running_server

API = "/api/v1/circulation"


def client_for(port: int, **overrides) -> SIP2Client:
    settings = {"host": "127.0.0.1", "port": port, "login": LOGIN, "password": PASSWORD, "institution": INSTITUTION,
                "location": "Kios lobi", "timeout": 5, "connect_timeout": 2, "down_seconds": 0}
    settings.update(overrides)
    return SIP2Client(Settings(**settings))


def test_client_round_trip(server, session):
    patron = make_patron(session, name="Siti Rahmawati")
    fined = make_patron(session, fines=80000)
    item = make_item(session, make_book(session, title="Cantik Itu Luka"))
    session.commit()
    client = client_for(server.port)
    try:
        assert client.sc_status()["online_status"] is True
        info = client.patron_information(patron.card_number, PIN)
        assert info.get("CQ") == "Y" and info.get("AE") == "Siti Rahmawati"
        out = client.checkout(patron.card_number, item.barcode)
        assert out["ok"] is True and out["desensitize"] is True and out.get("AJ") == "Cantik Itu Luka"
        assert client.item_information(item.barcode)["circulation_status"] == "04"
        assert client.patron_information(patron.card_number, summary="AU").getall("AU") == [item.barcode]
        assert client.renew(patron.card_number, item.barcode)["ok"] is True
        assert client.renew_all(patron.card_number)["renewed_count"] == 1
        refused = client.checkout(fined.card_number, item.barcode)
        assert refused["ok"] is False and "Denda Anda (Rp80.000) melebihi batas Rp50.000" in refused.screen_messages[0]
        back = client.checkin(item.barcode)
        assert back["ok"] is True and back["resensitize"] is True and back.get("AA") == patron.card_number
        assert client.end_session(patron.card_number)["end_session"] is True
        assert client.connections == 1
    finally:
        client.close()
    loans = session.scalars(select(Loan)).all()
    assert len(loans) == 1 and loans[0].returned_at is not None and loans[0].renewals == 2


def test_client_logs_in_again_after_the_server_restarts(app, session):
    add_machine(session)
    patron = make_patron(session)
    item = make_item(session, make_book(session))
    session.commit()
    with running_server(app, institution=INSTITUTION) as first:
        port = first.port
        client = client_for(port)
        assert client.checkout(patron.card_number, item.barcode)["ok"] is True
    with pytest.raises(Unavailable):
        client.item_information(item.barcode)  # the server is away
    with running_server(app, institution=INSTITUTION) as again:
        client.settings = Settings(**{**client.settings.__dict__, "port": again.port})
        assert client.checkin(item.barcode)["ok"] is True  # reconnected and logged in again
        assert client.connections == 2
        client.close()
    with running_server(app, institution=INSTITUTION) as third, pytest.raises(LoginRefused):
        client_for(third.port, password="salah-sekali").sc_status()


def test_kiosk_flow_with_sip2_circulation_against_pindais_server(server, make_app, session, tmp_path):
    """A kiosk whose circulation is SIP2 (PINDAI_CIRCULATION=sip2), talking to
    this server: borrow, account, renew, refusal with the server's words, return.
    The kiosk's Pindai has a database of its own (its catalogue and kiosks),
    as a second library site would."""
    patron = make_patron(session, name="Budi Santoso")
    fined = make_patron(session, fines=65000)
    item = make_item(session, make_book(session, title="Bumi Manusia"))
    session.commit()
    kiosk = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'kiosk.db'}", CIRCULATION="sip2",
                     SIP2_HOST="127.0.0.1", SIP2_PORT=server.port, SIP2_LOGIN=LOGIN,
                     SIP2_PASSWORD=PASSWORD, SIP2_INSTITUTION=INSTITUTION, SIP2_TIMEOUT=5.0)
    kiosk_session = kiosk.extensions["pindai.sessionmaker"]()
    headers = kiosk_headers(kiosk_session)
    kiosk_session.commit()
    kiosk_session.close()
    web = kiosk.test_client()
    try:
        res = web.post(f"{API}/sessions", json={"card": patron.card_number, "pin": PIN}, headers=headers)
        assert res.status_code == 201, res.get_json()
        member = {**headers, "X-Patron-Session": res.get_json()["session"]}
        res = web.post(f"{API}/checkouts", json={"payload": item.barcode}, headers=member)
        assert res.status_code == 201, res.get_json()
        assert res.get_json()["loan"]["title"] == "Bumi Manusia"  # the server's title (the kiosk has no copy row)
        assert [l["barcode"] for l in web.get(f"{API}/session", headers=member).get_json()["loans"]] == [item.barcode]
        res = web.post(f"{API}/renewals", json={"barcode": item.barcode}, headers=member)
        assert res.status_code == 200 and res.get_json()["renewed"] == 1, res.get_json()
        res = web.post(f"{API}/sessions", json={"card": fined.card_number, "pin": PIN}, headers=headers)
        body = res.get_json()
        assert "Rp 65.000" in str(body), body  # the server's own sentence reaches the kiosk
        res = web.post(f"{API}/checkins", json={"payload": item.barcode}, headers=headers)
        assert res.status_code == 200, res.get_json()
    finally:
        backend = kiosk.extensions.get("pindai.circulation")
        if backend is not None:
            backend.replayer.stop()
            backend.client.close()
    loan = session.scalars(select(Loan).where(Loan.item_id == item.id)).one()
    assert loan.returned_at is not None and loan.renewals == 1
