"""Patron messages of the SIP2 server, on the local circulation backend.

Contents:
- ``Context``: what every handler gets (the message's session, the machine,
  the fines limit, the hold-shelf sort bin).
- ``patron_for`` / ``pin_refusal``: the member named by AA, and the check of
  the PIN in AD through ``circulation.local.authenticate`` (so wrong PINs
  count towards the same 5-tries lock as at a kiosk).
- ``status_flags``: the 14-character patron status from the local rules.
- handlers: 23 patron status, 63 patron information, 01 block patron,
  25 patron enable, 35 end patron session.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..circulation import calendar, local, refusals
from ..circulation.models import Hold, Loan, Patron
from ..circulation.patrons import find_patron, normalise_card
from ..catalogue.models import Item
from . import server_text as text
from .protocol import Message
from .server_session import CURRENCY, Answer, MachineSession, echo, fee, refuse, sip_now
from .server_session import text as field_text

# A block set by a machine's 01 message starts with this, so 25 (patron
# enable) lifts only blocks a machine set, never one set by staff.
MACHINE_BLOCK = "Diblokir oleh mesin layanan mandiri"


@dataclass
class Context:
    session: Session
    machine: MachineSession
    max_fines: int
    hold_bin: str = "RAK PESANAN"
    security_marker: str = "02"  # 18 answers: 02 = tattle-tape / RFID security on the copy

    @property
    def institution(self) -> str:
        return self.machine.institution


def patron_for(ctx: Context, request: Message) -> Patron | None:
    card = normalise_card(request.get("AA") or "")
    return find_patron(ctx.session, card) if card else None


def pin_refusal(ctx: Context, patron: Patron, request: Message) -> refusals.Refusal | None:
    """None when AD is absent or holds the patron's PIN; else why not. An
    empty AD (many machines send "AD|" when they asked for no PIN) is no PIN
    at all: it is not counted as a wrong one."""
    if "AD" not in request:
        return None
    pin = request.get("AD") or ""
    if not pin:
        return text.PinRequired()
    try:
        local.authenticate(ctx.session, patron.card_number, pin)
    except refusals.Refusal as refusal:
        return refusal
    return None


def transaction_pin(ctx: Context, patron: Patron, request: Message) -> refusals.Refusal | None:
    """For checkouts, renewals, holds: a PIN is checked when one is sent;
    none (or an empty AD) leaves the member to the machine's own login step."""
    if not (request.get("AD") or ""):
        return None
    return pin_refusal(ctx, patron, request)


def status_flags(ctx: Context, patron: Patron) -> tuple[str, list[refusals.Refusal]]:
    """The patron status (Y = the condition holds) and the reasons behind it."""
    found = local.blocks(ctx.session, patron, ctx.max_fines)
    limit = local.loan_limit_reached(ctx.session, patron)
    codes = {b.code for b in found}
    flags = [" "] * 14
    if found or limit:
        flags[0] = "Y"  # charge privileges denied
    if found:
        flags[1] = flags[2] = flags[3] = "Y"  # renewal, recall, hold privileges denied
    if "card_lost" in codes:
        flags[4] = "Y"
    if limit:
        flags[5] = "Y"  # too many items charged
    if "fines_too_high" in codes:
        flags[10] = "Y"
    return "".join(flags), [*found, *([limit] if limit else [])]


def _patron_fields(ctx: Context, patron: Patron, request: Message, pin: refusals.Refusal | None,
                   reasons: list[refusals.Refusal]) -> list[tuple[str, str]]:
    fields = [("AO", ctx.institution), ("AA", echo(request, "AA")), ("AE", patron.name), ("BL", "Y")]
    if "AD" in request:
        fields.append(("CQ", "N" if pin else "Y"))
    fields += [("BH", CURRENCY), ("BV", fee(patron.fines))]
    shown = _shown(pin, reasons)
    fields.append(("AF", text.screen_message(shown) if shown else text.welcome(patron.first_name)))
    return fields


def _shown(pin: refusals.Refusal | None, reasons: list[refusals.Refusal]) -> refusals.Refusal | None:
    """What the screen says: a wrong PIN first, then why the member cannot
    borrow (an empty AD only answers CQ=N: the machine asked for no PIN)."""
    if pin is not None and pin.code != "sip2_pin_required":
        return pin
    return reasons[0] if reasons else None


def patron_status(ctx: Context, request: Message) -> Answer:
    """23 -> 24: the member's standing (also the answer to 01)."""
    patron = patron_for(ctx, request)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution)
    pin = pin_refusal(ctx, patron, request)
    flags, reasons = status_flags(ctx, patron)
    return Answer("24", {"patron_status": flags, "language": request.fixed.get("language") or "000",
                         "transaction_date": sip_now()}, _patron_fields(ctx, patron, request, pin, reasons))


def _page(values: list[str], request: Message) -> list[str]:
    """BP/BQ: the 1-based first and last item of a list the machine asked for."""
    try:
        start = max(1, int(request.get("BP") or 1))
        end = int(request.get("BQ") or len(values))
    except ValueError:
        start, end = 1, len(values)
    return values[start - 1:end]


def patron_information(ctx: Context, request: Message) -> Answer:
    """63 -> 64: standing, counts, limits, contact details and the item
    list the summary asks for (holds ready, overdue, charged, unavailable holds)."""
    patron = patron_for(ctx, request)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution)
    session = ctx.session
    pin = pin_refusal(ctx, patron, request)
    flags, reasons = status_flags(ctx, patron)
    now = calendar.utcnow()
    loans = local.open_loans(session, patron)
    overdue = [loan for loan in loans if calendar.as_utc(loan.due_at) < now]
    holds = _holds(session, patron)
    ready = [barcode for barcode, is_ready in holds if is_ready]
    waiting = [barcode for barcode, is_ready in holds if not is_ready]
    lists = {"AS": ready, "AT": [l.item.barcode for l in overdue], "AU": [l.item.barcode for l in loans],
             "AV": [], "BU": [], "CD": waiting}
    summary = str(request.fixed.get("summary") or "")
    wanted = next((fid for pos, fid in enumerate(("AS", "AT", "AU", "AV", "BU", "CD"))
                   if pos < len(summary) and summary[pos] == "Y"), None)
    answer = Answer("64", {
        "patron_status": flags, "language": request.fixed.get("language") or "000", "transaction_date": sip_now(),
        "hold_items_count": len(ready), "overdue_items_count": len(overdue), "charged_items_count": len(loans),
        "fine_items_count": 0, "recall_items_count": 0, "unavailable_holds_count": len(waiting),
    }, [("AO", ctx.institution), ("AA", echo(request, "AA")), ("AE", patron.name)])
    rule = local.rule_for(session, patron.category, "book")
    answer.add("CB", f"{min(rule.max_loans, 9999):04d}")
    answer.add("BL", "Y")
    if "AD" in request:
        answer.add("CQ", "N" if pin else "Y")
    answer.add("BH", CURRENCY).add("BV", fee(patron.fines)).add("CC", fee(ctx.max_fines))
    if wanted:
        for barcode in _page(lists[wanted], request):
            answer.add(wanted, barcode)
    answer.add_if("BE", patron.email).add_if("BF", patron.phone)
    answer.add_if("PA", patron.expires_on.strftime("%Y%m%d") if patron.expires_on else None)
    answer.add("PC", patron.category).add("AQ", ctx.institution)
    shown = _shown(pin, reasons)
    greeting = text.welcome(patron.first_name)
    if overdue:
        greeting += f" {len(overdue)} buku Anda sudah lewat tanggal kembali."
    answer.add("AF", text.screen_message(shown) if shown else greeting)
    return answer


def _holds(session: Session, patron: Patron) -> list[tuple[str, bool]]:
    """The member's open holds as (barcode, ready): ready when the copy is
    not on loan and the member is first in its queue."""
    rows = session.execute(select(Hold, Item).join(Item, Item.id == Hold.item_id)
                           .where(Hold.patron_id == patron.id, Hold.ended_at.is_(None))
                           .order_by(Hold.placed_at, Hold.id)).all()
    out = []
    for hold, item in rows:
        first = local.active_hold(session, item)
        on_loan = session.scalar(select(Loan.id).where(Loan.item_id == item.id, Loan.returned_at.is_(None)))
        out.append((item.barcode, first is not None and first.id == hold.id and on_loan is None))
    return out


def block_patron(ctx: Context, request: Message) -> Answer:
    """01 -> 24: a machine blocks the card (e.g. a kept card, misuse); the
    block shows at the desk with the machine's login and its reason."""
    patron = patron_for(ctx, request)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution)
    retained = " (kartu ditahan mesin)" if request.fixed.get("card_retained") else ""
    reason = field_text(request, "AL") or "tanpa alasan"
    patron.staff_block = f"{MACHINE_BLOCK} {ctx.machine.login}{retained}: {reason}"[:300]
    ctx.session.flush()
    return patron_status(ctx, Message("23", dict(request.fixed), [(k, v) for k, v in request.fields if k != "AD"]))


def patron_enable(ctx: Context, request: Message) -> Answer:
    """25 -> 26: lift a block a machine set (with a right PIN when AD is sent)."""
    patron = patron_for(ctx, request)
    if patron is None:
        return refuse(request, refusals.UnknownCard(), ctx.institution)
    pin = pin_refusal(ctx, patron, request)
    if pin is None and (patron.staff_block or "").startswith(MACHINE_BLOCK):
        patron.staff_block = None
        ctx.session.flush()
    flags, reasons = status_flags(ctx, patron)
    fields = [f for f in _patron_fields(ctx, patron, request, pin, reasons) if f[0] not in ("BH", "BV")]
    return Answer("26", {"patron_status": flags, "language": request.fixed.get("language") or "000",
                         "transaction_date": sip_now()}, fields)


def end_session(ctx: Context, request: Message) -> Answer:
    """35 -> 36: nothing is held per member between messages; say goodbye."""
    return Answer("36", {"end_session": True, "transaction_date": sip_now()},
                  [("AO", ctx.institution), ("AA", echo(request, "AA")), ("AF", text.goodbye())])
