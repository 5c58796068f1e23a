"""Renewals counted from the current due date (Koha's default) and refused
when they would not extend the loan; a copy marked on loan with no loan
record put right by a check-in. Through the kiosk API, answers checked
against the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service.circulation import calendar
from content_service.circulation.models import Loan
from tests.factories import make_book, make_code, make_item

from .helpers import kiosk_headers, login, make_patron

API = "/api/v1/circulation"


@pytest.fixture
def desk(session):
    patron = make_patron(session, card_number="2171000101")
    item = make_item(session, make_book(session, title="Ronggeng Dukuh Paruk"))
    code = make_code(session, item)
    headers = kiosk_headers(session)
    session.commit()
    return {"patron": patron, "item": item, "code": code, "headers": headers}


def test_a_same_day_renewal_counts_from_the_current_due_date(client, session, desk, validate):
    auth = login(client, desk["headers"], "2171000101")
    loan = client.post(f"{API}/checkouts", json={"payload": desk["code"]}, headers=auth).get_json()["loan"]
    first_due = calendar.local_today() + timedelta(days=14)
    assert loan["due_date"] == first_due.isoformat()
    renewed = client.post(f"{API}/renewals", json={"barcode": loan["barcode"]}, headers=auth)
    body = validate(renewed.get_json(), "Renewals")
    assert renewed.status_code == 200 and body["renewed"] == 1
    # 14 more days from the due date, not 14 days from today (which would change nothing).
    assert body["results"][0]["loan"]["due_date"] == (first_due + timedelta(days=14)).isoformat()
    assert body["results"][0]["loan"]["renewals_left"] == 1


def test_a_renewal_that_would_not_extend_the_loan_is_refused_and_uses_nothing(client, session, desk, validate):
    auth = login(client, desk["headers"], "2171000101")
    client.post(f"{API}/checkouts", json={"payload": desk["code"]}, headers=auth)
    loan = session.scalars(select(Loan)).one()
    # Long overdue: 14 days from its due date is still in the past.
    loan.due_at = calendar.utcnow() - timedelta(days=30)
    session.commit()
    refused = client.post(f"{API}/renewals", json={"barcode": desk["item"].barcode}, headers=auth)
    error = validate(refused.get_json(), "Error")["error"]
    assert refused.status_code == 409 and error["code"] == "renew_not_extended"
    assert error["message_id"] == ("Perpanjangan tidak akan menambah masa pinjam buku ini. "
                                   "Silakan kembalikan buku atau hubungi petugas.")
    assert error["message"] == "Renewing would not extend this loan. Please return the book or ask a librarian."
    session.refresh(loan)
    assert loan.renewals == 0
    all_ = client.post(f"{API}/renewals", json={"all": True}, headers=auth).get_json()
    assert all_["renewed"] == 0 and all_["results"][0]["error"]["code"] == "renew_not_extended"


def test_a_copy_marked_on_loan_without_a_loan_is_repaired_by_check_in_then_borrowed(client, session, desk, validate):
    item = desk["item"]
    item.status = "on_loan"  # as a seed or an import left it
    session.commit()
    auth = login(client, desk["headers"], "2171000101")
    refused = client.post(f"{API}/checkouts", json={"payload": desk["code"]}, headers=auth)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_loanable"
    returned = client.post(f"{API}/checkins", json={"payload": desk["code"]}, headers=desk["headers"])
    body = validate(returned.get_json(), "Checkin")
    assert returned.status_code == 200 and body["returned"]["title"] == "Ronggeng Dukuh Paruk"
    assert body["repaired"]["code"] == "status_repaired" and (body["repaired"]["from"], body["repaired"]["to"]) == (
        "on_loan", "available")
    assert body["repaired"]["message_id"].startswith("Status eksemplar diperbaiki: ")
    session.refresh(item)
    assert item.status == "available"
    borrowed = client.post(f"{API}/checkouts", json={"payload": desk["code"]}, headers=auth)
    assert borrowed.status_code == 201 and borrowed.get_json()["loan"]["title"] == "Ronggeng Dukuh Paruk"
    # A copy really out on loan is returned as before (no repair note).
    again = client.post(f"{API}/checkins", json={"payload": desk["code"]}, headers=desk["headers"]).get_json()
    assert "repaired" not in again and again["returned"]["due_date"]
