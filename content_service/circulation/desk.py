"""The circulation desk in the staff portal (``/staff/desk``): members.

Search a member by name or card, open their page (loans with due dates,
holds, fines, blocks), and change what the desk controls: block and
unblock, lift a PIN lock, lost card and a new card number, a new PIN,
fines paid; import the member list (the CSV ``flask import-patrons``
takes). Loans, closed days and loan rules are ``desk_loans``; holds and
the hold shelf ``desk_holds``.

The portal guards only its own blueprint, so this one has a guard built
from the portal's parts (as the events and SIP2 pages do): librarians and
admins; CSRF on every form; every change in the audit log. The changes
themselves are ``operations``, shared with the operator commands."""
from __future__ import annotations

import io

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import errors
from ..db import get_session
from ..libraries import all_libraries
from ..staff import access
from ..clock import utcnow
from . import calendar, local, operations
from .models import PATRON_CATEGORIES, Patron
from .patrons import import_patrons

bp = Blueprint("circulation_desk", __name__, url_prefix="/staff/desk")

CATEGORY_WORDS = {"child": _l("Child"), "adult": _l("Adult"), "student": _l("Student"), "staff": _l("Staff member")}
BACKEND_NOTES = {
    "local": _l("Circulation runs on this database (local backend): loans, members and rules are kept here."),
    "sip2": _l("Circulation runs on the library system over SIP2: checkouts and returns here go to it, and "
               "are queued while it is away (see the SIP2 queue). Members, loans and rules on these pages are "
               "only those kept in Pindai."),
    "slims": _l("Circulation runs on SLiMS: checkouts and returns here are written into SLiMS's own loan "
                "table, under SLiMS's rules. Members, loans and rules on these pages are only those kept in "
                "Pindai."),
}
# What a member page says after each change (a key in the address, never free text).
DONE = {
    "blocked": _l("Borrowing is suspended on this card."),
    "unblocked": _l("The block is lifted."),
    "unlocked": _l("The PIN lock is lifted."),
    "lost": _l("The card is marked lost: kiosks refuse it."),
    "found": _l("The card is marked found again."),
    "new_card": _l("The member has a new card number; the old one no longer works."),
    "pin": _l("The new PIN is saved."),
    "paid": _l("The payment is recorded."),
    "fines": _l("The fines owed are changed."),
}
MAX_IMPORT_BYTES = 5 * 1024 * 1024


access.guard(bp, "catalogue")  # librarians and admins; names, cards and phone numbers


@bp.app_template_global()
def desk_category(value: str) -> str:
    return str(CATEGORY_WORDS.get(value, value))


@bp.app_template_global()
def due_date(moment):
    """The local (WIB) date a loan is due."""
    return calendar.due_date(moment)


@bp.app_template_global()
def is_overdue(loan, now) -> bool:
    return calendar.as_utc(loan.due_at) < now


def backend_note() -> str:
    name = current_app.config.get("CIRCULATION", "local")
    return str(BACKEND_NOTES.get(name, BACKEND_NOTES["local"]))


def _max_fines() -> int:
    return int(current_app.config["CIRCULATION_MAX_FINES"])


def _patron(patron_id: int) -> Patron:
    patron = get_session().get(Patron, patron_id)
    if patron is None:
        raise errors.NotFound()
    return patron


def _amount(name: str) -> int:
    """Whole rupiah from a form field ("75.000", "75000", "Rp75.000")."""
    text = (request.form.get(name) or "").strip().removeprefix("Rp").strip().replace(".", "").replace(",", "")
    if not text.isdigit() or len(text) > 12:
        raise operations.DeskRefusal(_l("Enter an amount in whole rupiah, e.g. 75.000."))
    return int(text)


@bp.get("")
def members():
    session = get_session()
    query = request.args.get("q", "").strip()
    found = operations.search_members(session, query) if query else []
    return render_template("circulation/desk/members.html", query=query, found=found, report=None,
                           note=backend_note())


def member_page(patron: Patron, error=None, status: int = 200, done=None, hold_text: str = ""):
    """A member's page; ``done`` says what was just done (else the ``done`` key in the address)."""
    from .desk_holds import member_holds

    session = get_session()
    now = utcnow()
    done = done or DONE.get(request.args.get("done", ""))
    return render_template(
        "circulation/desk/member.html", patron=patron, loans=local.open_loans(session, patron), now=now,
        holds=member_holds(session, patron), blocks=local.blocks(session, patron, _max_fines(), now),
        locked_until=operations.locked_until(patron, now), max_fines=_max_fines(), error=error,
        done=done, categories=PATRON_CATEGORIES, note=backend_note(), hold_text=hold_text,
        libraries=all_libraries(session)), status


@bp.get("/members/<int:patron_id>")
def member(patron_id: int):
    return member_page(_patron(patron_id))


@bp.get("/card")
def by_card():
    """Straight to a member's page from a scanned or typed card number."""
    try:
        patron = operations.member(get_session(), request.args.get("card"))
    except errors.PindaiError as exc:
        return render_template("circulation/desk/members.html", query=request.args.get("card", ""), found=[],
                               report=None, note=backend_note(), error=exc), exc.status
    return redirect(url_for(".member", patron_id=patron.id))


def _change(patron_id: int, action: str, done: str, change, **detail):
    """Apply ``change(patron)`` to one member, audit it, commit, and go back to their page."""
    session = get_session()
    patron = _patron(patron_id)
    try:
        extra = change(patron) or {}
    except errors.PindaiError as exc:
        session.rollback()
        return member_page(_patron(patron_id), exc, exc.status)
    access.audit(session, action, "patron", patron.id, card=patron.card_number, **detail, **extra)
    session.commit()
    return redirect(url_for(".member", patron_id=patron.id, done=done), 303)


@bp.post("/members/<int:patron_id>/block")
def block(patron_id: int):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return member_page(_patron(patron_id), operations.DeskRefusal(_l("Give the reason for the block.")), 400)
    return _change(patron_id, "patron.block", "blocked", lambda p: operations.set_block(p, reason),
                   reason=reason[:300])


@bp.post("/members/<int:patron_id>/unblock")
def unblock(patron_id: int):
    return _change(patron_id, "patron.unblock", "unblocked", lambda p: operations.set_block(p, None))


@bp.post("/members/<int:patron_id>/unlock")
def unlock(patron_id: int):
    return _change(patron_id, "patron.unlock", "unlocked", operations.unlock_pin)


@bp.post("/members/<int:patron_id>/lost")
def lost(patron_id: int):
    found_again = request.form.get("found") == "1"
    return _change(patron_id, "patron.found" if found_again else "patron.lost", "found" if found_again else "lost",
                   lambda p: operations.set_lost(p, not found_again))


@bp.post("/members/<int:patron_id>/card")
def new_card(patron_id: int):
    session = get_session()
    number = request.form.get("card_number", "")

    def change(patron):
        return {"old_card": operations.new_card(session, patron, number)}

    return _change(patron_id, "patron.new_card", "new_card", change)


@bp.post("/members/<int:patron_id>/pin")
def reset_pin(patron_id: int):
    pin, again = request.form.get("pin", ""), request.form.get("again", "")
    return _change(patron_id, "patron.pin", "pin", lambda p: operations.set_pin(p, pin, again))


@bp.post("/members/<int:patron_id>/fines")
def fines(patron_id: int):
    """``paid``: a payment (the fines go down by it); ``owed``: set the amount owed."""
    setting = "owed" in request.form
    try:
        amount = _amount("owed" if setting else "paid")
    except errors.PindaiError as exc:
        return member_page(_patron(patron_id), exc, exc.status)
    if setting:
        def set_owed(patron):
            before = patron.fines
            operations.set_fines(patron, amount)
            return {"before": before}

        return _change(patron_id, "patron.fines", "fines", set_owed, owed=amount)
    return _change(patron_id, "patron.fines_paid", "paid",
                   lambda p: {"owed_now": operations.pay_fines(p, amount)}, paid=amount)


@bp.post("/import")
def import_members():
    """The member CSV from the browser; the report lists every line that failed."""
    session = get_session()
    upload = request.files.get("file")
    error = None
    if upload is None or not upload.filename:
        error = operations.DeskRefusal(_l("Choose a CSV file to import."))
    else:
        data = upload.read(MAX_IMPORT_BYTES + 1)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if len(data) > MAX_IMPORT_BYTES:
            error = operations.DeskRefusal(_l("The file is larger than 5 MB."))
        elif text is None:
            error = operations.DeskRefusal(_l("The file is not UTF-8 text (save it as CSV UTF-8)."))
    if error is not None:
        return render_template("circulation/desk/members.html", query="", found=[], report=None,
                               note=backend_note(), error=error), error.status
    assert upload is not None and text is not None  # refused above otherwise
    report = import_patrons(session, io.StringIO(text))
    access.audit(session, "patron.import", file=(upload.filename or "")[:200], new=report.imported,
                 updated=report.updated, unchanged=report.unchanged, failed=len(report.failed))
    session.commit()
    return render_template("circulation/desk/members.html", query="", found=[], report=report, note=backend_note())


def init_app(app: Flask) -> None:
    """Called by circulation's ``init_app``: the pages and their menu entry."""
    from . import desk_holds, desk_loans  # noqa: F401  (their views join the blueprint)

    entry = ("circulation_desk.members", _l("Circulation"), "catalogue")
    if entry not in access.NAV:
        access.NAV.append(entry)
    app.register_blueprint(bp)
