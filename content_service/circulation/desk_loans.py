"""The circulation desk in the staff portal: loans, closed days and loan rules.

Check a copy out to a member (card + item barcode) and check copies in by
barcode, through the configured circulation backend exactly as a kiosk
would (so on SIP2 or SLiMS the library system records them); the overdue
list, with a CSV; the days the library is closed and the loan rules (what
``flask closed-days`` and ``flask loan-rules`` do, through ``operations``).
The blueprint, its guard and the member pages are ``desk``."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import errors
from ..cards import normalise_card
from ..clock import local_today
from ..db import get_session
from ..staff import access
from . import calendar, operations, refusals
from .api import item_barcode, write
from .backends import get_backend
from .desk import backend_note, bp
from .models import PATRON_CATEGORIES

ACTIONS = ("checkout", "checkin")


def _loans_page(result=None, action: str | None = None, error=None, status: int = 200, card: str = ""):
    try:
        due = date.fromisoformat(result["due_date"]) if result and result.get("due_date") else None
    except (TypeError, ValueError):  # a library system's own wording of the date
        due = None
    return render_template("circulation/desk/loans.html", result=result, action=action, error=error, due=due,
                           card=card, note=backend_note(),
                           backend=current_app.config.get("CIRCULATION", "local")), status


@bp.get("/loans")
def loans():
    return _loans_page(card=request.args.get("card", ""))[0]


@bp.post("/loans")
def loan_action():
    """``action=checkout`` (card + barcode) or ``action=checkin`` (barcode)."""
    action = request.form.get("action", "")
    card_text = (request.form.get("card") or "").strip()
    payload = (request.form.get("barcode") or "").strip()
    if action not in ACTIONS:
        return _loans_page(error=errors.BadRequest(_l("Choose check out or check in.")), status=400)
    if not payload:
        return _loans_page(error=operations.DeskRefusal(_l("Scan or type the copy's barcode.")), status=400,
                           card=card_text, action=action)
    backend = get_backend()
    try:
        barcode = item_barcode(get_session(), payload)
        if action == "checkout":
            card = normalise_card(card_text)
            if card is None:
                raise refusals.UnknownCard()

            def lend(session):
                loan = backend.checkout(session, card, barcode, None)
                access.audit(session, "loan.checkout", "item", None, card=card, barcode=barcode,
                             due=loan.get("due_date"), queued=bool(loan.get("queued")))
                return loan

            result = write(lend)
        else:
            def give_back(session):
                answer = backend.checkin(session, barcode)
                access.audit(session, "loan.checkin", "item", None, barcode=barcode,
                             repaired=bool(answer.get("repaired")), hold_shelf=bool(answer.get("to_hold_shelf")))
                return answer

            result = write(give_back)
    except errors.PindaiError as exc:
        return _loans_page(error=exc, status=exc.status, card=card_text, action=action)
    # A checkout keeps the card in the form: the next book for the same member is one scan.
    return _loans_page(result=result, action=action, card=card_text if action == "checkout" else "")


@bp.get("/overdue")
def overdue():
    rows = operations.overdue_loans(get_session())
    return render_template("circulation/desk/overdue.html", rows=rows, note=backend_note())


def _cell(value):
    # A title such as "=HYPERLINK(...)" must stay text when a spreadsheet opens the file.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/overdue.csv")
def overdue_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("card_number", "name", "phone", "email", "barcode", "title", "due_date", "days_overdue",
                     "fines"))
    for row in operations.overdue_loans(get_session()):
        writer.writerow([_cell(v) for v in (
            row.patron.card_number, row.patron.name, row.patron.phone or "", row.patron.email or "",
            row.item.barcode, row.item.book.title, calendar.due_date(row.loan.due_at).isoformat(),
            row.days, row.patron.fines)])
    name = f"pindai-overdue-{local_today().isoformat()}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",  # BOM: Excel opens UTF-8 names correctly
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- closed days --------------------------------------------------------------

def _closed_page(error=None, status: int = 200):
    session = get_session()
    done = {"added": _l("The closed days are saved."), "removed": _l("The day is open again.")}.get(
        request.args.get("done", ""))
    return render_template("circulation/desk/closed_days.html", days=operations.upcoming_closed_days(session),
                           error=error, done=done), status


@bp.get("/closed-days")
def closed_days():
    return _closed_page()


@bp.post("/closed-days")
def add_closed_days():
    session = get_session()
    form = request.form
    try:
        days = operations.days_between(form.get("first", ""), form.get("last") or None)
        added = operations.close_days(session, days, form.get("reason"))
    except errors.PindaiError as exc:
        session.rollback()
        return _closed_page(exc, exc.status)
    access.audit(session, "closed_day.add", first=days[0].isoformat(), last=days[-1].isoformat(), added=added,
                 reason=(form.get("reason") or "").strip()[:200] or None)
    session.commit()
    return redirect(url_for(".closed_days", done="added"), 303)


@bp.post("/closed-days/remove")
def remove_closed_day():
    session = get_session()
    try:
        day = operations.parse_day(request.form.get("day", ""))
    except errors.PindaiError as exc:
        return _closed_page(exc, exc.status)
    if operations.open_days(session, [day]):
        access.audit(session, "closed_day.remove", day=day.isoformat())
        session.commit()
    return redirect(url_for(".closed_days", done="removed"), 303)


# --- loan rules -----------------------------------------------------------------

def _rules_page(error=None, status: int = 200):
    session = get_session()
    done = {"saved": _l("The loan rule is saved."), "removed": _l("The loan rule is removed.")}.get(
        request.args.get("done", ""))
    return render_template("circulation/desk/loan_rules.html", rules=operations.loan_rules(session),
                           defaults=operations.default_rules(), categories=PATRON_CATEGORIES, error=error,
                           done=done), status


@bp.get("/loan-rules")
def loan_rules():
    return _rules_page()


def _whole(name: str) -> int:
    text = (request.form.get(name) or "").strip()
    if not text.isdigit() or len(text) > 6:
        raise operations.DeskRefusal(_l("Loan days, the loan limit and renewals are whole numbers."))
    return int(text)


@bp.post("/loan-rules")
def set_loan_rule():
    session = get_session()
    form = request.form
    try:
        rule = operations.set_loan_rule(session, form.get("category", ""), form.get("item_type", ""),
                                        _whole("loan_days"), _whole("max_loans"), _whole("max_renewals"))
    except errors.PindaiError as exc:
        session.rollback()
        return _rules_page(exc, exc.status)
    access.audit(session, "loan_rule.set", "loan_rule", rule.id, category=rule.patron_category,
                 item_type=rule.item_type, loan_days=rule.loan_days, max_loans=rule.max_loans,
                 max_renewals=rule.max_renewals)
    session.commit()
    return redirect(url_for(".loan_rules", done="saved"), 303)


@bp.post("/loan-rules/<int:rule_id>/remove")
def remove_loan_rule(rule_id: int):
    session = get_session()
    rule = operations.remove_loan_rule(session, rule_id)
    access.audit(session, "loan_rule.remove", "loan_rule", rule_id, category=rule.patron_category,
                 item_type=rule.item_type)
    session.commit()
    return redirect(url_for(".loan_rules", done="removed"), 303)
