"""Holds as a queue per title, on this database (the ``local`` backend).

A member reserves a title when no copy of it is on the shelf; holds wait in
the order they were placed. A returned copy of the title fills the first
waiting hold: it goes to the hold shelf for that member, who has
``HOLD_PICKUP_DAYS`` days to collect it (a closed last day moves it on); a hold not collected in time
expires (``flask expire-holds``) and the copy passes to the next in the queue.
Plain functions taking a session: they flush, never commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from .. import outbox
from ..catalogue.models import Book, Item
from ..config import ConfigError
from . import calendar, refusals
from .models import PATRON_CATEGORIES, Hold, Loan, Patron

# Where PINDAI_HOLD_LIMITS names no number for a category.
DEFAULT_LIMITS = {"child": 2, "adult": 5, "student": 5, "staff": 10}


def parse_limits(text: str) -> dict[str, int]:
    """``"child=2,adult=5"`` -> the open-hold limit of each member category."""
    limits = dict(DEFAULT_LIMITS)
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        category, _, number = part.partition("=")
        category = category.strip()
        if category not in PATRON_CATEGORIES or not number.strip().isdigit():
            raise ConfigError(f"PINDAI_HOLD_LIMITS: {part!r} is not CATEGORY=NUMBER "
                              f"(categories: {', '.join(PATRON_CATEGORIES)})")
        limits[category] = int(number)
    return limits


@dataclass(frozen=True)
class Policy:
    """The library's hold settings (``HOLD_PICKUP_DAYS``, ``HOLD_LIMITS``)."""

    pickup_days: int = 7
    limits: dict | None = None

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(int(config.get("HOLD_PICKUP_DAYS", 7)), parse_limits(config.get("HOLD_LIMITS", "")))

    def limit(self, category: str) -> int:
        return (self.limits or DEFAULT_LIMITS).get(category, DEFAULT_LIMITS["adult"])


def open_holds(session: Session, patron: Patron) -> list[Hold]:
    return list(session.scalars(select(Hold).where(Hold.patron_id == patron.id, Hold.ended_at.is_(None))
                                .order_by(Hold.placed_at, Hold.id)))


def waiting(session: Session, book_id: int) -> list[Hold]:
    """The title's queue: open holds not yet filled by a copy, first placed first."""
    return list(session.scalars(select(Hold).where(Hold.book_id == book_id, Hold.ended_at.is_(None),
                                                   Hold.item_id.is_(None))
                                .order_by(Hold.placed_at, Hold.id).options(joinedload(Hold.patron))))


def position(session: Session, hold: Hold) -> int | None:
    """1 for the next member to get a copy; None once a copy is set aside."""
    if hold.item_id is not None or hold.ended_at is not None:
        return None
    ahead = session.scalar(select(func.count()).select_from(Hold).where(
        Hold.book_id == hold.book_id, Hold.ended_at.is_(None), Hold.item_id.is_(None),
        (Hold.placed_at < hold.placed_at) | ((Hold.placed_at == hold.placed_at) & (Hold.id < hold.id))))
    return (ahead or 0) + 1


def copy_on_shelf(session: Session, book_id: int) -> Item | None:
    """A copy of the title anyone may take from the shelf now (none set aside, none lent)."""
    lent = select(Loan.item_id).where(Loan.returned_at.is_(None))
    held = select(Hold.item_id).where(Hold.ended_at.is_(None), Hold.item_id.is_not(None))
    return session.scalars(select(Item).where(Item.book_id == book_id, Item.status == "available",
                                              Item.id.not_in(lent), Item.id.not_in(held))
                           .order_by(Item.id)).first()


def reserve(session: Session, patron: Patron, book: Book, *, max_fines: int, policy: Policy,
            now: datetime | None = None, pickup_library_id: int | None = None) -> Hold:
    """Put ``patron`` in the title's queue, to collect at ``pickup_library_id``
    (None: where the copy is), or raise the refusal that says why not."""
    from .local import blocks

    now = now or calendar.utcnow()
    found = blocks(session, patron, max_fines, now)
    if found:
        raise found[0]
    if any(h.book_id == book.id for h in open_holds(session, patron)):
        raise refusals.AlreadyReserved()
    if session.scalar(select(Loan.id).join(Item, Item.id == Loan.item_id).where(
            Loan.patron_id == patron.id, Loan.returned_at.is_(None), Item.book_id == book.id)) is not None:
        raise refusals.ReserveOwnLoan()
    holdable = session.scalar(select(func.count()).select_from(Item).where(
        Item.book_id == book.id, Item.status.in_(("available", "on_loan"))))
    if not holdable:
        raise refusals.NotHoldable()
    if copy_on_shelf(session, book.id) is not None:
        raise refusals.CopyOnShelf()
    if len(open_holds(session, patron)) >= policy.limit(patron.category):
        raise refusals.TooManyHolds(max_holds=policy.limit(patron.category))
    hold = Hold(book_id=book.id, patron_id=patron.id, placed_at=now, pickup_library_id=pickup_library_id)
    session.add(hold)
    session.flush()
    return hold


def set_aside(session: Session, hold: Hold, item: Item, policy: Policy, now: datetime) -> Hold:
    """``item`` goes to the hold shelf for ``hold``'s member, to collect by the end of the pickup days."""
    hold.item_id, hold.ready_at = item.id, now
    hold.pickup_by = calendar.due_at(session, calendar.local_today(now), policy.pickup_days)
    session.flush()
    if hold.pickup_library_id is None or item.library_id == hold.pickup_library_id:
        # On this library's hold shelf now (a copy on its way is told when it arrives).
        outbox.happened(session, "hold_ready", hold_id=hold.id, item_id=item.id)
    return hold


def fill(session: Session, item: Item, policy: Policy, now: datetime | None = None) -> Hold | None:
    """A copy back on the desk: the first waiting hold on its title takes it (None: nobody waits)."""
    now = now or calendar.utcnow()
    if item.status != "available":
        return None
    # A hold staff placed on this very copy comes first, then the title's queue.
    on_copy = session.scalars(select(Hold).where(Hold.item_id == item.id, Hold.ended_at.is_(None))
                              .order_by(Hold.placed_at, Hold.id)).first()
    if on_copy is not None:
        return set_aside(session, on_copy, item, policy, now) if on_copy.ready_at is None else on_copy
    queue = waiting(session, item.book_id)
    return set_aside(session, queue[0], item, policy, now) if queue else None


def end(session: Session, hold: Hold, reason: str, policy: Policy, now: datetime | None = None) -> Hold | None:
    """End a hold; a copy that was set aside for it passes to the next in the queue
    (answered, or None when nobody waits)."""
    now = now or calendar.utcnow()
    hold.ended_at, hold.end_reason = now, reason
    item = session.get(Item, hold.item_id) if hold.item_id is not None and reason != "fulfilled" else None
    session.flush()
    return fill(session, item, policy, now) if item is not None else None


def cancel(session: Session, patron: Patron, hold_id: int, policy: Policy) -> Hold | None:
    """The member cancels one of their own holds (``unknown_hold`` for any other id)."""
    hold = session.get(Hold, hold_id)
    if hold is None or hold.patron_id != patron.id or hold.ended_at is not None:
        raise refusals.UnknownHold()
    return end(session, hold, "cancelled", policy)


def fulfil(session: Session, patron: Patron, item: Item, now: datetime) -> None:
    """The member borrows a copy of a title they reserved: that hold is done."""
    for hold in open_holds(session, patron):
        if hold.book_id == item.book_id and hold.item_id in (None, item.id):
            hold.ended_at, hold.end_reason = now, "fulfilled"
            break
    session.flush()


def waiting_for_title(session: Session, book_id: int, patron: Patron) -> bool:
    """Does anyone else wait for this title, with no copy on the shelf to give them?"""
    return (any(h.patron_id != patron.id for h in waiting(session, book_id))
            and copy_on_shelf(session, book_id) is None)


def expire(session: Session, policy: Policy, now: datetime | None = None) -> list[tuple[Hold, Hold | None]]:
    """Holds on the shelf past their pickup day end; each copy passes on. Answers (expired, next)."""
    now = now or calendar.utcnow()
    due = session.scalars(select(Hold).where(Hold.ended_at.is_(None), Hold.pickup_by.is_not(None),
                                             Hold.pickup_by < now).order_by(Hold.pickup_by, Hold.id)).all()
    return [(hold, end(session, hold, "expired", policy, now)) for hold in due]


def pickup_library(hold: Hold) -> dict | None:
    """Where the member collects the book: the chosen library, else the copy's once one is set aside."""
    library = hold.pickup_library or (hold.item.library if hold.item is not None else None)
    return None if library is None else {"id": library.id, "code": library.code, "name": library.name}


def in_transit(hold: Hold) -> bool:
    """A copy set aside in one library for a member collecting it in another, not arrived yet."""
    return (hold.item is not None and hold.pickup_library_id is not None and hold.arrived_at is None
            and hold.item.library_id != hold.pickup_library_id)


def arrived(session: Session, hold: Hold, policy: Policy, now: datetime | None = None) -> Hold:
    """The copy reached the pickup library: on its hold shelf now, the pickup days counted from today."""
    now = now or calendar.utcnow()
    hold.arrived_at, hold.ready_at = now, now
    hold.pickup_by = calendar.due_at(session, calendar.local_today(now), policy.pickup_days)
    session.flush()
    outbox.happened(session, "hold_ready", hold_id=hold.id, item_id=hold.item_id)
    return hold


def hold_dict(session: Session, hold: Hold) -> dict:
    """A hold as a member sees it: the title, the place in the queue, or ready until when."""
    book = session.get_one(Book, hold.book_id)
    body = {"id": str(hold.id), "book_id": book.id, "title": book.title,
            "placed_at": calendar.as_utc(hold.placed_at).isoformat(),
            "position": position(session, hold), "ready": hold.ready_at is not None and not in_transit(hold),
            "in_transit": in_transit(hold), "pickup_by": None, "pickup_library": pickup_library(hold)}
    if hold.pickup_by is not None and not body["in_transit"]:
        body["pickup_by"] = calendar.due_date(hold.pickup_by).isoformat()
    return body
