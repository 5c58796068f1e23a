"""The ``local`` circulation backend: rules and operations on this
database, as plain functions taking a session (they flush, never commit)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l, lazy_ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from .. import db
from ..catalogue.models import Item
from ..i18n import lazy_clock, lazy_rupiah
from . import calendar, holds, refusals
from .models import Hold, ItemLoanType, Loan, LoanRule, Patron
from .patrons import check_pin, find_patron

MAX_PIN_FAILURES = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Rule:
    loan_days: int
    max_loans: int
    max_renewals: int
    item_type: str = "*"  # the rule's own item type: what its loan limit counts


# Where the library has set no rule of its own.
DEFAULT_RULES = {
    "child": Rule(loan_days=7, max_loans=3, max_renewals=1),
    "adult": Rule(loan_days=14, max_loans=5, max_renewals=2),
    "student": Rule(loan_days=14, max_loans=5, max_renewals=2),
    "staff": Rule(loan_days=28, max_loans=10, max_renewals=3),
}


def item_type_of(session: Session, item: Item) -> str:
    return session.scalar(select(ItemLoanType.item_type).where(ItemLoanType.item_id == item.id)) or "book"


def rule_for(session: Session, category: str, item_type: str) -> Rule:
    """The most specific rule: category+type, category+*, *+type, *+*, then the built-in default."""
    rows = session.scalars(
        select(LoanRule).where(LoanRule.patron_category.in_((category, "*")), LoanRule.item_type.in_((item_type, "*")))
    ).all()
    ranked = sorted(rows, key=lambda r: (r.patron_category == "*", r.item_type == "*"))
    if ranked:
        r = ranked[0]
        return Rule(r.loan_days, r.max_loans, r.max_renewals, r.item_type)
    return DEFAULT_RULES[category]


def open_loans(session: Session, patron: Patron) -> list[Loan]:
    return list(session.scalars(
        select(Loan).where(Loan.patron_id == patron.id, Loan.returned_at.is_(None))
        .options(joinedload(Loan.item).joinedload(Item.book)).order_by(Loan.due_at, Loan.id)
    ))


def blocks(session: Session, patron: Patron, max_fines: int, now: datetime | None = None) -> list[refusals.Refusal]:
    """Everything that stops this patron borrowing now (the loan limit is
    checked per copy, by its item type, at checkout)."""
    found: list[refusals.Refusal] = []
    today = calendar.local_today(now)
    if patron.card_lost:
        found.append(refusals.CardLost())
    if patron.expires_on is not None and patron.expires_on < today:
        found.append(refusals.CardExpired(expired_on=patron.expires_on.isoformat()))
    if patron.fines > max_fines:
        found.append(refusals.FinesTooHigh(
            _l("Your fines (%(fines)s) are above the limit of %(limit)s. Please pay them at the desk.",
               fines=lazy_rupiah(patron.fines), limit=lazy_rupiah(max_fines)),
            fines=patron.fines, limit=max_fines))
    if patron.staff_block:
        found.append(refusals.StaffBlock(reason=patron.staff_block))
    return found


def loan_limit_reached(session: Session, patron: Patron) -> refusals.Refusal | None:
    """``too_many_loans`` when the patron holds as many loans as books allow
    (what an account shows; checkout checks each copy's own item type)."""
    rule = rule_for(session, patron.category, "book")
    count = session.scalar(select(func.count()).select_from(Loan).where(Loan.patron_id == patron.id,
                                                                       Loan.returned_at.is_(None))) or 0
    return refusals.TooManyLoans(max_loans=rule.max_loans) if count >= rule.max_loans else None


def authenticate(session: Session, card: str, pin: str, now: datetime | None = None) -> Patron:
    """The patron with this card and PIN. Five wrong PINs in a row lock the
    card for 15 minutes (``guard_pin``: each try is counted, and committed,
    before its PIN is compared, so parallel guesses cannot slip past)."""
    patron = find_patron(session, card)
    if patron is None:
        raise refusals.UnknownCard()
    if patron.card_lost:
        raise refusals.CardLost()
    if not patron.pin_hash:
        raise refusals.NoPin()
    stored = patron.pin_hash
    return guard_pin(session, patron, lambda: check_pin(pin or "", stored), now)


def guard_pin(session: Session, patron: Patron, right: Callable[[], bool], now: datetime | None = None) -> Patron:
    """Count one PIN try on ``patron``, then ask ``right()`` whether the PIN
    is right, and answer the patron or raise ``WrongPin`` / ``CardLocked``.

    The try is counted first, in a write transaction of its own
    (``UPDATE ... SET failed_pins = failed_pins + 1 RETURNING``: the row lock
    orders racing tries on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), and
    committed before the PIN's hash is even compared. So the sixth of fifty
    parallel guesses sees six and is refused as locked without being
    evaluated, even when its PIN is right; a right PIN within the limit
    resets the count. Shared by every backend that keeps the count here
    (``local``, ``slims``)."""
    now = now or calendar.utcnow()
    failures, until = db.write(lambda s: _count_try(s, patron.id, now), session)
    if until is not None:
        raise _locked(until)
    if failures > MAX_PIN_FAILURES:  # a parallel try took the last one
        raise _locked(db.write(lambda s: _lock(s, patron.id, now), session))
    if right():
        db.write(lambda s: s.execute(update(Patron).where(Patron.id == patron.id)
                                     .values(failed_pins=0, locked_until=None)), session)
        session.refresh(patron)
        return patron
    if failures >= MAX_PIN_FAILURES:
        raise _locked(db.write(lambda s: _lock(s, patron.id, now), session))
    session.refresh(patron)
    left = MAX_PIN_FAILURES - failures
    raise refusals.WrongPin(
        lazy_ngettext("Wrong PIN. %(num)d try left before the card is locked for %(lock_minutes)s minutes.",
                      "Wrong PIN. %(num)d tries left before the card is locked for %(lock_minutes)s minutes.",
                      left, lock_minutes=LOCK_MINUTES),
        attempts_left=left,
    )


def _count_try(session: Session, patron_id: int, now: datetime) -> tuple[int, datetime | None]:
    """(tries counted, lock end if the card is locked now), this try included."""
    failures, until = session.execute(
        update(Patron).where(Patron.id == patron_id).values(failed_pins=Patron.failed_pins + 1)
        .returning(Patron.failed_pins, Patron.locked_until), execution_options={"synchronize_session": False}).one()
    if until is not None and calendar.as_utc(until) <= now:
        # The lock has run out: this try is the first of a new count (the row is still ours).
        session.execute(update(Patron).where(Patron.id == patron_id).values(failed_pins=1, locked_until=None),
                        execution_options={"synchronize_session": False})
        return 1, None
    return failures, until


def _lock(session: Session, patron_id: int, now: datetime) -> datetime:
    """Lock the card from now (unless a parallel try has locked it already); the lock's end."""
    until = session.scalar(select(Patron.locked_until).where(Patron.id == patron_id).with_for_update())
    if until is None or calendar.as_utc(until) <= now:
        until = now + timedelta(minutes=LOCK_MINUTES)
        session.execute(update(Patron).where(Patron.id == patron_id).values(locked_until=until),
                        execution_options={"synchronize_session": False})
    return until


def _locked(until: datetime) -> refusals.Refusal:
    return refusals.CardLocked(
        _l("This card is locked after 5 wrong PINs, until %(time)s WIB. Please wait or ask a librarian.",
           time=lazy_clock(until)),
        locked_until=calendar.as_utc(until).isoformat(), locked_until_local=calendar.local(until).isoformat(),
    )


def active_hold(session: Session, item: Item) -> Hold | None:
    return session.scalars(select(Hold).where(Hold.item_id == item.id, Hold.ended_at.is_(None))
                           .order_by(Hold.placed_at, Hold.id)).first()


def place_hold(session: Session, patron: Patron, item: Item) -> Hold:
    """Set a copy aside for a patron (staff do this at the desk: ``flask hold``)."""
    hold = Hold(book_id=item.book_id, item_id=item.id, patron_id=patron.id)
    session.add(hold)
    session.flush()
    return hold


def cancel_holds(session: Session, item: Item, now: datetime | None = None) -> int:
    """End every open hold on a copy; returns how many there were."""
    holds = session.scalars(select(Hold).where(Hold.item_id == item.id, Hold.ended_at.is_(None))).all()
    for hold in holds:
        hold.ended_at, hold.end_reason = now or calendar.utcnow(), "cancelled"
    session.flush()
    return len(holds)


def open_loan_of(session: Session, item: Item) -> Loan | None:
    return session.scalars(select(Loan).where(Loan.item_id == item.id, Loan.returned_at.is_(None))).first()


def checkout(session: Session, patron: Patron, item: Item, *, max_fines: int, kiosk_id: int | None = None,
             now: datetime | None = None, rule: Rule | None = None) -> Loan:
    """Lend ``item`` to ``patron`` or raise the refusal that says why not
    (``rule``: the loan rule, when the caller has looked it up already).
    The open-loan unique index settles races between kiosks: the loser's
    flush raises ``IntegrityError``, which the caller turns into a refusal."""
    now = now or calendar.utcnow()
    found = blocks(session, patron, max_fines, now)
    if found:
        raise found[0]
    if item.status == "reference":
        raise refusals.ReferenceCopy()
    current = open_loan_of(session, item)
    if current is not None:
        raise refusals.AlreadyYours() if current.patron_id == patron.id else refusals.AlreadyOnLoan()
    if item.status != "available":
        raise refusals.NotLoanable(status=item.status)
    hold = active_hold(session, item)
    if hold is not None and hold.patron_id != patron.id:
        raise refusals.OnHoldForAnother()
    rule = rule or rule_for(session, patron.category, item_type_of(session, item))
    count = select(func.count()).select_from(Loan).where(Loan.patron_id == patron.id, Loan.returned_at.is_(None))
    if rule.item_type != "*":
        count = count.join(ItemLoanType, ItemLoanType.item_id == Loan.item_id, isouter=True).where(
            func.coalesce(ItemLoanType.item_type, "book") == rule.item_type)
    if (session.scalar(count) or 0) >= rule.max_loans:
        raise refusals.TooManyLoans(max_loans=rule.max_loans)
    if hold is not None:
        hold.ended_at, hold.end_reason = now, "fulfilled"
    holds.fulfil(session, patron, item, now)
    loan = Loan(item_id=item.id, patron_id=patron.id, kiosk_id=kiosk_id, checked_out_at=now,
                due_at=calendar.due_at(session, calendar.local_today(now), rule.loan_days))
    item.status = "on_loan"
    session.add(loan)
    session.flush()
    return loan


def renew(session: Session, patron: Patron, loan: Loan, *, max_fines: int, now: datetime | None = None) -> Loan:
    """Extend a loan by its rule's loan period counted from its current due
    date (Koha's default), or raise why not. A renewal that would not move
    the due date past both the current one and today is refused
    (``renew_not_extended``) and uses up nothing."""
    now = now or calendar.utcnow()
    if loan.patron_id != patron.id or loan.returned_at is not None:
        raise refusals.UnknownLoan()
    found = blocks(session, patron, max_fines, now)
    if found:
        raise found[0]
    rule = rule_for(session, patron.category, item_type_of(session, loan.item))
    if loan.renewals >= rule.max_renewals:
        raise refusals.RenewLimit(max_renewals=rule.max_renewals)
    hold = active_hold(session, loan.item)
    if (hold is not None and hold.patron_id != patron.id) or holds.waiting_for_title(session, loan.item.book_id,
                                                                                     patron):
        raise refusals.RenewOnHold()
    current = calendar.as_utc(loan.due_at)
    new_due = calendar.due_at(session, calendar.due_date(current), rule.loan_days)
    if new_due <= current or new_due <= now:
        # Long overdue: counted from its due date the loan would still be overdue.
        raise refusals.RenewNotExtended(due_date=calendar.due_date(current).isoformat(),
                                        new_due_date=calendar.due_date(new_due).isoformat())
    loan.due_at = new_due
    loan.renewals += 1
    session.flush()
    return loan


def renewals_left(session: Session, patron: Patron, loan: Loan) -> int:
    rule = rule_for(session, patron.category, item_type_of(session, loan.item))
    return max(0, rule.max_renewals - loan.renewals)


def checkin(session: Session, item: Item, now: datetime | None = None,
            policy: holds.Policy | None = None) -> tuple[Loan, Hold | None]:
    """Return a copy (no login needed). Answers the closed loan and the hold
    the copy now fills, if any (it then goes to the hold shelf: a hold on
    this copy first, else the first in its title's queue)."""
    now = now or calendar.utcnow()
    loan = open_loan_of(session, item)
    if loan is None:
        raise refusals.NotOnLoan()
    loan.returned_at = now
    item.status = "available"
    session.flush()
    return loan, holds.fill(session, item, policy or holds.Policy(), now)


def repair_orphan(session: Session, item: Item) -> str | None:
    """A copy marked on loan with no open loan (seeded or imported that way)
    is made available again; answers the status it had, or None when there
    was nothing to repair."""
    if item.status != "on_loan" or open_loan_of(session, item) is not None:
        return None
    item.status = "available"
    session.flush()
    return "on_loan"
