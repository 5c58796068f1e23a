"""Public pages for people: what a phone opens when it scans a label."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, send_file, url_for

from . import codes, db, errors, kiosks
from .catalogue import shapes
from .clock import local_today
from .db import get_session
from .catalogue.models import Item
from .catalogue.merging import merged_into
from .catalogue.queries import NoSuchBook, get_book
from .headers import CSP
from .libraries import hours
from .media.checks.base import MB, MODEL_BUDGET
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


# <model-viewer> puts one <style> element of its own in its shadow root; the page
# allows exactly that one by its hash (a new model-viewer version changes it, and
# the phone's browser test, which fails on any CSP error, says so).
MODEL_VIEWER_STYLES = ("'sha256-PXtZZkJMMyc18o/DN1ZEFOJ2qEGq95IQbVaJFMOXOb0='",)


# epub.js shows an EPUB's pages in a frame (srcdoc, sandboxed without scripts, so
# under this page's policy) whose stylesheets, images and fonts it hands over as
# blob: URLs; it sets the frame's <base> to the chapter's address on this origin,
# and adds one empty <style> whose rules it inserts through the CSSOM (allowed by
# the hash of the empty text; a new epub.js that changes this fails the browser test).
READER_CSP = {"style-src 'self'": "style-src 'self' blob: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
              "font-src 'self'": "font-src 'self' blob: data:", "base-uri 'none'": "base-uri 'self'"}


def book_page_csp(assets: list[dict]) -> str | None:
    """The book page's policy when its extras need more than the default: model-viewer's
    one style, the EPUB reader's blob: styles and fonts; None when the default serves."""
    policy = CSP
    if any(asset["kind"] == "model3d" for asset in assets):
        policy = policy.replace("style-src 'self'", "style-src 'self' " + " ".join(MODEL_VIEWER_STYLES))
    if any(asset["media_type"] == "application/epub+zip" for asset in assets):
        for old, new in READER_CSP.items():
            policy = policy.replace(old, new)
    return None if policy == CSP else policy


def _render_book(book_id: int, item: Item | None):
    book = get_book(get_session(), book_id)
    page = _book_page(book, item)
    policy = book_page_csp(page[1])
    if policy is not None:
        response = current_app.make_response(page[0])
        response.headers["Content-Security-Policy"] = policy
        return response
    return page[0]


def add_book_section(app: Flask, section) -> None:
    """Another feature's part of the book page: ``section(session, book)``
    answers ``(template, context)`` or None (search: more like this; events:
    the next event about the book)."""
    app.extensions.setdefault("pindai.book_sections", []).append(section)


def _book_sections(session, book) -> list[tuple[str, dict]]:
    found = (section(session, book) for section in current_app.extensions.get("pindai.book_sections", []))
    return [part for part in found if part is not None]


def _book_page(book, item: Item | None):
    assets = [shapes.asset_dict(a) for a in shapes.published_assets(book) if a.kind != "ar_overlay"]
    session = get_session()
    return render_template(
        "content_service/book.html",
        book=book,
        item=item,
        # The scanned copy's library first: the visitor is standing in it.
        availability=shapes.availability(book, item.library_id if item else None),
        # AR overlays are drawn on the kiosk's camera preview, not shown on phones.
        assets=assets,
        cover_url=shapes.cover_url(book),
        share=book_sharing.book_card(book),
        sections=_book_sections(session, book),
        opening_hours=hours.shown(session, local_today()),
    ), assets


# Front-end files the public pages use, served from node_modules (installed by
# `make setup`: npm ci), never from a CDN: <model-viewer> for 3D models on phones,
# epub.js (and the JSZip it expects beside it) for the EPUB reader.
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
VENDOR = {"model-viewer.min.js": "@google/model-viewer/dist/model-viewer.min.js",
          "epub.min.js": "epubjs/dist/epub.min.js", "jszip.min.js": "jszip/dist/jszip.min.js"}


class NotInstalled(errors.PindaiError):
    status = 404
    code = "not_installed"


@bp.get("/vendor/<name>")
def vendor(name: str):
    if name not in VENDOR:
        abort(404)
    path = NODE_MODULES / VENDOR[name]
    if not path.is_file():
        raise NotInstalled(f"{name} is not installed: run `make setup` (npm ci).")
    return send_file(path, mimetype="text/javascript", max_age=86400)


def filesize(n: int | None) -> str:
    """Bytes as people read them, in the page's language: "7,5 MB" in Indonesian."""
    from flask_babel import format_decimal

    n = n or 0
    if n >= MB:
        return format_decimal(round(n / MB, 1), format="#,##0.#") + " MB"
    return format_decimal(max(1, round(n / 1024)), format="#,##0") + " KB"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals["model_budget"] = MODEL_BUDGET
    app.register_blueprint(bp)
