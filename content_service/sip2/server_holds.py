"""Holds over SIP2 (15 -> 16) on the local backend's holds: a copy set
aside for a member, queued by the time each hold was placed.

Modes: ``+`` place a hold, ``-`` cancel the member's own hold, ``*`` change
one (Pindai keeps no pickup place or expiry per hold, so a change confirms
the hold as it is). A hold names a copy by AB, or a title by AJ (then the
copy of that title with the shortest queue).
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..circulation import calendar, local, refusals
from ..circulation.models import Hold, Loan
from ..catalogue.models import Book, Item
from . import server_text as text
from .protocol import Message
from .server_items import item_for
from .server_patrons import Context, patron_for, transaction_pin
from .server_session import Answer, echo, refuse, sip_now
from .server_session import text as field_text


def _queue(ctx: Context, item: Item) -> list[Hold]:
    return list(ctx.session.scalars(select(Hold).where(Hold.item_id == item.id, Hold.ended_at.is_(None))
                                    .order_by(Hold.placed_at, Hold.id)))


def _by_title(ctx: Context, title: str) -> Item | None:
    """The holdable copy of the one book with this exact title that has the
    shortest queue (None when no book, or several books, have this title)."""
    books = ctx.session.scalars(select(Book.id).where(Book.title == title)).all()
    if len(books) != 1:
        return None
    queue = (select(func.count()).select_from(Hold).where(Hold.item_id == Item.id, Hold.ended_at.is_(None))
             .scalar_subquery())
    return ctx.session.scalars(select(Item).where(Item.book_id == books[0], Item.status.in_(("available", "on_loan")))
                               .order_by(queue, Item.id)).first()


def hold(ctx: Context, request: Message) -> Answer:
    patron = patron_for(ctx, request)
    barcode, title = field_text(request, "AB"), field_text(request, "AJ")
    item = item_for(ctx, barcode) if barcode else (_by_title(ctx, title) if title else None)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution)
    pin = transaction_pin(ctx, patron, request)
    if pin is not None:
        return refuse(request, pin, ctx.institution)
    if item is None:
        return refuse(request, text.UnknownItem() if barcode else text.HoldNeedsItem(), ctx.institution)
    mode = request.fixed.get("hold_mode") or "+"
    mine = next((h for h in _queue(ctx, item) if h.patron_id == patron.id), None)
    if mode == "-":
        if mine is None:
            return refuse(request, text.NoSuchHold(), ctx.institution, title=item.book.title)
        mine.ended_at = calendar.utcnow()
        ctx.session.flush()
        return _answer(ctx, request, item, None, "Pesanan Anda dibatalkan.")
    if mode == "*":
        if mine is None:
            return refuse(request, text.NoSuchHold(), ctx.institution, title=item.book.title)
        return _answer(ctx, request, item, mine, "Pesanan Anda tetap tercatat.")
    found = local.blocks(ctx.session, patron, ctx.max_fines)
    if found:
        return refuse(request, found[0], ctx.institution, title=item.book.title)
    if mine is not None:
        return refuse(request, text.HoldExists(), ctx.institution, title=item.book.title)
    loan = local.open_loan_of(ctx.session, item)
    if loan is not None and loan.patron_id == patron.id:
        return refuse(request, text.HoldOnOwnLoan(), ctx.institution, title=item.book.title)
    if item.status not in ("available", "on_loan"):
        return refuse(request, refusals.NotLoanable(status=item.status), ctx.institution, title=item.book.title)
    placed = local.place_hold(ctx.session, patron, item)
    return _answer(ctx, request, item, placed, None)


def _answer(ctx: Context, request: Message, item: Item, placed: Hold | None, message: str | None) -> Answer:
    queue = _queue(ctx, item)
    on_loan = ctx.session.scalar(select(Loan.id).where(Loan.item_id == item.id, Loan.returned_at.is_(None)))
    position = next((n for n, h in enumerate(queue, 1) if placed is not None and h.id == placed.id), None)
    ready = position == 1 and on_loan is None
    answer = Answer("16", {"ok": True, "available": ready, "transaction_date": sip_now()},
                    [("AO", ctx.institution), ("AA", echo(request, "AA"))])
    if position is not None:
        answer.add("BR", str(position))
    answer.add_if("BS", field_text(request, "BS") or None)
    answer.add("AB", item.barcode).add("AJ", item.book.title)
    if message is None:
        message = ("Pesanan dicatat: buku ini bisa Anda ambil di meja layanan." if ready
                   else f"Pesanan dicatat. Antrean ke-{position}.")
    answer.add("AF", message)
    return answer
