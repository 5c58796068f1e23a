"""The visitor book in ``/api/v1``: a kiosk records one signing
(``POST /api/v1/visits``, kiosk key required)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext as _l

from .. import errors, kiosks, openapi
from ..db import write
from . import book

bp = Blueprint("visitors_api", __name__, url_prefix="/api/v1")


class KioskOnly(errors.PindaiError):
    status = 401
    code = "kiosk_key_required"
    message_en = _l("The visitor book is signed at a library kiosk (send the kiosk key).")


@bp.post("/visits")
def sign():
    kiosk = kiosks.request_kiosk()
    if kiosk is None:
        raise KioskOnly()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise errors.BadRequest(_l("Send a JSON object."))
    from ..circulation.backends import get_backend

    backend = get_backend()

    def operation(session):
        visit = book.sign(session, library_id=kiosk.library_id, kiosk_id=kiosk.id, card=body.get("card"),
                          name=body.get("name"), institution=body.get("institution"), group=body.get("group"),
                          card_known=lambda card: backend.find_card(session, card))
        return {"kind": visit.kind, "counted": not visit.is_repeat, "name": visit.name,
                "visits_today": book.count_today(session, kiosk.library_id)}

    return jsonify(write(operation)), 201


PATHS = {"/api/v1/visits": {"post": {
    "operationId": "signVisitorBook",
    "summary": "Sign the visitor book at a kiosk: a library card, or a name and institution",
    "security": [{"kioskKey": []}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/VisitRequest"}}}},
    "responses": {
        "201": {"description": "Recorded; counted is false for a repeat within the hour.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Visit"}}}},
        "400": {"description": "bad_visitor (no card and no name) or a bad field.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "401": {"description": "kiosk_key_required or bad_kiosk_key.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "unknown_card: a card the library does not know.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    },
}}}
SCHEMAS = {
    "VisitRequest": {
        "type": "object",
        "description": "A library card (scanned), or a name with an optional institution.",
        "properties": {
            "card": {"type": "string", "maxLength": 64},
            "name": {"type": "string", "maxLength": book.NAME_MAX},
            "institution": {"type": "string", "maxLength": book.INSTITUTION_MAX},
            "group": {"enum": ["pelajar", "mahasiswa", "guru", "umum"]},
        },
    },
    "Visit": {
        "type": "object",
        "required": ["kind", "counted", "visits_today"],
        "properties": {
            "kind": {"enum": ["member", "guest"]},
            "counted": {"type": "boolean"},
            "name": {"type": ["string", "null"]},
            "visits_today": {"type": "integer", "description": "Counted visits at this kiosk's library today."},
        },
    },
}


def init_app(app) -> None:
    app.register_blueprint(bp)
    openapi.register(app, paths=PATHS, schemas=SCHEMAS)
