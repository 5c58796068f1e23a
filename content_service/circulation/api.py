"""Self-checkout for kiosks: ``/api/v1/circulation/...`` (kiosk key required).

A member logs in with card + PIN and gets a session token, sent back as
``X-Patron-Session``; returning a book needs no login. Views parse, call the
configured backend, and commit once; every refusal is a 4xx with a code."""
from __future__ import annotations

import re
from contextlib import contextmanager

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import codes, db, errors, kiosks, outbox
from ..cards import normalise_card
from ..db import get_session
from ..libraries import get_library
from ..catalogue import shapes
from ..catalogue.models import Item
from ..codes.qr import qr_svg
from ..codes.resolve import resolve
from . import refusals, sessions
from .patrons import find_patron
from .backends import get_backend

bp = Blueprint("circulation_api", __name__, url_prefix="/api/v1/circulation")
SESSION_HEADER = "X-Patron-Session"


def _kiosk():
    kiosk = kiosks.request_kiosk()
    if kiosk is None:
        raise refusals.KioskKeyRequired()
    return kiosk


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise errors.BadRequest(_l("Send a JSON object."))
    return body


def write(operation):
    """Run ``operation(session)`` as one write transaction (``db.write``:
    racing kiosks wait, lock conflicts are retried). A refusal is committed
    too (a wrong PIN must count) and then raised; the open-loan index's
    IntegrityError becomes ``already_on_loan``."""
    try:
        return db.write(operation, keep=(refusals.Refusal,))
    except IntegrityError as exc:
        if "uq_loan_open_item" in str(exc.orig) or "loan.item_id" in str(exc.orig):
            raise refusals.AlreadyOnLoan() from None
        raise


def _minutes(name: str) -> int:
    return int(current_app.config[name])


def _patron_session(session, kiosk):
    return sessions.current_session(session, request.headers.get(SESSION_HEADER), kiosk.id,
                                    _minutes("CIRCULATION_SESSION_MINUTES"))


def item_barcode(session, payload) -> str:
    """The barcode of the copy a scanned payload (label URL, code, barcode) names
    (the kiosk's scans and the desk's)."""
    config = current_app.config
    barcode = _copy_fast(session, payload, config["PUBLIC_BASE_URL"])
    if barcode is not None:
        return barcode
    # Anything else, and every error, exactly as the resolve API answers it.
    try:
        found = resolve(session, payload, config["PUBLIC_BASE_URL"], config["MAX_PAYLOAD_LENGTH"])
    except errors.PindaiError:
        found = None
        if not _library_barcode(payload):
            raise
    if found is None:
        return payload.strip()  # a copy only the library system knows (SIP2)
    if found.type != "item":
        raise refusals.NotAnItem(scanned=found.type)
    return found.item.barcode


def _library_barcode(payload) -> bool:
    """A plain barcode the library system may know though Pindai does not."""
    return (getattr(get_backend(), "accepts_unknown_barcodes", False) and isinstance(payload, str)
            and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}", payload.strip()) is not None)


def _copy_fast(session, payload, base_url: str) -> str | None:
    """The common scans (an item barcode, our label URL or code of a copy in
    use) without loading the book as ``resolve`` does; None for the rest."""
    if not isinstance(payload, str) or not payload.strip() or len(payload) > 256:
        return None
    text = payload.strip()
    barcode = session.scalar(select(Item.barcode).where(Item.barcode == text))
    if barcode is not None:
        return barcode
    from_url = codes.code_from_url(text, base_url)
    if from_url is False:
        return None
    try:
        row = codes.lookup_code(session, from_url if isinstance(from_url, str) else text)
    except errors.PindaiError:
        return None  # resolve says why, in the words the resolve API uses
    return session.get(Item, row.target_id).barcode if row.target_type == "item" else None


@bp.post("/sessions")
def login():
    kiosk = _kiosk()
    body = _body()
    card = normalise_card(str(body.get("card") or ""))
    if card is None:
        raise refusals.UnknownCard()
    pin = str(body.get("pin") or "")
    backend = get_backend()
    # Outside the write below: the PIN try is counted (and committed) by the
    # backend before its PIN is compared, and a retried write never counts it twice.
    patron = backend.authenticate(get_session(), card, pin)

    def operation(session):
        row, token = sessions.open_session(session, card, patron["first_name"], kiosk.id,
                                           _minutes("CIRCULATION_SESSION_MINUTES"))
        return token, row.expires_at, backend.status(session, card)

    token, expires_at, status = write(operation)
    return jsonify({"session": token, "expires_at": expires_at.isoformat(), **status}), 201


@bp.get("/session")
def status():
    kiosk = _kiosk()
    backend = get_backend()
    return jsonify(write(lambda session: backend.status(session, _patron_session(session, kiosk).card_number)))


@bp.delete("/session")
def logout():
    kiosk = _kiosk()

    def operation(session):
        sessions.end_session(_patron_session(session, kiosk))

    write(operation)
    return "", 204


@bp.post("/checkouts")
def checkout():
    kiosk = _kiosk()
    backend = get_backend()
    # Read which copy was scanned before taking the write lock: a barcode never changes.
    barcode = item_barcode(get_session(), _body().get("payload"))

    def operation(session):
        row = _patron_session(session, kiosk)
        loan = backend.checkout(session, row.card_number, barcode, kiosk.id)
        # A loan queued while the library system is away (SIP2) is not confirmed yet.
        sessions.add_receipt_line(row, "queued" if loan.get("queued") else "checkout", loan)
        return loan

    with _naming_the_copy(barcode):
        loan = write(operation)
    return jsonify({"loan": loan}), 201


@bp.post("/renewals")
def renew():
    """Renew one loan (``{"barcode": ...}``) or all (``{"all": true}``);
    answers each loan's outcome, renewed or refused with its reason."""
    kiosk = _kiosk()
    body = _body()
    backend = get_backend()
    if not body.get("all") and not isinstance(body.get("barcode"), str):
        raise errors.BadRequest(_l("Send {\"barcode\": ...} or {\"all\": true}."))

    def operation(session):
        row = _patron_session(session, kiosk)
        barcodes = ([loan["barcode"] for loan in backend.status(session, row.card_number)["loans"]]
                    if body.get("all") else [body["barcode"]])
        results = []
        for barcode in barcodes:
            try:
                with session.begin_nested():
                    loan = backend.renew(session, row.card_number, barcode)
            except refusals.Refusal as refusal:
                if not body.get("all"):
                    raise
                results.append({"barcode": barcode, "renewed": False, "error": refusal.to_dict()})
                continue
            sessions.add_receipt_line(row, "renewal", loan)
            results.append({"barcode": barcode, "renewed": True, "loan": loan})
        return results

    results = write(operation)
    return jsonify({"results": results, "renewed": sum(r["renewed"] for r in results)})


@bp.post("/checkins")
def checkin():
    _kiosk()
    backend = get_backend()
    barcode = item_barcode(get_session(), _body().get("payload"))
    with _naming_the_copy(barcode):
        return jsonify(write(lambda session: backend.checkin(session, barcode)))


@contextmanager
def _naming_the_copy(barcode: str):
    """A refusal about a copy we catalogue carries the copy (``details.copy``:
    barcode, title, cover), so a kiosk shows which of the scanned books it is."""
    try:
        yield
    except refusals.Refusal as refusal:
        if "copy" not in refusal.details:
            copy = _copy_facts(get_session(), barcode)
            if copy is not None:
                refusal.details["copy"] = copy
        raise


def _copy_facts(session, barcode: str) -> dict | None:
    item = session.scalars(select(Item).where(Item.barcode == barcode).options(joinedload(Item.book))).first()
    if item is None:
        return None
    return {"barcode": item.barcode, "title": item.book.title, "book_id": item.book.id,
            "cover_url": shapes.cover_url(item.book)}


@bp.post("/holds")
def reserve():
    """Reserve a title (``{"book_id": ...}``) for the logged-in member."""
    kiosk = _kiosk()
    body = _body()
    book_id = body.get("book_id")
    if not isinstance(book_id, int) or isinstance(book_id, bool) or not 0 < book_id < 2**31:
        raise errors.BadRequest(_l("Send {\"book_id\": ...}."))
    # Collected where the member says (a library's code), else at this kiosk's library.
    pickup = body.get("pickup_library")
    if pickup is not None and not isinstance(pickup, str):
        raise errors.BadRequest(_l("'pickup_library' is a library's code."))
    pickup_id = get_library(get_session(), pickup).id if pickup else kiosk.library_id
    backend = get_backend()
    hold = write(lambda session: reserve_for(backend, session, _patron_session(session, kiosk).card_number, book_id,
                                             pickup_id))
    return jsonify({"hold": hold}), 201


@bp.delete("/holds/<hold_id>")
def cancel_hold(hold_id: str):
    kiosk = _kiosk()
    backend = get_backend()
    write(lambda session: cancel_for(backend, session, _patron_session(session, kiosk).card_number, hold_id[:64]))
    return "", 204


def reserve_for(backend, session, card: str, book_id: int, pickup_library_id: int | None = None) -> dict:
    """The backend's hold on a title, collected at ``pickup_library_id``; a backend
    without holds refuses plainly (shared with /akun and the desk)."""
    if not hasattr(backend, "reserve"):
        raise refusals.HoldsUnsupported()
    return backend.reserve(session, card, book_id, pickup_library_id)


def cancel_for(backend, session, card: str, hold_id: str) -> None:
    if not hasattr(backend, "cancel_hold"):
        raise refusals.HoldsUnsupported()
    backend.cancel_hold(session, card, hold_id)


@bp.post("/receipts")
def receipt():
    """A receipt of this session's checkouts and renewals: a link (and its
    QR, as SVG) a phone can open for ``CIRCULATION_RECEIPT_DAYS``; with
    ``{"email": true}`` also emailed to the member (queued in the same
    transaction). ``email_to`` (a hint of the address) says the kiosk may offer it."""
    kiosk = _kiosk()
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise errors.BadRequest(_l("Send a JSON object."))
    emailed = body.get("email") is True

    def operation(session):
        row = _patron_session(session, kiosk)
        address = _email_of(session, row.card_number)
        if emailed and address is None:
            raise refusals.NoEmail()
        made, token = sessions.create_receipt(session, row.receipt_lines,
                                              int(current_app.config["CIRCULATION_RECEIPT_DAYS"]))
        url = current_app.config["PUBLIC_BASE_URL"] + url_for("circulation_pages.receipt", token=token)
        if emailed:
            outbox.happened(session, "kiosk_receipt", receipt=made.token_hash, card=row.card_number, url=url,
                            lines=made.lines)
        return made, url, address

    made, url, address = write(operation)
    # The public address, not the kiosk's: the member opens it on a phone.
    return jsonify({"url": url, "expires_at": made.expires_at.isoformat(), "lines": made.lines,
                    "qr_svg": qr_svg(url), "email_to": _hint(address), "emailed": emailed}), 201


def _email_of(session, card: str) -> str | None:
    """The member's email address when this service can email them (notifications installed, an SMTP server)."""
    if not outbox.available() or not current_app.config.get("SMTP_HOST"):
        return None
    patron = find_patron(session, card)
    return patron.email.strip() if patron is not None and patron.email and "@" in patron.email else None


def _hint(address: str | None) -> str | None:
    """``s•••@gmail.com``: enough for the member to know it is theirs, not for a passer-by to read."""
    if address is None:
        return None
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"
