"""What staff change in circulation, one function each, shared by the
operator commands (``cli``) and the desk pages (``desk``, ``desk_loans``):
a member's card, block, fines, PIN and PIN lock; closed days; loan rules;
the overdue list. Functions take a session and flush, never commit; bad
input is a ``DeskRefusal`` with its sentence in both languages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, joinedload, object_session

from .. import errors
from ..cards import normalise_card
from ..catalogue.models import Item
from . import calendar
from .local import DEFAULT_RULES, Rule
from .models import PATRON_CATEGORIES, ClosedDay, Loan, LoanRule, Patron, PatronSession
from .patrons import find_patron, hash_pin, valid_pin

MAX_CLOSED_RANGE = 366  # days one "add" may mark: a year of holidays, not a typo's century


class DeskRefusal(errors.PindaiError):
    """A change staff asked for that cannot be made as given."""

    status = 400
    code = "desk_refused"


class NoSuchMember(errors.PindaiError):
    status = 404
    code = "unknown_card"
    message_en = _l("No member has this card number.")


def member(session: Session, card: str | None) -> Patron:
    """The member with this card number (typed any way cards are written)."""
    patron = find_patron(session, normalise_card(card or "") or "")
    if patron is None:
        raise NoSuchMember()
    return patron


# --- a member's card ------------------------------------------------------

def set_lost(patron: Patron, lost: bool) -> None:
    """A card reported lost blocks it (kiosks refuse it, its phone sessions end); found again, it works."""
    patron.card_lost = lost
    if lost:
        end_sessions(patron, patron.card_number)


def new_card(session: Session, patron: Patron, number: str) -> str:
    """Give the member a new card number (the lost card's number stops
    working at once); answers the old number."""
    card = normalise_card(number)
    if card is None:
        raise DeskRefusal(_l("A card number is 4 to 32 letters or digits."))
    if card == patron.card_number:
        raise DeskRefusal(_l("That is the member's current card number."))
    if find_patron(session, card) is not None:
        raise DeskRefusal(_l("Another member already has card number %(card)s.", card=card))
    old, patron.card_number, patron.card_lost = patron.card_number, card, False
    end_sessions(patron, old)
    session.flush()
    return old


def set_block(patron: Patron, reason: str | None) -> None:
    """Suspend borrowing with the reason staff give, or lift it (``None``)."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 300:
        raise DeskRefusal(_l("A block reason is at most 300 characters."))
    patron.staff_block = reason


def set_fines(patron: Patron, amount: int) -> None:
    """Set the fines owed (whole rupiah)."""
    if amount < 0:
        raise DeskRefusal(_l("Fines cannot be negative."))
    patron.fines = amount


def pay_fines(patron: Patron, paid: int) -> int:
    """Record a payment: the fines owed go down by ``paid`` (never below
    zero); answers what is still owed."""
    if paid <= 0:
        raise DeskRefusal(_l("Enter the amount paid, in rupiah."))
    if paid > patron.fines:
        raise DeskRefusal(_l("The payment is more than the fines owed."))
    patron.fines -= paid
    return patron.fines


def unlock_pin(patron: Patron) -> None:
    """Lift a wrong-PIN lock now and forget the wrong tries."""
    patron.failed_pins, patron.locked_until = 0, None


def set_pin(patron: Patron, pin: str, again: str | None = None) -> None:
    """Store a new PIN's hash (never the PIN) and lift any lock."""
    if again is not None and pin != again:
        raise DeskRefusal(_l("The two PINs differ."))
    if not valid_pin(pin):
        raise DeskRefusal(_l("A PIN is 4 to 8 digits."))
    patron.pin_hash = hash_pin(pin)
    unlock_pin(patron)
    end_sessions(patron, patron.card_number)  # whoever knew the old PIN is logged out


def end_sessions(patron: Patron, card: str) -> None:
    """End every open session of ``card`` (kiosk and phone): a lost card, a new card or PIN."""
    session = object_session(patron)
    if session is not None:
        session.execute(update(PatronSession).where(PatronSession.card_number == card,
                                                    PatronSession.ended_at.is_(None))
                        .values(ended_at=calendar.utcnow()))


def locked_until(patron: Patron, now: datetime | None = None) -> datetime | None:
    """When the wrong-PIN lock ends, while it holds."""
    if patron.locked_until is None:
        return None
    until = calendar.as_utc(patron.locked_until)
    return until if until > (now or calendar.utcnow()) else None


def search_members(session: Session, text: str, limit: int = 50) -> list[Patron]:
    """Members whose name contains ``text`` or whose card number is it (or starts with it)."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found: ColumnElement[bool] = func.lower(Patron.name).like(pattern, escape="\\")
    card = normalise_card(text)
    if card is not None:
        found = found | Patron.card_number.startswith(card, autoescape=True)
    return list(session.scalars(select(Patron).where(found).order_by(Patron.name, Patron.id).limit(limit)))


# --- closed days ------------------------------------------------------------

def parse_day(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise DeskRefusal(_l("%(value)s is not a date (YYYY-MM-DD).", value=repr(text))) from None


def days_between(first: str, last: str | None = None) -> list[date]:
    """The days from ``first`` to ``last`` (both included; one day without ``last``)."""
    start, end = parse_day(first), parse_day(last) if last else parse_day(first)
    if end < start:
        raise DeskRefusal(_l("The range ends before it starts."))
    if (end - start).days >= MAX_CLOSED_RANGE:
        raise DeskRefusal(_l("A range is at most %(days)s days.", days=MAX_CLOSED_RANGE))
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def days_of_spec(spec: str) -> list[date]:
    """'2026-12-25' or a range '2026-12-24..2026-12-26'."""
    first, _, last = spec.partition("..")
    return days_between(first, last or None)


def close_days(session: Session, days: list[date], reason: str | None) -> int:
    """Mark days closed (no loan falls due on them); answers how many were new."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 200:
        raise DeskRefusal(_l("A reason is at most 200 characters."))
    return calendar.add_closed_days(session, days, reason)


def open_days(session: Session, days: list[date]) -> int:
    """Open closed days again; answers how many were closed."""
    return calendar.remove_closed_days(session, days)


def upcoming_closed_days(session: Session) -> list[ClosedDay]:
    return list(session.scalars(select(ClosedDay).where(ClosedDay.day >= calendar.local_today())
                                .order_by(ClosedDay.day)))


# --- loan rules -------------------------------------------------------------

def set_loan_rule(session: Session, category: str, item_type: str, loan_days: int, max_loans: int,
                  max_renewals: int) -> LoanRule:
    """Set the rule for a patron category (or ``*``) and an item type (or ``*``)."""
    item_type = (item_type or "").strip().lower()
    if category not in (*PATRON_CATEGORIES, "*"):
        raise DeskRefusal(_l("The category must be one of %(value)s or *.", value=", ".join(PATRON_CATEGORIES)))
    if not item_type or len(item_type) > 20 or not (item_type == "*" or item_type.replace("_", "").isalnum()):
        raise DeskRefusal(_l("The item type is a short word (book, dvd, magazine) or *."))
    for value, low, high in ((loan_days, 1, 365), (max_loans, 0, 1000), (max_renewals, 0, 100)):
        if not low <= value <= high:
            raise DeskRefusal(_l("Loan days are 1 to 365, the loan limit 0 to 1000 and renewals 0 to 100."))
    rule = session.scalars(select(LoanRule).where(LoanRule.patron_category == category,
                                                  LoanRule.item_type == item_type)).first()
    if rule is None:
        rule = LoanRule(patron_category=category, item_type=item_type)
        session.add(rule)
    rule.loan_days, rule.max_loans, rule.max_renewals = loan_days, max_loans, max_renewals
    session.flush()
    return rule


def remove_loan_rule(session: Session, rule_id: int) -> LoanRule:
    """Remove one of the library's rules (the built-in default applies again where none is left)."""
    rule = session.get(LoanRule, rule_id)
    if rule is None:
        raise errors.NotFound()
    session.delete(rule)
    session.flush()
    return rule


def loan_rules(session: Session) -> list[LoanRule]:
    return list(session.scalars(select(LoanRule).order_by(LoanRule.patron_category, LoanRule.item_type)))


def default_rules() -> dict[str, Rule]:
    """The built-in rules, where the library has set none of its own."""
    return dict(DEFAULT_RULES)


# --- the overdue list ---------------------------------------------------------

@dataclass(frozen=True)
class Overdue:
    loan: Loan
    patron: Patron
    item: Item
    days: int  # whole days past the due date


def overdue_loans(session: Session, now: datetime | None = None, limit: int = 5000) -> list[Overdue]:
    """Open loans past their due moment, the longest overdue first."""
    now = now or calendar.utcnow()
    today = calendar.local_today(now)
    loans = session.scalars(
        select(Loan).where(Loan.returned_at.is_(None), Loan.due_at < now)
        .options(joinedload(Loan.patron), joinedload(Loan.item).joinedload(Item.book))
        .order_by(Loan.due_at, Loan.id).limit(limit))
    return [Overdue(loan, loan.patron, loan.item, (today - calendar.due_date(loan.due_at)).days) for loan in loans]
