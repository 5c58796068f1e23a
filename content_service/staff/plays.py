"""``POST /api/v1/assets/<id>/plays``: the public page and the kiosk report
that a video or audio started or a 3D model was opened (counted in analytics).
``init_app`` registers the blueprint and its part of the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from .. import errors, kiosks, openapi
from ..db import get_session
from ..catalogue.models import Asset
from .models import AssetPlay

api_bp = Blueprint("plays", __name__, url_prefix="/api/v1")
CHANNELS = ("kiosk", "phone")


def record_play(session, asset_id: int, channel: str, kiosk=None) -> AssetPlay:
    """Count one play of a published asset."""
    if channel not in CHANNELS:
        raise errors.BadRequest(_l("'channel' must be 'kiosk' or 'phone'."))
    asset = session.get(Asset, asset_id)
    if asset is None or not asset.published:
        raise errors.NotFound(_l("No published extra with id %(asset_id)s.", asset_id=asset_id))
    play = AssetPlay(asset_id=asset.id, channel=channel, kiosk_id=kiosk.id if kiosk else None)
    session.add(play)
    return play


@api_bp.post("/assets/<int:asset_id>/plays")
def report_play(asset_id: int):
    kiosk = kiosks.request_kiosk()  # optional; a wrong key is refused
    body = request.get_json(force=True, silent=True) if request.get_data(cache=True) else {}
    if not isinstance(body, dict):
        raise errors.BadRequest(_l("Send JSON like {\"channel\": \"phone\"}."))
    channel = body.get("channel") or ("kiosk" if kiosk else "phone")
    session = get_session()
    record_play(session, asset_id, channel, kiosk)
    session.commit()
    return "", 204


def init_app(app) -> None:
    app.register_blueprint(api_bp)
    openapi.register(app, paths=PATHS, schemas=SCHEMAS)


PATHS = {
    "/api/v1/assets/{asset_id}/plays": {
        "post": {
            "operationId": "reportPlay",
            "summary": "Count a play of an extra (video/audio started, 3D model opened)",
            "security": [{}, {"kioskKey": []}],
            "parameters": [{"name": "asset_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlayReport"}}},
            },
            "responses": {
                "204": {"description": "Counted."},
                "400": {"description": "Bad channel or body.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "401": {"description": "bad_kiosk_key: a kiosk key was sent and is not valid.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "404": {"description": "No published extra with this id.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        }
    }
}

SCHEMAS = {
    "PlayReport": {
        "type": "object",
        "properties": {"channel": {"enum": list(CHANNELS),
                                   "description": "Defaults to kiosk when a kiosk key is sent, else phone."}},
    }
}
