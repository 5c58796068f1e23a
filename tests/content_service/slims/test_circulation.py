"""``PINDAI_CIRCULATION=slims`` through the kiosk API: loans land in SLiMS's
own ``loan`` table with SLiMS's due dates, returns write SLiMS's fines, and
SLiMS's refusals (limits, reserves, statuses, expiry) reach the kiosk in
both languages. Checked in SLiMS's tables, as the desk would see them."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service.catalogue.models import Item
from tests.slims_library import PIN

from ..circulation.helpers import kiosk_headers

API = "/api/v1/circulation"


@pytest.fixture
def kiosk(make_app, slims_db):
    url, facts = slims_db
    app = make_app(CIRCULATION="slims", SLIMS_DATABASE_URL=url, CIRCULATION_MAX_FINES=50000)
    result = app.test_cli_runner().invoke(args=["slims", "sync"])
    assert result.exit_code == 0, result.output
    session = app.extensions["pindai.sessionmaker"]()
    headers = kiosk_headers(session)
    session.commit()
    yield {"app": app, "client": app.test_client(), "headers": headers, "facts": facts, "session": session}
    if "pindai.circulation" in app.extensions:
        app.extensions["pindai.circulation"].engine.dispose()
    session.close()


def _login(kiosk, card: str, pin: str = PIN):
    return kiosk["client"].post(f"{API}/sessions", json={"card": card, "pin": pin}, headers=kiosk["headers"])


def _auth(kiosk, card: str) -> dict:
    res = _login(kiosk, card)
    assert res.status_code == 201, res.get_json()
    return {**kiosk["headers"], "X-Patron-Session": res.get_json()["session"]}


def _checkout(kiosk, auth, payload):
    return kiosk["client"].post(f"{API}/checkouts", json={"payload": payload}, headers=auth)


def test_a_kiosk_loan_is_a_slims_loan_with_slims_due_date(kiosk, slims_sql, validate):
    today, facts = kiosk["facts"]["today"], kiosk["facts"]
    auth = _auth(kiosk, "m0001")  # typed in lower case: still Siti's card
    res = _checkout(kiosk, auth, "P0001")
    assert res.status_code == 201, res.get_json()
    loan = validate(res.get_json()["loan"], "Loan")
    # Umum: 7 days; days 7 and 8 are holidays in SLiMS, so it falls due on day 9.
    assert loan["due_date"] == (today + timedelta(days=9)).isoformat() and loan["title"] == "Laskar pelangi"
    rows = slims_sql("SELECT * FROM loan WHERE item_code = 'P0001'")
    assert len(rows) == 1
    row = rows[0]
    assert (row["member_id"], row["loan_date"], row["due_date"], row["is_lent"], row["is_return"], row["loan_rules_id"]) \
        == ("M0001", today, today + timedelta(days=9), 1, 0, 0)
    # SLiMS's own trigger copied it into loan_history for its reports.
    assert slims_sql("SELECT member_name FROM loan_history WHERE loan_id = %s", (row["loan_id"],)) == [
        {"member_name": "Siti Rahmawati Putri"}]
    # Fiction has a loan rule of its own for Umum members: 14 days, rule 1.
    fiction = _checkout(kiosk, auth, "P0003").get_json()["loan"]
    assert fiction["due_date"] == (today + timedelta(days=14)).isoformat()
    assert slims_sql("SELECT loan_rules_id FROM loan WHERE item_code = 'P0003'") == [{"loan_rules_id": 1}]
    # The phone page shows the copy on loan at once.
    kiosk["session"].expire_all()
    assert kiosk["session"].scalars(select(Item.status).where(Item.barcode == "P0001")).one() == "on_loan"
    # Siti now holds 3 books (one from the desk): Umum members may have 3.
    over = _checkout(kiosk, auth, "P0008")
    assert over.status_code == 403
    error = validate(over.get_json(), "Error")["error"]
    assert error["code"] == "too_many_loans" and error["message_id"].startswith("Anda sudah meminjam")
    status = validate(kiosk["client"].get(f"{API}/session", headers=auth).get_json(), "PatronStatus")
    assert [l["barcode"] for l in status["loans"]] == ["P0004", "P0001", "P0003"]
    assert status["loans"][0]["overdue"] and not status["can_borrow"]
    assert status["patron"]["first_name"] == "Siti" and status["patron"]["category"] == "adult"
    assert facts["laskar_isbn"]  # the fixture's facts are what the tests read


def test_a_member_at_the_limit_is_refused_and_nothing_is_written(kiosk, slims_sql):
    auth = _auth(kiosk, "M0002")  # Pelajar, limit 2, two books out from the desk
    res = _checkout(kiosk, auth, "P0008")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "too_many_loans"
    assert res.get_json()["error"]["message"] == "You have already borrowed the most books allowed."
    assert slims_sql("SELECT COUNT(*) AS n FROM loan WHERE item_code = 'P0008'") == [{"n": 0}]


def test_a_late_return_writes_slims_fines(kiosk, slims_sql, validate):
    today = kiosk["facts"]["today"]
    res = kiosk["client"].post(f"{API}/checkins", json={"payload": "P0004"}, headers=kiosk["headers"])
    assert res.status_code == 200, res.get_json()
    body = validate(res.get_json(), "Checkin")
    assert body["overdue"] and body["returned"]["title"] == "Bumi manusia"
    # Ten days late at Rp 500 a day (Umum), as SLiMS's desk charges it.
    assert slims_sql("SELECT fines_date, member_id, debet, credit, description FROM fines WHERE member_id = 'M0001'"
                     " AND debet > 0 AND credit = 0") == [{"fines_date": today, "member_id": "M0001", "debet": 5000,
                                                           "credit": 0, "description": "Overdue fines for item P0004"}]
    assert slims_sql("SELECT is_return, return_date FROM loan WHERE item_code = 'P0004'") == [
        {"is_return": 1, "return_date": today}]
    again = kiosk["client"].post(f"{API}/checkins", json={"payload": "P0004"}, headers=kiosk["headers"])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_on_loan"
    status = kiosk["client"].get(f"{API}/session", headers=_auth(kiosk, "M0001")).get_json()
    assert status["fines"] == 5000 and status["can_borrow"]


def test_renewals_follow_slims_reborrow_limit_and_charge_late_days(kiosk, slims_sql):
    today = kiosk["facts"]["today"]
    auth = _auth(kiosk, "M0001")
    res = kiosk["client"].post(f"{API}/renewals", json={"barcode": "P0004"}, headers=auth)
    assert res.status_code == 200, res.get_json()
    loan = res.get_json()["results"][0]["loan"]
    assert loan["due_date"] == (today + timedelta(days=9)).isoformat() and loan["renewals"] == 1
    assert slims_sql("SELECT renewed, due_date, is_return FROM loan WHERE item_code = 'P0004'") == [
        {"renewed": 1, "due_date": today + timedelta(days=9), "is_return": 0}]
    assert slims_sql("SELECT debet FROM fines WHERE description = 'Overdue fines for item P0004'") == [{"debet": 5000}]
    again = kiosk["client"].post(f"{API}/renewals", json={"barcode": "P0004"}, headers=auth)
    assert again.status_code == 403 and again.get_json()["error"]["code"] == "renew_limit"


@pytest.mark.parametrize("card, barcode, code", [
    ("M0001", "P0002", "on_hold_for_another"),  # Dewi reserved it in SLiMS
    ("M0001", "P0006", "reference_copy"),  # status "No Loan"
    ("M0001", "P0005", "not_loanable"),  # status "Missing"
    ("M0001", "B00001", "already_on_loan"),  # lent at the desk
    ("M0004", "P0008", "card_expired"),
    ("M0005", "P0008", "blocked_by_staff"),  # membership pending
    ("M0003", "P0008", "fines_too_high"),  # Rp 60.000 owed
])
def test_slims_refusals_reach_the_kiosk(kiosk, slims_sql, card, barcode, code):
    res = _checkout(kiosk, _auth(kiosk, card), barcode)
    assert res.status_code in (403, 409), res.get_json()
    error = res.get_json()["error"]
    assert error["code"] == code and error["message"] and error["message_id"] != error["message"]
    assert slims_sql("SELECT COUNT(*) AS n FROM loan WHERE member_id = %s AND item_code = %s", (card, barcode)) == [{"n": 0}]


def test_the_reserving_member_borrows_and_the_reserve_is_fulfilled(kiosk, slims_sql):
    res = _checkout(kiosk, _auth(kiosk, "M0003"), "P0002")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "fines_too_high"
    slims_sql("INSERT INTO fines (fines_date, member_id, debet, credit, description) VALUES (CURDATE(), 'M0003', 0, 60000, 'Lunas')")
    assert _checkout(kiosk, _auth(kiosk, "M0003"), "P0002").status_code == 201
    assert slims_sql("SELECT COUNT(*) AS n FROM reserve WHERE item_code = 'P0002'") == [{"n": 0}]


def test_member_login_uses_the_slims_opac_password(kiosk):
    wrong = _login(kiosk, "M0001", "1357")
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "wrong_pin"
    assert _login(kiosk, "M9999").get_json()["error"]["code"] == "unknown_card"
    scanned = kiosk["client"].get("/api/v1/resolve", query_string={"payload": "M0006"}, headers=kiosk["headers"])
    assert scanned.get_json()["type"] == "patron_card"


def test_eight_kiosks_racing_for_one_copy_make_one_slims_loan(kiosk, slims_sql):
    cards = [f"R{n:04d}" for n in range(8)]
    slims_sql("INSERT INTO member (member_id, member_name, gender, member_type_id, expire_date, is_pending)"
              " VALUES " + ", ".join(f"('{c}', 'Peserta {c}', 0, 5, CURDATE() + INTERVAL 1 YEAR, 0)" for c in cards))
    app = kiosk["app"]
    with app.app_context():
        from content_service.circulation.backends import get_backend

        backend = get_backend()
    barrier, outcomes = threading.Barrier(len(cards)), []

    def borrow(card):
        with app.app_context():
            session = app.extensions["pindai.sessionmaker"]()
            barrier.wait()
            try:
                backend.checkout(session, card, "P0010", None)
                session.commit()
                outcomes.append("ok")
            except Exception as exc:  # noqa: BLE001 - the refusal is the outcome
                outcomes.append(getattr(exc, "code", repr(exc)))
            finally:
                session.close()

    threads = [threading.Thread(target=borrow, args=(c,)) for c in cards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_on_loan"] * 7 + ["ok"]
    assert slims_sql("SELECT COUNT(*) AS n FROM loan WHERE item_code = 'P0010' AND is_return = 0") == [{"n": 1}]


def test_slims_down_is_a_clear_503(make_app):
    app = make_app(CIRCULATION="slims", SLIMS_DATABASE_URL="mysql://root@127.0.0.1:1/slims")
    session = app.extensions["pindai.sessionmaker"]()
    headers = kiosk_headers(session)
    session.commit()
    res = app.test_client().post(f"{API}/sessions", json={"card": "M0001", "pin": PIN}, headers=headers)
    assert res.status_code == 503 and res.get_json()["error"]["code"] == "library_system_unavailable"
    assert "SLiMS" in res.get_json()["error"]["message_id"]
    session.close()
