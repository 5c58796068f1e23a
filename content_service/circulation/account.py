"""A member's account on the phone (``/akun``): log in with the library card
and PIN, see loans with their due dates (renew one or all), holds (the place
in the queue, or ready on the hold shelf until when; cancel), event
registrations and fines; reserve a title from its book page ("Pesan buku");
log out. Other features add their part of the page (``add_section``: the
events feature lists the member's registrations).

Everything goes through the configured circulation backend, as the kiosk's
self-checkout does, so it works on the local, SIP2 and SLiMS backends under
the same PIN lockout. The session is a ``PatronSession`` with no kiosk: a
random token in an HttpOnly cookie scoped to ``/akun``, only its hash stored,
ended after ``ACCOUNT_SESSION_MINUTES`` without use, by "Keluar", and when
the desk marks the card lost or gives a new card or PIN (``operations.end_sessions``).
Every form carries the CSRF token and the honeypot, and the login is rate
limited per address and per card (``throttle.PUBLIC_POSTS``)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, lazy_gettext as _l

from .. import errors
from ..cards import normalise_card
from ..catalogue.queries import get_book
from ..db import get_session
from ..libraries import all_libraries, get_library
from . import refusals, sessions
from .api import cancel_for, reserve_for, write
from .backends import get_backend
from .models import PatronSession

bp = Blueprint("circulation_account", __name__, url_prefix="/akun")
COOKIE = "pindai_member"

DONE = {
    "renewed": _l("Renewed."),
    "cancelled": _l("The reservation is cancelled."),
    "out": _l("You are logged out."),
}


def _minutes() -> int:
    return int(current_app.config["ACCOUNT_SESSION_MINUTES"])


def _token() -> str | None:
    token = request.cookies.get(COOKIE, "")
    return token if 20 <= len(token) <= 100 and token.isascii() else None


def _member(session) -> PatronSession:
    """This phone's live session (its idle timer restarted), or SessionRequired/SessionExpired."""
    return sessions.current_session(session, _token(), None, _minutes())


def _page(template: str, status: int = 200, **context):
    response = current_app.make_response((render_template(template, **context), status))
    # A member's loans and card: never cached, never sent on to another site, never indexed.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _login_page(error=None, status: int = 200, card: str = "", book=None, done=None):
    return _page("circulation/account/login.html", status, error=error, card=card, book=book, done=done)


def add_section(app: Flask, section) -> None:
    """Another feature's part of the account page: ``section(session, card)``
    answers ``(template, context)`` or None (events: the member's registrations)."""
    app.extensions.setdefault("pindai.account_sections", []).append(section)


def _sections(session, card: str) -> list[tuple[str, dict]]:
    found = (section(session, card) for section in current_app.extensions.get("pindai.account_sections", []))
    return [part for part in found if part is not None]


def _account_page(done=None, error=None, status: int = 200):
    backend = get_backend()

    def read(session):
        row = _member(session)
        return row.card_number, backend.status(session, row.card_number)

    try:
        card, found = write(read)
    except (refusals.SessionRequired, refusals.SessionExpired) as exc:
        response = _login_page(error=exc if _token() else None, status=401 if _token() else 200, done=done)
        response.delete_cookie(COOKIE, path=bp.url_prefix)
        return response
    return _page("circulation/account/account.html", status, status_=found, done=done, error=error,
                 sections=_sections(get_session(), card))


@bp.get("")
def account():
    return _account_page(done=DONE.get(request.args.get("done", "")))


@bp.post("/masuk")
def login():
    """Card + PIN through the backend (its lockout); then the account, or the reservation asked for."""
    form = request.form
    card_text = (form.get("card_number") or "").strip()[:64]
    book = _book(form.get("book_id"))
    card = normalise_card(card_text)
    backend = get_backend()
    try:
        if card is None:
            raise refusals.UnknownCard()
        # Outside the write: the PIN try is counted (and committed) before the PIN is compared.
        patron = backend.authenticate(get_session(), card, str(form.get("pin") or "")[:64])
        row, token = write(lambda session: sessions.open_session(session, card, patron["first_name"], None, _minutes()))
    except errors.PindaiError as exc:
        return _login_page(error=exc, status=exc.status, card=card_text, book=book)
    response = redirect(url_for(".reserve_page", book_id=book.id) if book else url_for(".account"), 303)
    response.set_cookie(COOKIE, token, max_age=_minutes() * 60 * 12, path=bp.url_prefix, httponly=True,
                        samesite="Lax", secure=_secure())
    return response


def _secure() -> bool:
    return request.is_secure or str(current_app.config.get("PUBLIC_BASE_URL", "")).startswith("https://")


def _book(value):
    text = str(value or "").strip()
    if not text.isdigit() or not 0 < int(text) < 2**31:
        return None
    try:
        return get_book(get_session(), int(text))
    except errors.PindaiError:
        return None


@bp.post("/keluar")
def logout():
    def end(session):
        row = session.get(PatronSession, sessions.digest(_token() or ""))
        if row is not None and row.kiosk_id is None and row.ended_at is None:
            sessions.end_session(row)

    write(end)
    response = redirect(url_for(".account", done="out"), 303)
    response.delete_cookie(COOKIE, path=bp.url_prefix)
    return response


@bp.post("/perpanjang")
def renew():
    """Renew one loan (``barcode``) or all (``all=1``); each refusal is said by title."""
    backend = get_backend()
    every = request.form.get("all") == "1"
    barcode = (request.form.get("barcode") or "").strip()[:64]
    if not every and not barcode:
        return _account_page(error=errors.BadRequest(_l("Choose a loan to renew.")), status=400)

    def operation(session):
        row = _member(session)
        loans = backend.status(session, row.card_number)["loans"]
        chosen = [loan for loan in loans if every or loan["barcode"] == barcode]
        if not chosen:
            raise refusals.UnknownLoan()
        results: list[tuple[dict, dict | None, refusals.Refusal | None]] = []
        for loan in chosen:
            try:
                with session.begin_nested():
                    results.append((loan, backend.renew(session, row.card_number, loan["barcode"]), None))
            except refusals.Refusal as refusal:
                results.append((loan, None, refusal))
        return results

    try:
        results = write(operation)
    except (refusals.SessionRequired, refusals.SessionExpired):
        return _account_page()
    except errors.PindaiError as exc:
        return _account_page(error=exc, status=exc.status)
    refused = [(loan, refusal) for loan, _, refusal in results if refusal is not None]
    renewed = [new for _, new, refusal in results if refusal is None]
    if not refused:
        lines = [str(_l("%(title)s (return by %(date)s)", title=new["title"], date=_date(new["due_date"])))
                 for new in renewed]
        return _account_page(done=_l("Renewed: %(titles)s.", titles=", ".join(lines)))
    status = 200 if renewed else refused[0][1].status
    return _account_page(done=_l("Renewed: %(titles)s.", titles=", ".join(new["title"] for new in renewed))
                         if renewed else None, error=_NotRenewed(refused), status=status)


class _NotRenewed(errors.PindaiError):
    """Loans a renewal refused, each by title with the backend's reason."""

    status = 409
    code = "not_renewed"

    def __init__(self, refused):
        self.refused = refused
        super().__init__(_l("Not renewed: %(reasons)s", reasons="; ".join(
            f"{loan['title']}: {refusal.message_en}" for loan, refusal in refused)))
        self._message_id = "Tidak diperpanjang: " + "; ".join(
            f"{loan['title']}: {refusal.message_id}" for loan, refusal in refused)


def _date(iso, style: str = "medium") -> str:
    """An ISO date in the page's language; a library system's own wording of a date as it is."""
    try:
        return format_date(date.fromisoformat(iso), style)
    except (TypeError, ValueError):
        return str(iso or "")


@bp.post("/pesanan/<hold_id>/batal")
def cancel_hold(hold_id: str):
    backend = get_backend()
    try:
        write(lambda session: cancel_for(backend, session, _member(session).card_number, hold_id[:64]))
    except (refusals.SessionRequired, refusals.SessionExpired):
        return _account_page()
    except errors.PindaiError as exc:
        return _account_page(error=exc, status=exc.status)
    return redirect(url_for(".account", done="cancelled"), 303)


@bp.get("/pesan/<int:book_id>")
def reserve_page(book_id: int):
    """"Pesan buku" from a book page: log in first, then confirm."""
    book = get_book(get_session(), book_id)
    try:
        write(lambda session: _member(session))
    except (refusals.SessionRequired, refusals.SessionExpired):
        return _login_page(book=book)
    return _page("circulation/account/reserve.html", book=book, libraries=_pickup_choices(book))


def _pickup_choices(book) -> list:
    """Where a reserved book may be collected: every library of the network, those holding
    a copy first (the book travels to another one first)."""
    holding = {item.library_id for item in book.items}
    libraries = all_libraries(get_session())
    return sorted(libraries, key=lambda lib: lib.id not in holding) if len(libraries) > 1 else []


@bp.post("/pesan/<int:book_id>")
def reserve(book_id: int):
    backend = get_backend()
    book = get_book(get_session(), book_id)
    pickup = (request.form.get("pickup_library") or "").strip()
    try:
        where = get_library(get_session(), pickup).id if pickup else None
        hold = write(lambda session: reserve_for(backend, session, _member(session).card_number, book.id, where))
    except (refusals.SessionRequired, refusals.SessionExpired):
        return _login_page(book=book)
    except errors.PindaiError as exc:
        return _page("circulation/account/reserve.html", exc.status, book=book, error=exc,
                     libraries=_pickup_choices(book))
    position = hold.get("position")
    return _account_page(done=_l("Reserved: %(title)s. You are number %(position)s in the queue; we tell you "
                                 "when it is ready on the hold shelf.", title=book.title, position=position)
                         if position else _l("Reserved: %(title)s.", title=book.title))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["isoday"] = _date
