"""PINDAI_CIRCULATION=sip2 through the kiosk API against the real SIP2 peer:
borrow, account, renew, return; every refusal with the server's own words; UTF-8
and ASCII institutions; availability from item information (17/18)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from content_service.circulation.backends import get_backend
from tests.content_service.circulation.helpers import kiosk_headers
from tests.factories import make_book, make_code, make_item

API = "/api/v1/circulation"
PIN = "2468"
SITI, BUDI = "2171000042", "2171000043"


def login(client, headers, card, pin=PIN):
    res = client.post(f"{API}/sessions", json={"card": card, "pin": pin}, headers=headers)
    return res


def session_headers(client, headers, card):
    res = login(client, headers, card)
    assert res.status_code == 201, res.get_json()
    return {**headers, "X-Patron-Session": res.get_json()["session"]}, res.get_json()


@pytest.fixture
def kiosk(sip2_app, session):
    app = sip2_app()
    client = app.test_client()
    headers = kiosk_headers(session)
    session.commit()
    return app, client, headers


def test_borrow_account_renew_return_with_utf8_titles(kiosk, session, validate):
    app, client, headers = kiosk
    # Pindai knows this copy (its cover, its page); the library system decides the loan.
    book = make_book(session, title="Bumi Manusia")
    make_item(session, book, barcode="PDB-0002")
    session.commit()
    member, body = session_headers(client, headers, SITI)
    assert body["patron"]["first_name"] == "Siti" and body["can_borrow"] is True
    assert "Rahmawati" not in str(body)

    res = client.post(f"{API}/checkouts", json={"payload": "PDB-0002"}, headers=member)
    assert res.status_code == 201, res.get_json()
    loan = res.get_json()["loan"]
    assert loan["title"] == "Bumi Manusia — Pramoedya Ananta Toer"  # the server's UTF-8 title
    assert loan["book_id"] == book.id
    assert loan["due_date"] == (date.today() + timedelta(days=14)).isoformat()  # the peer lends 14 days
    assert "due_estimated" not in loan and "queued" not in loan
    # A copy only the library system knows works too.
    res = client.post(f"{API}/checkouts", json={"payload": "PDB-0004"}, headers=member)
    assert res.status_code == 201 and res.get_json()["loan"]["title"] == "Ronggeng Dukuh Paruk (édisi khusus)"

    account = client.get(f"{API}/session", headers=member).get_json()
    assert sorted(l["barcode"] for l in account["loans"]) == ["PDB-0002", "PDB-0004"]
    assert {l["title"] for l in account["loans"]} >= {"Bumi Manusia — Pramoedya Ananta Toer"}
    for loan in account["loans"]:
        validate(loan, "Loan")

    res = client.post(f"{API}/renewals", json={"barcode": "PDB-0002"}, headers=member)
    assert res.status_code == 200 and res.get_json()["renewed"] == 1, res.get_json()

    for barcode in ("PDB-0002", "PDB-0004"):
        res = client.post(f"{API}/checkins", json={"payload": barcode}, headers=headers)
        assert res.status_code == 200, res.get_json()
        validate(res.get_json(), "Checkin")
    assert client.get(f"{API}/session", headers=member).get_json()["loans"] == []


def test_ascii_institution(sip2_app, session):
    app = sip2_app(SIP2_LOGIN="scclient", SIP2_PASSWORD="clientpwd", SIP2_INSTITUTION="UWOLS",
                   SIP2_ENCODING="ascii")
    client, headers = app.test_client(), kiosk_headers(session)
    session.commit()
    member, _ = session_headers(client, headers, BUDI)
    res = client.post(f"{API}/checkouts", json={"payload": "PDB-0006"}, headers=member)
    assert res.status_code == 201 and res.get_json()["loan"]["title"] == "Perahu Kertas"
    assert client.post(f"{API}/checkins", json={"payload": "PDB-0006"}, headers=headers).status_code == 200


@pytest.mark.parametrize("card,code,said", [
    ("2171000050", "blocked_by_staff", "Kartu diblokir oleh petugas"),
    ("2171000051", "card_expired", "Masa berlaku kartu habis"),
    ("2171000052", "fines_too_high", "Denda Rp 75.000 melebihi batas"),
    ("2171000053", "card_lost", "Kartu dilaporkan hilang"),
])
def test_blocked_members_are_told_why_in_the_servers_words(kiosk, card, code, said):
    app, client, headers = kiosk
    member, body = session_headers(client, headers, card)
    assert body["can_borrow"] is False
    block = body["blocks"][0]
    assert block["code"] == code and said in block["message_id"] and said in block["message"]
    res = client.post(f"{API}/checkouts", json={"payload": "PDB-0007"}, headers=member)
    error = res.get_json()["error"]
    assert res.status_code == 403 and error["code"] == code
    assert error["message_id"].endswith(f"Pesan sistem perpustakaan: \u201cPatron Blocked\u201d")
    if code == "fines_too_high":
        assert body["fines"] == 75000 and body["fine_items"] == ["Keterlambatan Laskar Pelangi"]


def test_copy_on_hold_for_another_member(kiosk):
    app, client, headers = kiosk
    member, _ = session_headers(client, headers, SITI)
    res = client.post(f"{API}/checkouts", json={"payload": "PDB-0005"}, headers=member)
    error = res.get_json()["error"]
    assert res.status_code == 409 and error["code"] == "on_hold_for_another"
    assert "Buku ini sedang dipesan oleh anggota lain." in error["message_id"]
    assert "Item on Hold for Another User" in error["message_id"]  # AF as the server wrote it


def test_unknown_card_wrong_pin_and_unknown_copy(kiosk):
    app, client, headers = kiosk
    res = login(client, headers, "9999999999")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "unknown_card"
    res = login(client, headers, SITI, "1111")
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "wrong_pin"
    member, _ = session_headers(client, headers, SITI)
    res = client.post(f"{API}/checkouts", json={"payload": "TIDAK-ADA-1"}, headers=member)
    error = res.get_json()["error"]
    assert res.status_code == 422 and error["code"] == "not_an_item"
    assert "Invalid Item" in error["message_id"]


def test_card_scan_resolves_through_the_library_system(kiosk):
    app, client, headers = kiosk
    res = client.get("/api/v1/resolve", query_string={"payload": SITI}, headers=headers)
    assert res.status_code == 200 and res.get_json()["type"] == "patron_card"
    res = client.get("/api/v1/resolve", query_string={"payload": "9999999998"}, headers=headers)
    assert res.status_code in (404, 422)


def test_availability_comes_from_item_information(kiosk, session):
    app, client, headers = kiosk
    book = make_book(session, title="Cantik Itu Luka")
    item = make_item(session, book, barcode="PDB-0003")
    code = make_code(session, item)
    session.commit()
    page = client.get(f"/api/v1/books/{book.id}").get_json()
    assert page["availability"]["status"] == "available"
    member, _ = session_headers(client, headers, BUDI)
    assert client.post(f"{API}/checkouts", json={"payload": "PDB-0003"}, headers=member).status_code == 201
    # Pindai's own row still says "available"; the page tells what the desk sees.
    page = client.get(f"/api/v1/books/{book.id}").get_json()
    assert page["availability"]["status"] == "all_on_loan" and page["items"][0]["status"] == "on_loan"
    phone = client.get(f"/books/{book.id}")
    assert "Tersedia" not in phone.get_data(as_text=True)
    scanned = client.get("/api/v1/resolve", query_string={"payload": code}, headers=headers).get_json()
    assert scanned["availability"]["status"] == "all_on_loan"
    # Short cache: a second look within the minute costs no SIP2 round trip.
    backend = get_backend.__wrapped__() if hasattr(get_backend, "__wrapped__") else \
        app.extensions["pindai.circulation"]
    before = backend.client._sequence._next
    client.get(f"/api/v1/books/{book.id}")
    assert backend.client._sequence._next == before
    assert client.post(f"{API}/checkins", json={"payload": "PDB-0003"}, headers=headers).status_code == 200
    assert client.get(f"/api/v1/books/{book.id}").get_json()["availability"]["status"] == "available"
