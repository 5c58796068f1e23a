"""The kiosk's circulation API end to end through HTTP, each answer checked
against the OpenAPI document."""
from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest
from sqlalchemy import func, select

from content_service.circulation import sessions
from content_service.circulation.models import Loan, Receipt
from content_service.kiosks.models import ScanLog
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_book, make_code, make_item

from .helpers import PIN, kiosk_headers, login, make_patron

API = "/api/v1/circulation"


@pytest.fixture
def library(session):
    patron = make_patron(session, name="Siti Rahmawati Putri", card_number="2171000001")
    book = make_book(session, title="Laskar Pelangi")
    first, second = make_item(session, book), make_item(session, make_book(session, title="Bumi"))
    reference = make_item(session, book, status="reference")
    codes = {"first": make_code(session, first), "second": make_code(session, second),
             "reference": make_code(session, reference)}
    headers = kiosk_headers(session)
    session.commit()
    return {"patron": patron, "headers": headers, "codes": codes, "items": (first, second, reference)}


def test_a_card_scan_resolves_to_patron_card_and_nothing_personal(client, session, library, validate):
    headers = library["headers"]
    res = client.get("/api/v1/resolve", query_string={"payload": " 2171-000001 "}, headers=headers)
    body = validate(res.get_json(), "Resolution")
    assert res.status_code == 200 and body["type"] == "patron_card" and body["card"] == "2171000001"
    assert "Siti" not in res.get_data(as_text=True)
    log = session.scalars(select(ScanLog)).one()
    assert (log.via, log.code, log.outcome) == ("card_number", None, "ok")
    # A new card is seen at once even where an answer for the same text was
    # cached (here a card number that is also a valid ISBN-10 of a book).
    make_book(session, isbn13="9780306406157")
    session.commit()
    assert client.get("/api/v1/resolve", query_string={"payload": "0306406152"}).get_json()["type"] == "book"
    make_patron(session, card_number="0306406152")
    session.commit()
    assert client.get("/api/v1/resolve", query_string={"payload": "0306406152"}).get_json()["type"] == "patron_card"


def test_borrow_renew_receipt_and_logout(client, session, library, validate):
    headers, codes = library["headers"], library["codes"]
    login_res = client.post(f"{API}/sessions", json={"card": "2171000001", "pin": PIN}, headers=headers)
    body = validate(login_res.get_json(), "PatronStatus")
    assert body["patron"]["first_name"] == "Siti" and "Rahmawati" not in login_res.get_data(as_text=True)
    assert "2171000001" not in login_res.get_data(as_text=True)
    auth = {**headers, "X-Patron-Session": body["session"]}

    loan = client.post(f"{API}/checkouts", json={"payload": f"{PUBLIC_BASE_URL}/q/{codes['first']}"}, headers=auth)
    assert loan.status_code == 201
    validate(loan.get_json()["loan"], "Loan")
    assert loan.get_json()["loan"]["title"] == "Laskar Pelangi"
    assert loan.get_json()["loan"]["due_local"].endswith("+07:00")
    assert client.post(f"{API}/checkouts", json={"payload": codes["second"]}, headers=auth).status_code == 201
    refused = client.post(f"{API}/checkouts", json={"payload": codes["reference"]}, headers=auth)
    assert refused.status_code == 403
    error = validate(refused.get_json(), "Error")["error"]
    assert error["code"] == "reference_copy" and error["message_id"] and error["message"]
    isbn_scan = client.post(f"{API}/checkouts", json={"payload": "hello there"}, headers=auth)
    assert isbn_scan.status_code == 422 and isbn_scan.get_json()["error"]["code"] == "not_ours"
    # The book now shows as on loan at once (the answer cache follows the catalogue version).
    availability = client.get("/api/v1/resolve", query_string={"payload": codes["second"]}).get_json()["availability"]
    assert availability["status"] == "all_on_loan"

    status = validate(client.get(f"{API}/session", headers=auth).get_json(), "PatronStatus")
    assert [l["title"] for l in status["loans"]] == ["Laskar Pelangi", "Bumi"] and status["can_borrow"]

    renewed = validate(client.post(f"{API}/renewals", json={"all": True}, headers=auth).get_json(), "Renewals")
    assert renewed["renewed"] == 2
    again = client.post(f"{API}/renewals", json={"barcode": library["items"][0].barcode}, headers=auth)
    assert again.status_code == 200  # adults may renew twice
    third = client.post(f"{API}/renewals", json={"barcode": library["items"][0].barcode}, headers=auth)
    assert third.status_code == 403 and third.get_json()["error"]["code"] == "renew_limit"
    partial = client.post(f"{API}/renewals", json={"all": True}, headers=auth).get_json()
    assert partial["renewed"] == 1 and [r["error"]["code"] for r in partial["results"] if not r["renewed"]] == ["renew_limit"]
    assert client.post(f"{API}/renewals", json={}, headers=auth).status_code == 400

    receipt = validate(client.post(f"{API}/receipts", headers=auth).get_json(), "ReceiptLink")
    assert receipt["url"].startswith(f"{PUBLIC_BASE_URL}/r/") and receipt["qr_svg"].startswith("<svg")
    assert [line["action"] for line in receipt["lines"]][:2] == ["checkout", "checkout"]
    page = client.get(receipt["url"].removeprefix(PUBLIC_BASE_URL))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Laskar Pelangi" in text and "Bumi" in text
    assert "Siti" not in text and "2171000001" not in text and "no-store" in page.headers["Cache-Control"]

    assert client.delete(f"{API}/session", headers=auth).status_code == 204
    ended = client.get(f"{API}/session", headers=auth)
    assert ended.status_code == 401 and ended.get_json()["error"]["code"] == "session_expired"


def test_return_needs_no_login(client, session, library, validate):
    headers, codes = library["headers"], library["codes"]
    auth = login(client, headers, "2171000001")
    client.post(f"{API}/checkouts", json={"payload": codes["first"]}, headers=auth)
    returned = client.post(f"{API}/checkins", json={"payload": codes["first"]}, headers=headers)
    body = validate(returned.get_json(), "Checkin")
    assert returned.status_code == 200 and body["returned"]["title"] == "Laskar Pelangi" and not body["overdue"]
    twice = client.post(f"{API}/checkins", json={"payload": codes["first"]}, headers=headers)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "not_on_loan"
    assert session.scalar(select(func.count()).select_from(Loan).where(Loan.returned_at.is_(None))) == 0


def test_wrong_pins_lock_the_card_and_say_until_when(client, library):
    headers = library["headers"]
    for left in (4, 3, 2, 1):
        res = client.post(f"{API}/sessions", json={"card": "2171000001", "pin": "9999"}, headers=headers)
        assert res.status_code == 401 and res.get_json()["error"]["details"]["attempts_left"] == left
    locked = client.post(f"{API}/sessions", json={"card": "2171000001", "pin": "9999"}, headers=headers)
    right = client.post(f"{API}/sessions", json={"card": "2171000001", "pin": PIN}, headers=headers)
    for res in (locked, right):
        error = res.get_json()["error"]
        assert res.status_code == 423 and error["code"] == "card_locked"
        assert "WIB" in error["message_id"] and error["details"]["locked_until_local"].endswith("+07:00")


@pytest.mark.parametrize("path, method", [("/sessions", "post"), ("/session", "get"), ("/checkouts", "post"),
                                          ("/checkins", "post"), ("/renewals", "post"), ("/receipts", "post")])
def test_every_route_needs_a_kiosk_key(client, path, method):
    res = getattr(client, method)(f"{API}{path}", json={"payload": "x", "card": "2171000001", "pin": "1"})
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "kiosk_key_required"


def test_sessions_belong_to_their_kiosk_and_bad_bodies_get_400(client, session, library):
    auth = login(client, library["headers"], "2171000001")
    other = kiosk_headers(session, "Kios Anak")
    session.commit()
    stolen = client.get(f"{API}/session", headers={**other, "X-Patron-Session": auth["X-Patron-Session"]})
    assert stolen.status_code == 401 and stolen.get_json()["error"]["code"] == "session_required"
    assert client.get(f"{API}/session", headers=library["headers"]).get_json()["error"]["code"] == "session_required"
    bad = client.post(f"{API}/checkouts", data="not json", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["error"]["message_id"]
    none = client.post(f"{API}/checkouts", json={}, headers=auth)
    assert none.status_code == 400 and none.get_json()["error"]["details"] == {"field": "payload", "rule": "required"}
    assert none.get_json()["error"]["message_id"] == "'payload' wajib diisi."


def test_expired_blocks_show_in_status_and_refuse_checkout(client, session, library):
    make_patron(session, card_number="2171000009", expires_on=date.today() - timedelta(days=3))
    session.commit()
    auth = login(client, library["headers"], "2171000009")
    status = client.get(f"{API}/session", headers=auth).get_json()
    assert not status["can_borrow"] and [b["code"] for b in status["blocks"]] == ["card_expired"]
    assert "kedaluwarsa" in status["blocks"][0]["message_id"] and "expired" in status["blocks"][0]["message"]
    res = client.post(f"{API}/checkouts", json={"payload": library["codes"]["first"]}, headers=auth)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "card_expired"


def test_receipt_links_expire(client, session, app):
    receipt, token = sessions.create_receipt(session, [{"action": "checkout", "title": "Bumi", "due_date": "2026-12-21"}], 30)
    session.commit()
    assert client.get(f"/r/{token}").status_code == 200
    with pytest.raises(Exception) as caught:
        sessions.find_receipt(session, token, now=receipt.expires_at + timedelta(seconds=1))
    assert caught.value.code == "receipt_expired"
    receipt.expires_at = receipt.created_at  # as if its days had passed
    session.commit()
    gone = client.get(f"/r/{token}")
    assert gone.status_code == 410 and "Bumi" not in gone.get_data(as_text=True)
    assert client.get("/r/made-up-token").status_code == 410
    assert session.scalar(select(func.count()).select_from(Receipt)) == 1


def test_status_shows_the_loan_limit_as_a_block(client, session, library):
    make_patron(session, card_number="2171000077", category="child")  # 3 books at a time
    session.commit()
    auth = login(client, library["headers"], "2171000077")
    for _ in range(3):
        item = make_item(session, make_book(session))
        code = make_code(session, item)
        session.commit()
        assert client.post(f"{API}/checkouts", json={"payload": code}, headers=auth).status_code == 201
    status = client.get(f"{API}/session", headers=auth).get_json()
    assert not status["can_borrow"] and [b["code"] for b in status["blocks"]] == ["too_many_loans"]
    assert len(status["loans"]) == 3


def test_scans_that_are_not_a_copy_in_use_are_refused_as_resolve_says(client, session, library):
    from content_service.codes import retire
    from content_service.codes.models import Code

    book = make_book(session, isbn13="9786020332956", copies=1)
    withdrawn = make_code(session, make_item(session, book, status="withdrawn"))
    retired = make_code(session, make_item(session, book))
    retire(session.get(Code, retired))
    session.commit()
    auth = login(client, library["headers"], "2171000001")
    for payload, status, code in (("9786020332956", 422, "not_an_item"), (withdrawn, 410, "retired_code"),
                                  (retired, 410, "retired_code"), ("https://promo.example.com/x", 422, "not_ours"),
                                  (f"{PUBLIC_BASE_URL}/q/ZZZZZZZZ", 404, "unknown_code"), ("2171000001", 422, "not_an_item"),
                                  ("", 400, "missing_payload")):
        res = client.post(f"{API}/checkouts", json={"payload": payload}, headers=auth)
        assert (res.status_code, res.get_json()["error"]["code"]) == (status, code), payload
    assert session.scalar(select(func.count()).select_from(Loan)) == 0


def test_sessions_over_for_a_day_are_swept_at_the_next_login(client, session, library):
    from content_service.circulation.models import PatronSession

    auth = login(client, library["headers"], "2171000001")
    old = session.scalars(select(PatronSession)).one()
    old.expires_at = old.created_at - timedelta(days=2)
    session.commit()
    assert client.get(f"{API}/session", headers=auth).get_json()["error"]["code"] == "session_expired"
    login(client, library["headers"], "2171000001")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(PatronSession)) == 1


def test_a_refused_copy_is_named_with_its_title_and_cover(client, session, library, validate):
    """A member who scans five books must see which one was refused: the
    refusal of a catalogued copy carries its barcode, title and cover."""
    auth = login(client, library["headers"], "2171000001")
    first, _second, reference = library["items"]
    refused = client.post(f"{API}/checkouts", json={"payload": library["codes"]["reference"]}, headers=auth)
    error = validate(refused.get_json(), "Error")["error"]
    assert refused.status_code == 403 and error["code"] == "reference_copy"
    assert error["details"]["copy"] == {"barcode": reference.barcode, "title": "Laskar Pelangi",
                                        "book_id": reference.book_id, "cover_url": None}
    # The same copy twice: refused, named too; and a return of a copy on the shelf.
    assert client.post(f"{API}/checkouts", json={"payload": first.barcode}, headers=auth).status_code == 201
    twice = client.post(f"{API}/checkouts", json={"payload": first.barcode}, headers=auth).get_json()["error"]
    assert twice["code"] == "already_borrowed_by_you" and twice["details"]["copy"]["title"] == "Laskar Pelangi"
    shelf = client.post(f"{API}/checkins", json={"payload": library["codes"]["second"]}, headers=library["headers"])
    body = validate(shelf.get_json(), "Error")["error"]
    assert shelf.status_code == 409 and body["code"] == "not_on_loan" and body["details"]["copy"]["title"] == "Bumi"
    # Nothing to name for a scan that is not a copy.
    assert "details" not in client.post(f"{API}/checkins", json={"payload": "hello there"},
                                        headers=library["headers"]).get_json()["error"]


def test_status_says_how_many_books_of_how_many(client, session, library, validate):
    auth = login(client, library["headers"], "2171000001")
    assert client.post(f"{API}/checkouts", json={"payload": library["codes"]["first"]}, headers=auth).status_code == 201
    status = validate(client.get(f"{API}/session", headers=auth).get_json(), "PatronStatus")
    assert (len(status["loans"]), status["max_loans"]) == (1, 5)  # an adult: 5 books at a time


def test_a_receipt_lasts_90_days_with_titles_barcodes_due_dates_and_the_library(client, session, library, app):
    auth = login(client, library["headers"], "2171000001")
    first = library["items"][0]
    assert client.post(f"{API}/checkouts", json={"payload": first.barcode}, headers=auth).status_code == 201
    made = client.post(f"{API}/receipts", headers=auth).get_json()
    assert made["lines"][0]["barcode"] == first.barcode
    receipt = session.scalars(select(Receipt)).one()
    assert (receipt.expires_at - receipt.created_at) == timedelta(days=90)
    token = made["url"].rsplit("/", 1)[1]
    page = client.get(f"/r/{token}", headers={"Accept-Language": "id"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Laskar Pelangi" in text and first.barcode in text
    receipt_part = text.split('<section class="receipt">', 1)[1]
    assert "Perpustakaan Kota Batam" in receipt_part and "Kembalikan paling lambat" in receipt_part
    assert "Struk ini dapat dibuka sampai" in receipt_part
    assert "Siti" not in text and "2171000001" not in text
    # 89 days on it still opens; after 90 it is gone.
    made_at = receipt.expires_at - timedelta(days=90)
    if made_at.tzinfo is None:  # SQLite hands back naive UTC
        made_at = made_at.replace(tzinfo=timezone.utc)
    assert sessions.find_receipt(session, token, now=made_at + timedelta(days=89)) is not None
    with pytest.raises(Exception) as caught:
        sessions.find_receipt(session, token, now=made_at + timedelta(days=90, seconds=1))
    assert caught.value.code == "receipt_expired"
