"""SLiMS's loan rules on a real SLiMS 9 database: which terms apply, due
dates past weekly and dated holidays and capped at the membership's end,
and overdue fines with grace days and SLiMS's holiday setting."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from content_service.slims import rules
from content_service.slims.schema import make_slims_engine


@pytest.fixture
def conn(slims_db):
    engine = make_slims_engine(slims_db[0])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_terms_follow_slims_precedence(conn, slims_sql):
    # Umum (type 2): 7 days, 3 books; its rule for Fiction (coll 3) overrides.
    assert rules.terms_for(conn, 2, 1, 1) == rules.Terms(0, 3, 7, 1, 500, 0)
    assert rules.terms_for(conn, 2, 3, 1).loan_rules_id == 1
    assert rules.terms_for(conn, 2, 3, 1).loan_periode == 14
    # A rule for Fiction on DVD is more specific than the one for all Fiction.
    slims_sql("INSERT INTO mst_loan_rules (loan_rules_id, member_type_id, coll_type_id, gmd_id, loan_limit, loan_periode,"
              " reborrow_limit, fine_each_day, grace_periode) VALUES (2, 2, 3, 31, 1, 3, 0, 2000, 0)")
    assert rules.terms_for(conn, 2, 3, 31).loan_rules_id == 2
    assert rules.terms_for(conn, 2, 3, 1).loan_rules_id == 1
    # A rule on the GMD alone applies to any collection type.
    slims_sql("INSERT INTO mst_loan_rules (loan_rules_id, member_type_id, coll_type_id, gmd_id, loan_limit, loan_periode,"
              " reborrow_limit, fine_each_day, grace_periode) VALUES (3, 3, 0, 28, 1, 2, 0, 1000, 0)")
    assert rules.terms_for(conn, 3, 1, 28).loan_rules_id == 3
    assert rules.terms_for(conn, 3, 1, 1).loan_rules_id == 0  # Pelajar's own terms


def test_due_dates_skip_weekly_and_dated_holidays_and_stop_at_expiry(conn, slims_sql, slims_db):
    today = slims_db[1]["today"]
    closed = rules.holidays(conn)
    assert rules.due_date(today, 7, closed, today + timedelta(days=300)) == today + timedelta(days=9)
    # The library closes on the weekday a 10-day loan would end on (SLiMS: a day name without a date).
    day = today + timedelta(days=10)
    slims_sql("INSERT INTO holiday (holiday_dayname, holiday_date) VALUES (%s, NULL)", (day.strftime("%a"),))
    closed = rules.holidays(conn)
    assert rules.due_date(today, 10, closed, None) == today + timedelta(days=11)
    assert rules.due_date(today, 17, closed, None) == today + timedelta(days=18)  # a week later, closed again
    assert rules.due_date(today, 7, closed, today + timedelta(days=5)) == today + timedelta(days=5)


def test_fines_count_late_days_with_grace_and_the_holiday_setting(conn, slims_sql, slims_db):
    today = slims_db[1]["today"]
    umum = rules.member_type_terms(conn, 2)  # Rp 500 a day, no grace
    pelajar = rules.member_type_terms(conn, 3)  # Rp 200 a day, 2 days' grace
    loan = SimpleNamespace(due_date=today - timedelta(days=10))
    closed = rules.holidays(conn)
    assert rules.overdue_fine(loan, today, umum, None, closed, False) == rules.Fine(10, 5000)
    assert rules.overdue_fine(SimpleNamespace(due_date=today), today, umum, None, closed, False) is None
    assert rules.overdue_fine(SimpleNamespace(due_date=today - timedelta(days=2)), today, pelajar, None, closed, False) is None
    assert rules.overdue_fine(SimpleNamespace(due_date=today - timedelta(days=3)), today, pelajar, None, closed, False) \
        == rules.Fine(3, 600)  # past the grace days, every late day counts
    fiction = rules.rule_terms(conn, 1)  # Rp 1.000 a day
    assert rules.overdue_fine(loan, today, umum, fiction, closed, False) == rules.Fine(10, 10000)
    # Holidays inside the late days are left out only when SLiMS says so.
    late = SimpleNamespace(due_date=today + timedelta(days=6))
    returned = today + timedelta(days=10)  # days 7 and 8 are holidays
    assert not rules.ignores_holidays_in_fines(conn)
    assert rules.overdue_fine(late, returned, umum, None, closed, False) == rules.Fine(4, 2000)
    slims_sql("UPDATE setting SET setting_value = 'b:1;' WHERE setting_name = 'ignore_holidays_fine_calc'")
    assert rules.ignores_holidays_in_fines(conn)
    assert rules.overdue_fine(late, returned, umum, None, closed, True) == rules.Fine(2, 1000)


def test_fines_owed_is_debit_minus_credit(conn):
    assert rules.fines_owed(conn, "M0003") == 60000
    assert rules.fines_owed(conn, "M0001") == 0
    assert rules.fines_owed(conn, "NOBODY") == 0
