"""The JSON API kiosks and apps use (``/api/v1``). Views parse, call the
domain, and shape the answer; the OpenAPI document lives in ``openapi``."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from . import catalog, errors, kiosks, versioning
from .db import get_session
from .openapi import document
from .resolve import Resolution, load_book, resolve

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/resolve")
def resolve_payload():
    payload = request.args.get("payload")
    config = current_app.config
    kiosk = kiosks.request_kiosk()  # None for anonymous readers; a wrong key is refused
    # Kiosks scan the same few books again and again: answers are cached per
    # catalogue version, so a cached answer is never older than the data.
    key = (payload, request.host_url, current_app.extensions["pindai.version"].current())
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
            body = json.dumps(resolution_dict(found), ensure_ascii=False, separators=(",", ":"))
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
    session = get_session()
    kiosks.log_scan(session, "kiosk", outcome, kiosk=kiosk, **scan)
    session.commit()


def resolution_dict(found: Resolution) -> dict:
    base_url = current_app.config["PUBLIC_BASE_URL"]
    book = found.book
    return {
        "type": found.type,
        "via": found.via,
        "code": found.code,
        "book": catalog.book_dict(book, base_url),
        "item": catalog.item_dict(found.item) if found.item else None,
        "availability": catalog.availability(book),
        "assets": [catalog.asset_dict(a) for a in catalog.published_assets(book)],
    }


@bp.get("/books/<int:book_id>")
def get_book(book_id: int):
    book = load_book(get_session(), book_id)
    if book is None:
        raise errors.NotFound(_l("No book with id %(book_id)s.", book_id=book_id))
    body = catalog.book_dict(book, current_app.config["PUBLIC_BASE_URL"])
    body["availability"] = catalog.availability(book)
    body["items"] = [catalog.item_dict(item) for item in book.items]
    body["assets"] = [catalog.asset_dict(a) for a in catalog.published_assets(book)]
    return jsonify(body)


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number query parameter within bounds, or a clear 400."""
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.BadRequest(
            _l("'%(name)s' must be a whole number.", name=name)
        ) from None
    if not low <= value <= high:
        raise errors.BadRequest(
            _l("'%(name)s' must be between %(low)s and %(high)s.", name=name, low=low, high=high),
        )
    return value


@bp.get("/books")
def list_books():
    config = current_app.config
    page = int_arg("page", 1, 1, 10**6)
    per_page = int_arg("per_page", config["API_PAGE_SIZE"], 1, config["API_MAX_PAGE_SIZE"])
    books, total = catalog.list_books(get_session(), page, per_page)
    base_url = config["PUBLIC_BASE_URL"]
    items = []
    for book in books:
        body = catalog.book_dict(book, base_url)
        body["availability"] = catalog.availability(book)
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


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app))


def init_app(app: Flask) -> None:
    app.extensions["pindai.answers"] = versioning.AnswerCache(app.config["ANSWER_CACHE_SIZE"])
    app.extensions["pindai.version"] = versioning.VersionProbe(app.extensions["pindai.engine"])
    app.register_blueprint(bp)
