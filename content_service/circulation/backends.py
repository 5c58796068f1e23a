"""The circulation interface the kiosk API talks to, and its registry.

A backend speaks in card numbers and item barcodes and answers plain dicts,
so a backend for the library's existing system (SIP2) can be added to
``BACKENDS`` and chosen with ``PINDAI_CIRCULATION`` without touching the
kiosk or the API."""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..catalogue import shapes
from ..catalogue.models import Item
from ..errors import bilingual
from . import calendar, holds, local, refusals
from .models import Hold, Loan, Patron
from .patrons import find_patron


class CirculationBackend(Protocol):
    """What self-checkout needs from a library system."""

    def find_card(self, session: Session, card: str) -> bool: ...
    def authenticate(self, session: Session, card: str, pin: str) -> dict: ...
    def status(self, session: Session, card: str) -> dict: ...
    def checkout(self, session: Session, card: str, barcode: str, kiosk_id: int | None) -> dict: ...
    def renew(self, session: Session, card: str, barcode: str) -> dict: ...
    def checkin(self, session: Session, barcode: str) -> dict: ...
    # Optional, for holds ("Pesan buku"): ``reserve(session, card, book_id) -> dict`` and
    # ``cancel_hold(session, card, hold_id)``; without them a hold is refused as holds_unsupported.


def loan_dict(loan: Loan, renewals_left: int | None = None, now=None) -> dict:
    """A loan as kiosks show it: title, due date (UTC and WIB), renewals."""
    due = calendar.as_utc(loan.due_at)
    book = loan.item.book
    return {
        "barcode": loan.item.barcode,
        "title": book.title,
        "book_id": book.id,
        "cover_url": shapes.cover_url(book),
        "checked_out_at": calendar.as_utc(loan.checked_out_at).isoformat(),
        "due": due.isoformat(),
        "due_local": calendar.local(due).isoformat(),
        "due_date": calendar.due_date(due).isoformat(),
        "overdue": due < (now or calendar.utcnow()),
        "renewals": loan.renewals,
        "renewals_left": renewals_left,
    }


def refusal_dict(refusal: refusals.Refusal) -> dict:
    return refusal.to_dict()


STATUS_REPAIRED = _l("Copy status repaired: it was marked on loan with no loan record; it is now available.")


class LocalBackend:
    """Circulation on this database (``local.py`` holds the rules)."""

    def __init__(self, config: dict):
        self.max_fines = int(config.get("CIRCULATION_MAX_FINES", 0))
        self.policy = holds.Policy.from_config(config)

    def _patron(self, session: Session, card: str) -> Patron:
        patron = find_patron(session, card)
        if patron is None:
            raise refusals.UnknownCard()
        return patron

    def _item(self, session: Session, barcode: str) -> Item:
        item = session.scalars(select(Item).where(Item.barcode == barcode).options(joinedload(Item.book))).first()
        if item is None:
            raise refusals.NotAnItem()
        return item

    def find_card(self, session: Session, card: str) -> bool:
        return find_patron(session, card) is not None

    def authenticate(self, session: Session, card: str, pin: str) -> dict:
        patron = local.authenticate(session, card, pin)
        return {"card": patron.card_number, "first_name": patron.first_name, "category": patron.category}

    def status(self, session: Session, card: str) -> dict:
        patron = self._patron(session, card)
        now = calendar.utcnow()
        found = local.blocks(session, patron, self.max_fines, now)
        limit = local.loan_limit_reached(session, patron)
        loans = [loan_dict(l, local.renewals_left(session, patron, l), now) for l in local.open_loans(session, patron)]
        held = [holds.hold_dict(session, h) for h in holds.open_holds(session, patron)]
        return {
            "patron": {
                "first_name": patron.first_name,
                "category": patron.category,
                "card_hint": "•••" + patron.card_number[-3:],
                "expires_on": patron.expires_on.isoformat() if patron.expires_on else None,
            },
            "loans": loans,
            "blocks": [refusal_dict(b) for b in [*found, *([limit] if limit else [])]],
            "holds": held,
            "holds_ready": sum(h["ready"] for h in held),
            "fines": patron.fines,
            # What "n of max books" counts against (books; other item types have limits of their own).
            "max_loans": local.rule_for(session, patron.category, "book").max_loans,
            "can_borrow": not found and limit is None,
        }

    def checkout(self, session: Session, card: str, barcode: str, kiosk_id: int | None) -> dict:
        patron = self._patron(session, card)
        item = self._item(session, barcode)
        rule = local.rule_for(session, patron.category, local.item_type_of(session, item))
        loan = local.checkout(session, patron, item, max_fines=self.max_fines, kiosk_id=kiosk_id, rule=rule)
        return loan_dict(loan, rule.max_renewals)

    def renew(self, session: Session, card: str, barcode: str) -> dict:
        patron = self._patron(session, card)
        item = self._item(session, barcode)
        loan = local.open_loan_of(session, item)
        if loan is None:
            raise refusals.UnknownLoan()
        local.renew(session, patron, loan, max_fines=self.max_fines)
        return loan_dict(loan, local.renewals_left(session, patron, loan))

    def checkin(self, session: Session, barcode: str) -> dict:
        item = self._item(session, barcode)
        repaired = local.repair_orphan(session, item)
        if repaired is not None:
            # Marked on loan with no loan record: nothing to close, the status is put right
            # (and the title's first waiting hold takes the copy, as after any return).
            hold = holds.fill(session, item, self.policy)
            book = item.book
            repaired_body = {"returned": {"barcode": item.barcode, "title": book.title, "book_id": book.id,
                                          "cover_url": shapes.cover_url(book)},
                             "to_hold_shelf": hold is not None, "overdue": False,
                             "repaired": {"code": "status_repaired", "from": repaired, "to": item.status,
                                          **bilingual(STATUS_REPAIRED)}}
            if hold is not None:
                repaired_body["hold_for"] = hold_for(hold.patron, hold)
            return repaired_body
        loan, hold = local.checkin(session, item, policy=self.policy)
        body = {"returned": loan_dict(loan), "to_hold_shelf": hold is not None,
                "overdue": calendar.as_utc(loan.due_at) < calendar.as_utc(loan.returned_at)}
        if hold is not None:
            body["hold_for"] = hold_for(hold.patron, hold)
        return body

    def reserve(self, session: Session, card: str, book_id: int, pickup_library_id: int | None = None) -> dict:
        from ..catalogue.queries import get_book

        hold = holds.reserve(session, self._patron(session, card), get_book(session, book_id),
                             max_fines=self.max_fines, policy=self.policy, pickup_library_id=pickup_library_id)
        return holds.hold_dict(session, hold)

    def cancel_hold(self, session: Session, card: str, hold_id: str) -> None:
        if not hold_id.isdigit():
            raise refusals.UnknownHold()
        holds.cancel(session, self._patron(session, card), int(hold_id), self.policy)


def hold_for(patron: Patron, hold: Hold | None = None) -> dict:
    """Who a copy on the hold shelf waits for, as the desk labels it (first name, card's last digits),
    and where: ``send_to`` names the library to send it to when the member collects it elsewhere."""
    said = {"first_name": patron.first_name, "card_hint": "•••" + patron.card_number[-3:], "send_to": None}
    if hold is not None and holds.in_transit(hold) and hold.pickup_library is not None:
        said["send_to"] = {"code": hold.pickup_library.code, "name": hold.pickup_library.name}
    return said


# Other backends (``sip2``, ``slims``) are added by their feature's init_app,
# which the application factory calls before circulation's.
BACKENDS: dict[str, Callable[[dict], CirculationBackend]] = {"local": LocalBackend}


def get_backend() -> CirculationBackend:
    """The backend chosen by ``PINDAI_CIRCULATION`` (one per app)."""
    backend = current_app.extensions.get("pindai.circulation")
    if backend is None:
        name = current_app.config.get("CIRCULATION", "local")
        if name not in BACKENDS:
            raise RuntimeError(f"PINDAI_CIRCULATION={name!r}: choose one of {', '.join(BACKENDS)}")
        backend = current_app.extensions["pindai.circulation"] = BACKENDS[name](current_app.config)
    return backend
