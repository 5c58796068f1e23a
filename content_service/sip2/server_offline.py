"""No-block transactions: what a self-check machine did while Pindai was
out of reach, replayed with its own dates (SIP2's no-block flag Y).

The machine has already lent or returned the book, so Pindai records the
fact rather than deciding it: member blocks and limits do not apply, but one
open loan per copy still does (the database enforces it). A replay of a
checkout already recorded for the same member answers yes again, so a
machine that lost the answer can safely send it twice.

Cancellations (BI=Y) undo what a machine could not finish: a checkout
whose security tag would not change, a checkin whose book was not taken.

Contents: ``checkout``, ``renew``, ``return_time``, ``cancel_checkout``,
``cancel_checkin``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..circulation import calendar, local, refusals
from ..circulation.models import Loan, Patron
from ..catalogue.models import Item
from . import server_text as text
from .protocol import Message
from .server_session import Answer, echo, from_sip_date, refuse, sip_now


def _when(value: datetime | None, *, not_before: datetime | None = None) -> datetime:
    """A machine's date as UTC, never in the future (clocks drift), never
    before ``not_before``; now when the machine sent none."""
    now = calendar.utcnow()
    moment = min(from_sip_date(value) or now, now)
    if not_before is not None:
        moment = max(moment, calendar.as_utc(not_before))
    return moment


def checkout(ctx, request: Message, patron: Patron, item: Item, answer: Callable[..., Answer]) -> Answer:
    session = ctx.session
    current = local.open_loan_of(session, item)
    if current is not None:
        if current.patron_id != patron.id:
            return refuse(request, text.OfflineConflict(), ctx.institution, title=item.book.title, valid_patron=True)
        return answer("12", ctx, request, item, current, renewed=False, desensitize=True,
                      message=text.checked_out(calendar.due_date(current.due_at).strftime("%d-%m-%Y")))
    when = _when(request.fixed.get("transaction_date"))
    due = from_sip_date(request.fixed.get("nb_due_date"))
    if due is None or due <= when:
        rule = local.rule_for(session, patron.category, local.item_type_of(session, item))
        due = calendar.due_at(session, calendar.local_today(when), rule.loan_days)
    hold = local.active_hold(session, item)
    if hold is not None and hold.patron_id == patron.id:
        hold.ended_at = when
    loan = Loan(item_id=item.id, patron_id=patron.id, checked_out_at=when, due_at=due)
    item.status = "on_loan"
    session.add(loan)
    session.flush()
    return answer("12", ctx, request, item, loan, renewed=False, desensitize=True,
                  message=text.checked_out(calendar.due_date(due).strftime("%d-%m-%Y")))


def renew(ctx, request: Message, loan: Loan) -> None:
    """A renewal the machine granted offline: its due date (or the rule's)."""
    session = ctx.session
    patron = session.get_one(Patron, loan.patron_id)
    when = _when(request.fixed.get("transaction_date"), not_before=loan.checked_out_at)
    due = from_sip_date(request.fixed.get("nb_due_date"))
    if due is None or due <= when:
        rule = local.rule_for(session, patron.category, local.item_type_of(session, loan.item))
        due = calendar.due_at(session, calendar.local_today(when), rule.loan_days)
    loan.due_at = max(due, calendar.as_utc(loan.due_at))
    loan.renewals += 1
    session.flush()


def return_time(request: Message, loan: Loan) -> datetime:
    """When a copy came back: the machine's return date for a no-block
    checkin (the book drop was offline), else now."""
    if not request.fixed.get("no_block"):
        return calendar.utcnow()
    return _when(request.fixed.get("return_date"), not_before=loan.checked_out_at)


# How long after a checkin a machine may still cancel it (BI=Y).
CANCEL_WINDOW = timedelta(minutes=30)


def cancel_checkout(ctx, request: Message, patron: Patron, item: Item) -> Answer:
    """11 with BI=Y: the member's loan of this copy ends as if it had not
    been made (the copy is back on the shelf; a hold it fulfilled is not
    reopened: the member is standing there with it)."""
    loan = local.open_loan_of(ctx.session, item)
    if loan is None or loan.patron_id != patron.id:
        return refuse(request, refusals.UnknownLoan(), ctx.institution, title=item.book.title, valid_patron=True)
    local.checkin(ctx.session, item)
    answer = Answer("12", {"ok": True, "renewal_ok": False, "magnetic_media": None, "desensitize": False,
                           "transaction_date": sip_now()},
                    [("AO", ctx.institution), ("AA", echo(request, "AA")), ("AB", item.barcode),
                     ("AJ", item.book.title), ("AH", "")])
    return answer.add("AF", "Peminjaman dibatalkan. Silakan coba lagi atau bawa buku ke meja layanan.")


def cancel_checkin(ctx, request: Message, item: Item) -> Answer:
    """09 with BI=Y: the copy's last loan, closed moments ago, is open again."""
    session = ctx.session
    loan = session.scalars(select(Loan).where(Loan.item_id == item.id).order_by(Loan.id.desc())).first()
    recent = loan is not None and loan.returned_at is not None and \
        calendar.as_utc(loan.returned_at) > calendar.utcnow() - CANCEL_WINDOW
    if not recent or local.open_loan_of(session, item) is not None:
        return refuse(request, refusals.NotOnLoan(_l("No recent return of this copy to cancel.")),
                      ctx.institution, title=item.book.title)
    loan.returned_at = None
    item.status = "on_loan"
    session.flush()
    patron = session.get_one(Patron, loan.patron_id)
    answer = Answer("10", {"ok": True, "resensitize": False, "magnetic_media": None, "alert": False,
                           "transaction_date": sip_now()},
                    [("AO", ctx.institution), ("AB", item.barcode), ("AQ", item.location or ""),
                     ("AJ", item.book.title), ("AA", patron.card_number)])
    return answer.add("AF", "Pengembalian dibatalkan: buku masih tercatat dipinjam.")
