"""The circulation desk in the staff portal: holds ("Pesan buku").

- ``/staff/desk/holds``: the hold shelf (copies set aside, for whom, to
  collect by when; the ones past their pickup day first, with a button that
  ends them and passes each copy on, as ``flask expire-holds`` does) and the
  waiting queues, title by title.
- On a member's page: place a hold for them (a copy's barcode, the title's
  ISBN or any of its QR labels names the title; through the circulation
  backend, under the same rules as the kiosk and the phone) and cancel one.

A cancelled or expired hold whose copy sat on the hold shelf passes the copy
to the next member in the title's queue; the page says to whom, or that the
copy goes back to the shelf. The blueprint and its guard are ``desk``."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import errors
from ..libraries import all_libraries, get_library
from ..catalogue.models import Book
from ..clock import utcnow
from ..codes.resolve import resolve
from ..db import get_session
from ..staff import access
from . import calendar, holds, operations
from .api import reserve_for, write
from .backends import get_backend
from .desk import _patron, bp, member_page
from .models import Hold, Patron


class HoldGone(operations.DeskRefusal):
    status = 404
    code = "unknown_hold"
    message_en = _l("This hold is not open any more (it was borrowed, cancelled or ended).")


def _policy() -> holds.Policy:
    return holds.Policy.from_config(current_app.config)


def _book_for(session, text: str) -> Book:
    """The title a scanned or typed barcode, ISBN or label names."""
    text = (text or "").strip()
    if not text:
        raise operations.DeskRefusal(_l("Scan or type a copy's barcode, the ISBN or a QR label of the book."))
    config = current_app.config
    found = resolve(session, text, config["PUBLIC_BASE_URL"], config["MAX_PAYLOAD_LENGTH"])
    if found.type == "item" and found.item is not None:
        return found.item.book
    if found.type == "book" and found.book is not None:
        return found.book
    raise operations.DeskRefusal(_l("That code is not a book of the catalogue."))


def shelf_rows(session) -> list[dict]:
    """The hold shelf: every copy set aside, the soonest pickup day first
    (``late``: its pickup day is over)."""
    now = utcnow()
    found = session.scalars(
        select(Hold).where(Hold.ended_at.is_(None), Hold.item_id.is_not(None), Hold.ready_at.is_not(None))
        .options(joinedload(Hold.patron), joinedload(Hold.item))
        .order_by(Hold.pickup_by, Hold.id))
    return [{"hold": hold, "late": hold.pickup_by is not None and calendar.as_utc(hold.pickup_by) < now,
             "pickup": holds.pickup_library(hold), "transit": holds.in_transit(hold)} for hold in found]


def queues(session) -> list[dict]:
    """The titles members wait for (no copy set aside yet), each with its queue in order."""
    waiting = session.scalars(
        select(Hold).where(Hold.ended_at.is_(None), Hold.item_id.is_(None))
        .options(joinedload(Hold.patron)).order_by(Hold.placed_at, Hold.id)).all()
    by_title: dict[int, list[Hold]] = {}
    for hold in waiting:
        by_title.setdefault(hold.book_id, []).append(hold)
    books = {b.id: b for b in session.scalars(select(Book).where(Book.id.in_(list(by_title))))} if by_title else {}
    rows = [{"book": books[book_id], "holds": queue} for book_id, queue in by_title.items() if book_id in books]
    return sorted(rows, key=lambda row: (-len(row["holds"]), row["book"].title.lower()))


def member_holds(session, patron: Patron) -> list[dict]:
    """A member's open holds as the desk shows them: waiting (place in the queue) or on the shelf."""
    rows = []
    for hold in holds.open_holds(session, patron):
        rows.append({"hold": hold, "book": session.get(Book, hold.book_id), "position": holds.position(session, hold),
                     "item": hold.item, "pickup": holds.pickup_library(hold), "transit": holds.in_transit(hold)})
    return rows


def _holds_page(done=None, error=None, status: int = 200):
    session = get_session()
    return render_template("circulation/desk/holds.html", shelf=shelf_rows(session), queues=queues(session),
                           done=done, error=error, many=len(all_libraries(session)) > 1), status


def _passed_on(next_hold: Hold | None, had_copy: bool):
    """What the desk does with the copy of an ended hold."""
    if next_hold is not None and next_hold.item is not None:
        return _l("The copy %(barcode)s stays on the hold shelf, now for %(name)s (card %(hint)s).",
                  barcode=next_hold.item.barcode, name=next_hold.patron.first_name,
                  hint="•••" + next_hold.patron.card_number[-3:])
    if had_copy:
        return _l("Nobody else waits for this title: put the copy back on the shelf.")
    return None


@bp.get("/holds")
def holds_page():
    return _holds_page()[0]


@bp.post("/holds/expire")
def expire_holds():
    """End every hold past its pickup day (the copies pass on), as ``flask expire-holds`` does."""
    def expire(session):
        done = holds.expire(session, _policy())
        for expired, nxt in done:
            access.audit(session, "hold.expire", "hold", expired.id, card=expired.patron.card_number,
                         barcode=expired.item.barcode if expired.item else None,
                         passed_to=nxt.patron.card_number if nxt else None)
        return len(done), sum(1 for _, nxt in done if nxt is not None)

    ended, passed = write(expire)
    return _holds_page(done=_l("%(num)s hold(s) past their pickup day ended; %(passed)s copy(ies) passed to "
                               "the next member, the others go back to the shelf.", num=ended, passed=passed))


@bp.post("/holds/<int:hold_id>/cancel")
def cancel_hold(hold_id: int):
    """Cancel a hold (a member's request at the desk); back to the member's page or the hold shelf."""
    def cancel(session):
        hold = session.get(Hold, hold_id) if hold_id < 2**31 else None
        if hold is None or hold.ended_at is not None:
            raise HoldGone()
        had_copy, barcode = hold.item_id is not None, hold.item.barcode if hold.item else None
        nxt = holds.end(session, hold, "cancelled", _policy())
        access.audit(session, "hold.cancel", "hold", hold.id, card=hold.patron.card_number, book=hold.book_id,
                     barcode=barcode, passed_to=nxt.patron.card_number if nxt else None)
        return hold.patron_id, _passed_on(nxt, had_copy)

    try:
        patron_id, said = write(cancel)
    except HoldGone as exc:
        return _holds_page(error=exc, status=exc.status)
    done = _l("The hold is cancelled.") if said is None else _l("The hold is cancelled. %(what)s", what=said)
    if request.form.get("back") == "member":
        return member_page(_patron(patron_id), done=done)
    return _holds_page(done=done)


@bp.post("/holds/<int:hold_id>/arrived")
def hold_arrived(hold_id: int):
    """A copy sent for a hold reached this library: on the hold shelf, the pickup days start now."""
    def arrive(session):
        hold = session.get(Hold, hold_id) if hold_id < 2**31 else None
        if hold is None or hold.ended_at is not None or not holds.in_transit(hold):
            raise HoldGone()
        holds.arrived(session, hold, _policy())
        access.audit(session, "hold.arrived", "hold", hold.id, card=hold.patron.card_number,
                     barcode=hold.item.barcode if hold.item else None)
        return hold.patron.first_name

    try:
        name = write(arrive)
    except HoldGone as exc:
        return _holds_page(error=exc, status=exc.status)
    return _holds_page(done=_l("Arrived: put it on the hold shelf for %(name)s.", name=name))


@bp.post("/members/<int:patron_id>/holds")
def place_hold(patron_id: int):
    """Reserve a title for this member, through the circulation backend (its rules and refusals)."""
    patron = _patron(patron_id)
    text = request.form.get("book", "")
    backend = get_backend()
    pickup = (request.form.get("pickup_library") or "").strip()

    def reserve(session):
        book = _book_for(session, text)
        where = get_library(session, pickup).id if pickup else patron.home_library_id
        hold = reserve_for(backend, session, patron.card_number, book.id, where)
        access.audit(session, "hold.place", "patron", patron.id, card=patron.card_number, book=book.id)
        return hold

    try:
        hold = write(reserve)
    except errors.PindaiError as exc:
        return member_page(_patron(patron_id), exc, exc.status, hold_text=text)
    position = hold.get("position")
    return member_page(_patron(patron_id), done=_l(
        "Reserved: %(title)s. Place in the queue: %(position)s.", title=hold.get("title", ""),
        position=position if position is not None else "-"))
