"""SLiMS 9's own circulation rules, as its desk applies them, on a
connection to its database:

- ``terms_for``: loan limit, period, renewals, fine per day and grace days
  of a member type, overridden by the first matching ``mst_loan_rules`` row
  (member type + collection type + GMD, then + collection type, then + GMD)
- ``Holidays`` / ``due_date``: the loan period counted from today, moved past
  holidays (``holiday`` rows: a weekday when ``holiday_date`` is NULL, else a
  date), and never after the membership expires
- ``overdue_fine``: days late times the fine per day, nothing within the
  grace period, holidays left out only when SLiMS's
  ``ignore_holidays_fine_calc`` setting says so
- ``fines_owed``: a member's debit minus credit in ``fines``"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from . import schema as t

FINE_DESCRIPTION = "Overdue fines for item {item_code}"  # SLiMS's own wording (its source text)


@dataclass(frozen=True)
class Terms:
    loan_rules_id: int  # 0: the member type's own terms
    loan_limit: int
    loan_periode: int
    reborrow_limit: int
    fine_each_day: int
    grace_periode: int


def _terms(row, rules_id: int) -> Terms:
    return Terms(rules_id, int(row.loan_limit or 0), int(row.loan_periode or 0), int(row.reborrow_limit or 0),
                 int(row.fine_each_day or 0), int(row.grace_periode or 0))


def member_type_terms(conn: Connection, member_type_id: int | None) -> Terms:
    row = conn.execute(select(t.mst_member_type).where(t.mst_member_type.c.member_type_id == member_type_id)).first()
    return _terms(row, 0) if row is not None else Terms(0, 0, 0, 0, 0, 0)


def rule_terms(conn: Connection, loan_rules_id: int) -> Terms | None:
    row = conn.execute(select(t.mst_loan_rules).where(t.mst_loan_rules.c.loan_rules_id == loan_rules_id)).first()
    return _terms(row, row.loan_rules_id) if row is not None else None


def terms_for(conn: Connection, member_type_id: int | None, coll_type_id: int | None, gmd_id: int | None) -> Terms:
    """The terms a member of this type borrows a copy of this collection type and GMD on."""
    base = member_type_terms(conn, member_type_id)
    coll, gmd = int(coll_type_id or 0), int(gmd_id or 0)
    if not coll and not gmd:
        return base
    rows = conn.execute(select(t.mst_loan_rules).where(t.mst_loan_rules.c.member_type_id == member_type_id)
                        .order_by(t.mst_loan_rules.c.loan_rules_id)).all()

    def matches(row, by_coll: bool, by_gmd: bool) -> bool:
        return (not by_coll or int(row.coll_type_id or 0) == coll) and (not by_gmd or int(row.gmd_id or 0) == gmd)

    # SLiMS's order: both given ones, then the collection type alone, then the GMD alone.
    for by_coll, by_gmd in ((bool(coll), bool(gmd)), (True, False), (False, True)):
        if (by_coll and not coll) or (by_gmd and not gmd):
            continue
        row = next((r for r in rows if matches(r, by_coll, by_gmd)), None)
        if row is not None:
            return _terms(row, row.loan_rules_id)
    return base


@dataclass(frozen=True)
class Holidays:
    weekdays: frozenset[str]  # "sun", "sat": PHP's date('D'), lower case
    dates: frozenset[date]

    def closed(self, day: date) -> bool:
        return day in self.dates or day.strftime("%a").lower() in self.weekdays


def holidays(conn: Connection) -> Holidays:
    rows = conn.execute(select(t.holiday.c.holiday_dayname, t.holiday.c.holiday_date)).all()
    return Holidays(frozenset((name or "").strip().lower()[:3] for name, day in rows if day is None),
                    frozenset(day for _name, day in rows if isinstance(day, date)))


def next_open_day(day: date, closed: Holidays) -> date:
    for _ in range(366):  # SLiMS refuses a week with every day closed; stop anyway
        if not closed.closed(day):
            return day
        day += timedelta(days=1)
    return day


def due_date(start: date, loan_periode: int, closed: Holidays, expires_on: date | None) -> date:
    due = next_open_day(start + timedelta(days=loan_periode), closed)
    if isinstance(expires_on, date) and due > expires_on:
        due = expires_on  # no loan outlives the membership
    return due


def ignores_holidays_in_fines(conn: Connection) -> bool:
    value = conn.execute(select(t.setting.c.setting_value)
                         .where(t.setting.c.setting_name == "ignore_holidays_fine_calc")).scalar()
    return (value or "").strip() in ("b:1;", "i:1;", 's:1:"1";')


@dataclass(frozen=True)
class Fine:
    days: int
    amount: int  # rupiah


def overdue_fine(loan: Row, returned_on: date, member_terms: Terms, loan_terms: Terms | None, closed: Holidays,
                 skip_holidays: bool) -> Fine | None:
    """What SLiMS charges for returning (or renewing) ``loan`` on
    ``returned_on``; None when it is not late or still within grace."""
    due = loan.due_date
    if not isinstance(due, date) or returned_on <= due:
        return None
    days = (returned_on - due).days
    if skip_holidays:
        days -= sum(1 for n in range(1, days + 1) if closed.closed(due + timedelta(days=n)))
    if days < 1:
        return None
    graces = [member_terms.grace_periode] + ([loan_terms.grace_periode] if loan_terms else [])
    if any(g and returned_on <= due + timedelta(days=g) for g in graces):
        return None
    per_day = loan_terms.fine_each_day if loan_terms else member_terms.fine_each_day
    return Fine(days, per_day * days)


def fines_owed(conn: Connection, member_id: str) -> int:
    owed = conn.execute(select(func.sum(func.coalesce(t.fines.c.debet, 0) - func.coalesce(t.fines.c.credit, 0)))
                        .where(t.fines.c.member_id == member_id)).scalar()
    return max(0, int(owed or 0))
