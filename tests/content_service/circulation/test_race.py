"""Twenty kiosks race for the same copy: exactly one loan, nineteen clear
refusals, on SQLite and on PostgreSQL (the open-loan index decides)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from content_service.circulation.models import Loan
from tests.factories import make_book, make_code, make_item

from .helpers import kiosk_headers, login, make_patron

RACERS = 20


def test_twenty_concurrent_checkouts_of_one_copy_give_one_loan(app, session):
    item = make_item(session, make_book(session, title="Negeri 5 Menara"))
    code = make_code(session, item)
    patrons = [make_patron(session) for _ in range(RACERS)]
    kiosks = [kiosk_headers(session, f"Kios {n}") for n in range(RACERS)]
    session.commit()
    auths = [login(app.test_client(), kiosks[n], patrons[n].card_number) for n in range(RACERS)]
    start = threading.Barrier(RACERS)

    def race(auth):
        client = app.test_client()
        start.wait()
        res = client.post("/api/v1/circulation/checkouts", json={"payload": code}, headers=auth)
        return res.status_code, res.get_json()

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(race, auths))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (RACERS - 1), answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"already_on_loan"}
    assert all(body["error"]["message_id"] for status, body in answers if status == 409)
    open_loans = session.scalars(select(Loan).where(Loan.item_id == item.id, Loan.returned_at.is_(None))).all()
    assert len(open_loans) == 1
    assert session.scalar(select(func.count()).select_from(Loan)) == 1
    session.refresh(item)
    assert item.status == "on_loan"
