"""Circulation rules as plain domain functions on a real database: blocks,
loan rules, closed days, holds, renewals, check-in and the PIN lock."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from content_service.circulation import calendar, local, refusals
from content_service.circulation.models import ItemLoanType, Loan, LoanRule
from tests.factories import make_book, make_item

from .helpers import PIN, make_patron

LIMIT = 50000
# A Monday morning in Batam (WIB = UTC+7).
MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)


def borrow(session, patron, item, now=MONDAY):
    return local.checkout(session, patron, item, max_fines=LIMIT, now=now)


def refusal_code(call) -> str:
    with pytest.raises(refusals.Refusal) as caught:
        call()
    return caught.value.code


def test_checkout_due_date_follows_the_rule_and_skips_closed_days(session):
    patron, child = make_patron(session), make_patron(session, category="child")
    item, other = make_item(session, make_book(session)), make_item(session, make_book(session))
    loan = borrow(session, patron, item)
    assert item.status == "on_loan"
    # Adults: 14 days, due at the end of the day in WIB, stored in UTC.
    assert calendar.due_date(loan.due_at) == date(2026, 12, 21)
    assert calendar.as_utc(loan.due_at) == datetime(2026, 12, 21, 16, 59, 59, tzinfo=timezone.utc)
    calendar.add_closed_days(session, [date(2026, 12, 14), date(2026, 12, 15)], "Libur")
    # Children: 7 days would be the 14th; the library is closed then and the next day.
    assert calendar.due_date(borrow(session, child, other).due_at) == date(2026, 12, 16)


def test_late_evening_in_batam_counts_as_the_next_local_day(session):
    patron, item = make_patron(session), make_item(session, make_book(session))
    loan = borrow(session, patron, item, now=datetime(2026, 12, 7, 18, 30, tzinfo=timezone.utc))  # 01:30 WIB on the 8th
    assert calendar.due_date(loan.due_at) == date(2026, 12, 22)


@pytest.mark.parametrize("fields, code", [
    ({"expires_on": date(2026, 12, 6)}, "card_expired"),
    ({"card_lost": True}, "card_lost"),
    ({"fines": LIMIT + 1}, "fines_too_high"),
    ({"staff_block": "Buku rusak belum diganti"}, "blocked_by_staff"),
])
def test_each_block_refuses_checkout(session, fields, code):
    patron, item = make_patron(session, **fields), make_item(session, make_book(session))
    assert refusal_code(lambda: borrow(session, patron, item)) == code
    assert item.status == "available" and session.scalar(select(Loan)) is None


def test_fines_at_the_limit_and_a_card_expiring_today_still_borrow(session):
    patron = make_patron(session, fines=LIMIT, expires_on=date(2026, 12, 7))
    assert borrow(session, patron, make_item(session, make_book(session))).id


def test_loan_limit_by_category_and_item_type(session):
    child = make_patron(session, category="child")  # default: 3 open loans
    items = [make_item(session, make_book(session)) for _ in range(4)]
    for item in items[:3]:
        borrow(session, child, item)
    assert refusal_code(lambda: borrow(session, child, items[3])) == "too_many_loans"
    local.checkin(session, items[0], now=MONDAY)
    assert borrow(session, child, items[3]).id
    # A rule of the library's own for DVDs: one at a time, counted apart from books.
    session.add(LoanRule(patron_category="*", item_type="dvd", loan_days=3, max_loans=1, max_renewals=0))
    dvds = [make_item(session, make_book(session)) for _ in range(2)]
    session.add_all(ItemLoanType(item_id=d.id, item_type="dvd") for d in dvds)
    adult = make_patron(session)
    loan = borrow(session, adult, dvds[0])
    assert calendar.due_date(loan.due_at) == date(2026, 12, 10)
    assert refusal_code(lambda: borrow(session, adult, dvds[1])) == "too_many_loans"
    assert borrow(session, adult, make_item(session, make_book(session))).id  # books are still fine


def test_rule_precedence(session):
    session.add_all([
        LoanRule(patron_category="*", item_type="*", loan_days=10, max_loans=4, max_renewals=1),
        LoanRule(patron_category="staff", item_type="*", loan_days=30, max_loans=20, max_renewals=5),
        LoanRule(patron_category="staff", item_type="dvd", loan_days=5, max_loans=2, max_renewals=0),
    ])
    session.flush()
    assert local.rule_for(session, "adult", "book").loan_days == 10
    assert local.rule_for(session, "staff", "book").loan_days == 30
    assert local.rule_for(session, "staff", "dvd").loan_days == 5


def test_reference_missing_and_already_lent_copies_are_refused(session):
    patron, other = make_patron(session), make_patron(session)
    book = make_book(session)
    reference = make_item(session, book, status="reference")
    missing = make_item(session, book, status="missing")
    lent = make_item(session, book)
    assert refusal_code(lambda: borrow(session, patron, reference)) == "reference_copy"
    assert refusal_code(lambda: borrow(session, patron, missing)) == "not_loanable"
    borrow(session, other, lent)
    assert refusal_code(lambda: borrow(session, patron, lent)) == "already_on_loan"
    assert refusal_code(lambda: borrow(session, other, lent)) == "already_borrowed_by_you"


def test_a_copy_on_hold_goes_only_to_its_member(session):
    waiting, other = make_patron(session), make_patron(session)
    item = make_item(session, make_book(session))
    hold = local.place_hold(session, waiting, item)
    assert refusal_code(lambda: borrow(session, other, item)) == "on_hold_for_another"
    borrow(session, waiting, item)
    assert hold.ended_at is not None


def test_renewals_up_to_the_limit_and_not_when_someone_waits(session):
    child, adult, waiting = make_patron(session, category="child"), make_patron(session), make_patron(session)
    item, other = make_item(session, make_book(session)), make_item(session, make_book(session))
    loan = borrow(session, child, item)
    later = MONDAY + timedelta(days=5)
    local.renew(session, child, loan, max_fines=LIMIT, now=later)
    assert (loan.renewals, calendar.due_date(loan.due_at)) == (1, date(2026, 12, 21))  # 7 days from the due 14th
    assert refusal_code(lambda: local.renew(session, child, loan, max_fines=LIMIT, now=later)) == "renew_limit"
    loan2 = borrow(session, adult, other)
    local.place_hold(session, waiting, other)
    assert refusal_code(lambda: local.renew(session, adult, loan2, max_fines=LIMIT)) == "renew_on_hold"
    assert refusal_code(lambda: local.renew(session, child, loan2, max_fines=LIMIT)) == "unknown_loan"
    # A same-day renewal extends the loan from its due date (Koha's default), past closed days.
    loan3 = borrow(session, adult, make_item(session, make_book(session)))
    calendar.add_closed_days(session, [date(2027, 1, 4)], "Libur")
    local.renew(session, adult, loan3, max_fines=LIMIT, now=MONDAY)
    assert calendar.due_date(loan3.due_at) == date(2027, 1, 5) and loan3.renewals == 1
    # Long overdue: counted from its due date it would still be overdue, so it is refused.
    assert refusal_code(lambda: local.renew(session, adult, loan3, max_fines=LIMIT,
                                            now=MONDAY + timedelta(days=60))) == "renew_not_extended"
    assert loan3.renewals == 1


def test_checkin_closes_the_loan_and_tells_of_a_waiting_hold(session):
    patron, waiting = make_patron(session), make_patron(session)
    item = make_item(session, make_book(session))
    assert refusal_code(lambda: local.checkin(session, item)) == "not_on_loan"
    loan = borrow(session, patron, item)
    local.place_hold(session, waiting, item)
    closed, hold = local.checkin(session, item, now=MONDAY + timedelta(days=1))
    assert closed is loan and loan.returned_at is not None and item.status == "available"
    assert hold is not None and hold.patron_id == waiting.id
    assert refusal_code(lambda: local.checkin(session, item)) == "not_on_loan"


def test_five_wrong_pins_lock_the_card_for_fifteen_minutes(app, session):
    patron = make_patron(session)
    for left in (4, 3, 2, 1):
        with pytest.raises(refusals.WrongPin) as caught:
            local.authenticate(session, patron.card_number, "0000", now=MONDAY)
        assert caught.value.details["attempts_left"] == left
    with pytest.raises(refusals.CardLocked) as caught:
        local.authenticate(session, patron.card_number, "0000", now=MONDAY)
    assert caught.value.details["locked_until"] == "2026-12-07T02:15:00+00:00"
    with app.test_request_context():  # both languages, each with its own clock: "pukul 09.15", "9:15 AM"
        said = caught.value.to_dict()
    assert "sampai pukul 09.15 WIB" in said["message_id"] and "until 9:15\u202fAM WIB" in said["message"]
    # Even the right PIN waits for the lock to end.
    with pytest.raises(refusals.CardLocked):
        local.authenticate(session, patron.card_number, PIN, now=MONDAY + timedelta(minutes=14))
    assert local.authenticate(session, patron.card_number, PIN, now=MONDAY + timedelta(minutes=15)) is patron
    assert patron.failed_pins == 0 and patron.locked_until is None


def test_a_right_pin_resets_the_count_and_cards_without_pin_or_lost_are_refused(session):
    patron = make_patron(session)
    for _ in range(4):
        with pytest.raises(refusals.WrongPin):
            local.authenticate(session, patron.card_number, "1111", now=MONDAY)
    local.authenticate(session, patron.card_number, PIN, now=MONDAY)
    with pytest.raises(refusals.WrongPin) as caught:
        local.authenticate(session, patron.card_number, "1111", now=MONDAY)
    assert caught.value.details["attempts_left"] == 4
    assert refusal_code(lambda: local.authenticate(session, make_patron(session, pin=None).card_number, PIN)) == "no_pin"
    assert refusal_code(lambda: local.authenticate(session, make_patron(session, card_lost=True).card_number, PIN)) == "card_lost"
    assert refusal_code(lambda: local.authenticate(session, "NOSUCHCARD", PIN)) == "unknown_card"


def test_one_open_loan_per_copy_is_a_database_constraint(session):
    a, b = make_patron(session), make_patron(session)
    item = make_item(session, make_book(session))
    due = MONDAY + timedelta(days=14)
    session.add(Loan(item_id=item.id, patron_id=a.id, due_at=due, returned_at=MONDAY))
    session.add(Loan(item_id=item.id, patron_id=a.id, due_at=due))
    session.commit()  # a returned loan and an open one: fine
    session.add(Loan(item_id=item.id, patron_id=b.id, due_at=due))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_the_backend_is_chosen_by_config(make_app):
    from content_service.circulation.backends import LocalBackend, get_backend
    from content_service.config import ConfigError

    app = make_app(CIRCULATION="local", CIRCULATION_MAX_FINES=1000)
    with app.app_context():
        backend = get_backend()
        assert isinstance(backend, LocalBackend) and backend.max_fines == 1000
    with pytest.raises(ConfigError, match="PINDAI_SIP2_HOST"):
        make_app(CIRCULATION="sip2")  # no SIP2 server named: refused at start-up, never at the first checkout
    with pytest.raises(ConfigError, match="PINDAI_CIRCULATION='koha'"):
        make_app(CIRCULATION="koha")
