"""Copy messages of the SIP2 server: checkout, checkin, renew, renew all,
item information, on the local circulation backend's own rules.

Contents:
- ``item_for``: the copy named by AB (with its book).
- ``media`` / ``magnetic``: SIP2 media type (CK) and the magnetic-media flag
  from the copy's loan type.
- handlers: 11 checkout (desensitise flag; renew-by-checkout when the
  machine allows it; no-block checkouts recorded as the machine did them),
  09 checkin (resensitise flag; hold shelf and sort bin when the copy fills a
  hold), 29 renew, 65 renew all, 17 item information.
Holds (15) live in ``server_holds``.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..circulation import calendar, local, refusals
from ..circulation.models import Hold, Loan, Patron
from ..catalogue.models import Item
from . import server_offline
from . import server_text as text
from .protocol import Message
from .server_patrons import Context, patron_for, transaction_pin
from .server_session import Answer, echo, refuse, sip_date_text, sip_now
from .server_session import text as field_text

# SIP2 media types (CK) for Pindai's loan types; anything else is 000 "other".
MEDIA_TYPES = {"book": "001", "buku": "001", "magazine": "002", "majalah": "002", "journal": "003",
               "jurnal": "003", "audio_tape": "004", "cassette": "004", "kaset": "004", "video_tape": "005",
               "vhs": "005", "cd": "006", "dvd": "006", "cdrom": "006", "diskette": "007"}
MAGNETIC = {"004", "005", "007"}  # tapes and diskettes: desensitisers must not touch them
CIRCULATION_STATUS = {"available": "03", "on_loan": "04", "reference": "01", "in_transit": "10",
                      "missing": "13", "withdrawn": "01"}


def item_for(ctx: Context, barcode: str) -> Item | None:
    if not barcode:
        return None
    return ctx.session.scalars(select(Item).where(Item.barcode == barcode).options(joinedload(Item.book))).first()


def media(ctx: Context, item: Item, item_type: str | None = None) -> str:
    return MEDIA_TYPES.get((item_type or local.item_type_of(ctx.session, item)).lower(), "000")


def _loan_answer(code: str, ctx: Context, request: Message, item: Item, loan: Loan, *, renewed: bool,
                 desensitize: bool, message: str, item_type: str | None = None) -> Answer:
    kind = media(ctx, item, item_type)
    answer = Answer(code, {"ok": True, "renewal_ok": renewed, "magnetic_media": kind in MAGNETIC,
                           "desensitize": desensitize, "transaction_date": sip_now()},
                    [("AO", ctx.institution), ("AA", echo(request, "AA")), ("AB", item.barcode),
                     ("AJ", item.book.title), ("AH", sip_date_text(calendar.as_utc(loan.due_at)))])
    answer.add("CI", "N").add("CK", kind).add("BK", str(loan.id)).add("AF", message)
    return answer


def _cancel(request: Message) -> bool:
    """BI=Y: the machine could not finish what it asked for just before
    (the security tag would not change, the book was not taken) and asks
    for it to be undone."""
    return (request.get("BI") or "").strip().upper() == "Y"


def _due(loan: Loan) -> str:
    return calendar.due_date(loan.due_at).strftime("%d-%m-%Y")


def checkout(ctx: Context, request: Message) -> Answer:
    """11 -> 12. Desensitise only when the loan is made; a copy the member
    already has is renewed when the machine's renewal policy (Y) allows it."""
    barcode = field_text(request, "AB")
    item = item_for(ctx, barcode)
    title = item.book.title if item else ""
    patron = patron_for(ctx, request)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution, title=title, valid_patron=False)
    if item is None:
        refusal = text.MissingItem() if not barcode else text.UnknownItem()
        return refuse(request, refusal, ctx.institution, valid_patron=True)
    pin = transaction_pin(ctx, patron, request)
    if pin is not None:
        return refuse(request, pin, ctx.institution, title=title, valid_patron=True)
    if _cancel(request):
        return server_offline.cancel_checkout(ctx, request, patron, item)
    if request.fixed.get("no_block"):
        return server_offline.checkout(ctx, request, patron, item, _loan_answer)
    session = ctx.session
    item_type = local.item_type_of(session, item)
    try:
        rule = local.rule_for(session, patron.category, item_type)
        loan = local.checkout(session, patron, item, max_fines=ctx.max_fines, rule=rule)
    except refusals.AlreadyYours as refusal:
        if not request.fixed.get("sc_renewal_policy"):
            return refuse(request, refusal, ctx.institution, title=title, valid_patron=True)
        return _renew_by_checkout(ctx, request, patron, item, item_type)
    except refusals.Refusal as refusal:
        return refuse(request, refusal, ctx.institution, title=title, valid_patron=True)
    return _loan_answer("12", ctx, request, item, loan, renewed=False, desensitize=True,
                        message=text.checked_out(_due(loan)), item_type=item_type)


def _renew_by_checkout(ctx: Context, request: Message, patron: Patron, item: Item, item_type: str) -> Answer:
    """The machine's renewal policy (Y): a copy the member already has is renewed."""
    current = local.open_loan_of(ctx.session, item)
    if current is None:  # returned between the refusal and now
        return refuse(request, refusals.UnknownLoan(), ctx.institution, title=item.book.title, valid_patron=True)
    try:
        local.renew(ctx.session, patron, current, max_fines=ctx.max_fines)
    except refusals.Refusal as refusal:
        return refuse(request, refusal, ctx.institution, title=item.book.title, valid_patron=True)
    return _loan_answer("12", ctx, request, item, current, renewed=True, desensitize=True,
                        message=text.renewed(_due(current)), item_type=item_type)


def checkin(ctx: Context, request: Message) -> Answer:
    """09 -> 10. Resensitise always; a copy that fills a hold raises the
    alert with the hold shelf's sort bin and who it is for."""
    session = ctx.session
    item = item_for(ctx, field_text(request, "AB"))
    if item is None:
        return refuse(request, text.UnknownItem() if field_text(request, "AB") else text.MissingItem(),
                      ctx.institution)
    if _cancel(request):
        return server_offline.cancel_checkin(ctx, request, item)
    kind = media(ctx, item)
    loan = local.open_loan_of(session, item)
    returned_by: Patron | None = None
    if loan is not None:
        when = server_offline.return_time(request, loan)
        loan, hold = local.checkin(session, item, now=when)
        returned_by = session.get_one(Patron, loan.patron_id)
        overdue = calendar.as_utc(loan.due_at) < when
        message = text.returned(overdue)
    else:
        hold = local.active_hold(session, item)
        message = text.screen_message(refusals.NotOnLoan())
    answer = Answer("10", {"ok": loan is not None, "resensitize": True, "magnetic_media": kind in MAGNETIC,
                           "alert": hold is not None, "transaction_date": sip_now()},
                    [("AO", ctx.institution), ("AB", item.barcode), ("AQ", item.location or ""),
                     ("AJ", item.book.title)])
    if returned_by is not None:
        answer.add("AA", returned_by.card_number)
    answer.add("CK", kind)
    if hold is not None:
        waiting = session.get_one(Patron, hold.patron_id)
        answer.add("CL", ctx.hold_bin).add("CV", "01")
        answer.add("CY", waiting.card_number).add("DA", waiting.name)
        message = text.to_hold_shelf(ctx.hold_bin) if loan is None else f"{message} {text.to_hold_shelf(ctx.hold_bin)}"
    answer.add("AF", message[:text.AF_MAX])
    return answer


def _renew_target(ctx: Context, request: Message, patron: Patron) -> Item | None:
    """AB, or else AJ: the title of one of the member's own loans."""
    barcode = field_text(request, "AB")
    if barcode or not field_text(request, "AJ"):
        return item_for(ctx, barcode)
    loans = [l for l in local.open_loans(ctx.session, patron) if l.item.book.title == field_text(request, "AJ")]
    return loans[0].item if len(loans) == 1 else None


def renew(ctx: Context, request: Message) -> Answer:
    """29 -> 30. With third party allowed (Y) a copy out to another member is
    renewed for that member, under that member's rules."""
    patron = patron_for(ctx, request)
    item = _renew_target(ctx, request, patron) if patron is not None else item_for(ctx, field_text(request, "AB"))
    title = item.book.title if item else ""
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution, title=title)
    pin = transaction_pin(ctx, patron, request)
    if pin is not None:
        return refuse(request, pin, ctx.institution, title=title)
    if item is None:
        return refuse(request, text.UnknownItem(), ctx.institution)
    loan = local.open_loan_of(ctx.session, item)
    if loan is None:
        return refuse(request, refusals.UnknownLoan(), ctx.institution, title=title)
    owner = patron
    if loan.patron_id != patron.id:
        if not request.fixed.get("third_party_allowed"):
            return refuse(request, refusals.UnknownLoan(), ctx.institution, title=title)
        owner = ctx.session.get_one(Patron, loan.patron_id)
    if request.fixed.get("no_block"):
        server_offline.renew(ctx, request, loan)
    else:
        try:
            local.renew(ctx.session, owner, loan, max_fines=ctx.max_fines)
        except refusals.Refusal as refusal:
            return refuse(request, refusal, ctx.institution, title=title)
    return _loan_answer("30", ctx, request, item, loan, renewed=True, desensitize=False,
                        message=text.renewed(_due(loan)))


def renew_all(ctx: Context, request: Message) -> Answer:
    """65 -> 66: every loan of the member, each renewed or listed as not
    renewed (the first reason in the screen message)."""
    patron = patron_for(ctx, request)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution)
    pin = transaction_pin(ctx, patron, request)
    if pin is not None:
        return refuse(request, pin, ctx.institution)
    renewed, unrenewed, reasons = [], [], []
    for loan in local.open_loans(ctx.session, patron):
        try:
            with ctx.session.begin_nested():
                local.renew(ctx.session, patron, loan, max_fines=ctx.max_fines)
            renewed.append(loan.item.barcode)
        except refusals.Refusal as refusal:
            unrenewed.append(loan.item.barcode)
            reasons.append(refusal)
    answer = Answer("66", {"ok": True, "renewed_count": len(renewed), "unrenewed_count": len(unrenewed),
                           "transaction_date": sip_now()}, [("AO", ctx.institution)])
    for barcode in renewed:
        answer.add("BM", barcode)
    for barcode in unrenewed:
        answer.add("BN", barcode)
    summary = f"{len(renewed)} buku diperpanjang, {len(unrenewed)} tidak."
    if reasons:
        summary += " " + text.screen_message(reasons[0])
    answer.add("AF", summary[:text.AF_MAX])
    return answer


def item_information(ctx: Context, request: Message) -> Answer:
    """17 -> 18: where the copy is and whether it can be borrowed."""
    session = ctx.session
    item = item_for(ctx, field_text(request, "AB"))
    if item is None:
        return refuse(request, text.UnknownItem() if field_text(request, "AB") else text.MissingItem(),
                      ctx.institution)
    loan = local.open_loan_of(session, item)
    queue = session.scalar(select(func.count()).select_from(Hold).where(Hold.item_id == item.id,
                                                                        Hold.ended_at.is_(None))) or 0
    status = "04" if loan is not None else CIRCULATION_STATUS.get(item.status, "01")
    if status == "03" and queue:
        status = "08"  # on the hold shelf, waiting for the member it is set aside for
    answer = Answer("18", {"circulation_status": status, "security_marker": ctx.security_marker,
                           "fee_type": "01", "transaction_date": sip_now()},
                    [("AB", item.barcode), ("AJ", item.book.title)])
    if queue:
        answer.add("CF", str(queue))
    if loan is not None:
        answer.add("AH", sip_date_text(calendar.as_utc(loan.due_at)))
        message = f"Sedang dipinjam sampai {_due(loan)}."
    elif status == "08":
        message = "Buku ini sedang dipesan anggota lain."
    elif item.status == "available":
        message = f"Tersedia di {item.location}." if item.location else "Tersedia."
    else:
        message = "Buku ini tidak dapat dipinjam saat ini."
    answer.add("BG", ctx.institution).add("CK", media(ctx, item))
    answer.add_if("AQ", item.location).add_if("AP", item.location)
    answer.add_if("CS", item.call_number or item.book.call_number)
    answer.add("AF", message[:text.AF_MAX])
    return answer

