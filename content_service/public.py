"""Public pages for people: what a phone opens when it scans a label."""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for

from . import codes, db, errors, kiosks
from .catalogue import shapes
from .db import get_session
from .catalogue.models import Item
from .catalogue.merging import merged_into
from .catalogue.queries import NoSuchBook, get_book
from .sharing import books as book_sharing

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("content_service/home.html")


@bp.get("/ping")
def ping():
    """Liveness without touching the database (also the benchmark baseline)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/q")
def typed_code():
    """The home page's form: a visitor types the code printed under a QR."""
    typed = request.args.get("code", "")
    code = codes.normalise(typed)
    if code is None:
        raise errors.UnknownCode()
    return redirect(url_for(".label", code=code))


@bp.get("/q/<code>")
def label(code: str):
    canonical = codes.normalise(code)
    if canonical is None:
        raise errors.UnknownCode()
    if canonical != code:
        return redirect(url_for(".label", code=canonical), 301)
    session = get_session()
    row = codes.lookup_code(session, canonical)
    item = None
    if row.target_type == "item":
        item = session.get(Item, row.target_id)
        assert item is not None  # lookup_code refuses a code whose copy is gone
        book_id = item.book_id
    elif row.target_type == "book":
        book_id = row.target_id
    elif row.target_type == "event":  # an event poster: details and registration
        client = kiosks.client_key()
        db.write(lambda session: kiosks.log_scan(session, "phone", "ok", via="label_url", code=canonical, client=client))
        return redirect(url_for("events_public.event_page", event_id=row.target_id))
    else:
        raise errors.UnsupportedTarget()
    page = _render_book(book_id, item)
    item_id = item.id if item else None
    client = kiosks.client_key()
    db.write(lambda session: kiosks.log_scan(session, "phone", "ok", via="label_url", code=canonical, book_id=book_id,
                                             item_id=item_id, client=client))
    return page


@bp.get("/books/<int:book_id>")
def book_page(book_id: int):
    try:
        return _render_book(book_id, None)
    except NoSuchBook as missing:
        return _merged(book_id, ".book_page", missing)


@bp.get("/books/<int:book_id>/poster.png")
def book_poster(book_id: int):
    """The book's square poster for Instagram, also the page's share image when it has no cover."""
    session = get_session()
    try:
        book = get_book(session, book_id)
    except NoSuchBook as missing:
        return _merged(book_id, ".book_poster", missing)
    return book_sharing.poster_png(session, book)


def _merged(book_id: int, endpoint: str, missing: NoSuchBook):
    kept = merged_into(get_session(), book_id)  # a record merged into another: old links lead on
    if kept is None:
        raise missing
    return redirect(url_for(endpoint, book_id=kept), 301)


def _render_book(book_id: int, item: Item | None):
    book = get_book(get_session(), book_id)
    return render_template(
        "content_service/book.html",
        book=book,
        item=item,
        # The scanned copy's library first: the visitor is standing in it.
        availability=shapes.availability(book, item.library_id if item else None),
        # AR overlays are drawn on the kiosk's camera preview, not shown on phones.
        assets=[shapes.asset_dict(a) for a in shapes.published_assets(book) if a.kind != "ar_overlay"],
        cover_url=shapes.cover_url(book),
        share=book_sharing.book_card(book),
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
