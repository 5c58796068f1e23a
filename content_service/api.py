"""The JSON API kiosks and apps use (``/api/v1``). Views parse, call the
domain, and shape the answer; the OpenAPI document lives in ``openapi``."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for

from flask_babel import lazy_gettext as _l

from . import db, errors, kiosks
from .args import choice_arg, int_arg
from .catalogue import narration, queries, shapes
from .db import get_session
from .inputs import free_text
from .libraries import all_libraries, get_library
from .openapi import document
from .codes.qr import qr_svg
from .codes.resolve import Resolution, resolve
from .catalogue.models import Asset
from .sharing import public_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/resolve")
@free_text("payload")  # what a camera read: any bytes; not a label of ours is an answer, not an error
def resolve_payload():
    payload = request.args.get("payload")
    config = current_app.config
    kiosk = kiosks.request_kiosk()  # None for anonymous readers; a wrong key is refused
    # Kiosks scan the same few books again and again: answers are cached per
    # catalogue version, so a cached answer is never older than the data.
    epoch = current_app.extensions.get("pindai.answers_epoch")  # live availability (SIP2)
    prefer = _preferred_library(kiosk)
    key = (payload, request.host_url, current_app.extensions["pindai.version"].current(), epoch() if epoch else 0,
           prefer)
    cache = current_app.extensions["pindai.answers"]
    cached = cache.get(key)
    try:
        if cached is None:
            found = resolve(get_session(), payload, config["PUBLIC_BASE_URL"], config["MAX_PAYLOAD_LENGTH"])
            if found.answer is not None:  # events: seats change without a catalogue bump, so never cached
                if kiosk is not None:
                    _log(kiosk, "ok", via=found.via, code=found.code)
                return jsonify(found.answer)
            if found.type == "patron_card":  # personal: never cached, logged without the number
                if kiosk is not None:
                    _log(kiosk, "ok", via=found.via)
                return jsonify({"type": "patron_card", "via": found.via, "card": found.card, "code": None,
                                "book": None, "item": None, "availability": None, "assets": []})
            body = json.dumps(resolution_dict(found, prefer), ensure_ascii=False, separators=(",", ":"))
            scan = {"via": found.via, "code": found.code, "book_id": found.book.id,
                    "item_id": found.item.id if found.item else None}
            cached = (body, scan)
            cache.put(key, cached)
    except errors.PindaiError as exc:
        if kiosk is not None:
            _log(kiosk, exc.code)
        raise
    body, scan = cached
    if kiosk is not None:
        _log(kiosk, "ok", **scan)
    return Response(body, mimetype="application/json")


def _log(kiosk, outcome: str, **scan) -> None:
    # A read request that writes: its own write transaction, so kiosks scanning at once wait, not fail.
    db.write(lambda session: kiosks.log_scan(session, "kiosk", outcome, kiosk=kiosk, **scan))


def _preferred_library(kiosk=None) -> int | None:
    """The library whose copies come first: the one ``?library=`` names,
    else the asking kiosk's own."""
    code = request.args.get("library")
    if code:
        return get_library(get_session(), code).id
    return kiosk.library_id if kiosk is not None else None


def resolution_dict(found: Resolution, prefer: int | None = None) -> dict:
    base_url = current_app.config["PUBLIC_BASE_URL"]
    book = found.book
    return {
        "type": found.type,
        "via": found.via,
        "code": found.code,
        "book": shapes.book_dict(book, base_url),
        "item": shapes.item_dict(found.item) if found.item else None,
        "availability": shapes.availability(book, prefer if prefer is not None
                                            else (found.item.library_id if found.item else None)),
        "assets": [shapes.asset_dict(a) for a in shapes.published_assets(book)],
    }


@bp.get("/books/<int:book_id>")
def get_book(book_id: int):
    book = queries.get_book(get_session(), book_id)
    body = shapes.book_dict(book, current_app.config["PUBLIC_BASE_URL"])
    body["availability"] = shapes.availability(book, _preferred_library(kiosks.request_kiosk()))
    body["items"] = [shapes.item_dict(item) for item in book.items]
    body["assets"] = [shapes.asset_dict(a) for a in shapes.published_assets(book)]
    return jsonify(body)


@bp.get("/books/<int:book_id>/narration")
def get_narration(book_id: int):
    """The book read aloud (``catalogue.narration``): for kiosks with no speech voices."""
    session = get_session()
    book = queries.get_book(session, book_id)
    language = choice_arg("lang", narration.LANGUAGES) or "id"
    return jsonify(narration.narration_for(session, book, language).to_dict())


@bp.get("/books/<int:book_id>/qr.svg")
def book_qr(book_id: int):
    """The book page at its e-books and online resources, as a QR a kiosk shows
    ("Baca e-book di ponsel": a kiosk is no reader; the phone is)."""
    book = queries.get_book(get_session(), book_id)
    url = public_url("public.book_page", book_id=book.id, _anchor="read")
    return Response(qr_svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/assets/<int:asset_id>/qr.svg")
def online_qr(asset_id: int):
    """A published online resource's address as a QR, for a kiosk to show."""
    asset = get_session().get(Asset, asset_id)
    if asset is None or asset.kind != "online" or not asset.published or not asset.url:
        raise errors.NotFound(_l("No published online resource with id %(asset_id)s.", asset_id=asset_id))
    return Response(qr_svg(asset.url), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/books")
def list_books():
    config = current_app.config
    page = int_arg("page", 1, 1, 10**6)
    per_page = int_arg("per_page", config["API_PAGE_SIZE"], 1, config["API_MAX_PAGE_SIZE"])
    prefer = _preferred_library(kiosks.request_kiosk())
    books, total = queries.list_books(get_session(), page, per_page)
    base_url = config["PUBLIC_BASE_URL"]
    items = []
    for book in books:
        body = shapes.book_dict(book, base_url)
        body["availability"] = shapes.availability(book, prefer)
        items.append(body)
    pages = max(1, -(-total // per_page))
    links = {}
    if page < pages:
        links["next"] = url_for(".list_books", page=page + 1, per_page=per_page, _external=True)
    if page > 1:
        links["prev"] = url_for(".list_books", page=min(page - 1, pages), per_page=per_page, _external=True)
    return jsonify(
        {"items": items, "page": page, "per_page": per_page, "total": total, "pages": pages, "links": links}
    )


@bp.get("/libraries")
def list_libraries():
    return jsonify({"items": [
        {"id": lib.id, "code": lib.code, "name": lib.name, "kind": lib.kind, "address": lib.address,
         "default": lib.is_default}
        for lib in all_libraries(get_session())]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
