"""The events part of ``/api/v1``: upcoming dates, a book's related events,
registering from a kiosk or an app, and the survey (contract 2)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from .. import errors, kiosks
from ..args import MAX_ID, choice_arg, limit_arg
from ..catalogue.queries import get_book
from ..codes.qr import qr_svg
from ..db import get_session
from ..libraries import get_library
from . import calendar, feedback, registration, schedule
from .models import AUDIENCES, CATEGORIES

bp = Blueprint("events_api", __name__, url_prefix="/api/v1")


@bp.get("/events/upcoming")
def upcoming():
    limit = limit_arg(6, 50)
    audience = choice_arg("audience", AUDIENCES)
    category = choice_arg("category", CATEGORIES)
    session = get_session()
    only = request.args.get("library")
    library_id = get_library(session, only).id if only else None
    found = calendar.upcoming(session, category=category, library_id=library_id)
    if audience == "children":
        # Child mode: children's events first, the rest after (still useful to parents).
        found = calendar.children_first([o for o in found if o.event.audience in ("children", "all")]) + [
            o for o in found if o.event.audience not in ("children", "all")]
    elif audience:
        found = [o for o in found if o.event.audience in (audience, "all")]
    kiosk = kiosks.request_kiosk()
    if kiosk is not None and library_id is None:
        # A kiosk shows its own library's programmes first, then the network's (a stable sort keeps the order within each).
        found.sort(key=lambda occ: occ.event.library_id != kiosk.library_id)
    return jsonify({"items": calendar.event_dicts(session, found[:limit])})


@bp.get("/books/<int:book_id>/events")
def book_events(book_id: int):
    limit = limit_arg(1, 20)
    session = get_session()
    book = get_book(session, book_id)
    return jsonify({"items": calendar.event_dicts(session, calendar.related_to_book(session, book, limit=limit))})


@bp.get("/events/<int:event_id>")
def event_detail(event_id: int):
    session = get_session()
    event = calendar.get_event(session, event_id)
    dates = calendar.upcoming_dates(session, event, limit=8)
    body = {"event": calendar.event_detail_dict(event), "dates": calendar.event_dicts(session, dates)}
    return jsonify(body)


@bp.get("/events/<int:event_id>/qr.svg")
def event_qr(event_id: int):
    """A QR code of a date's public page, for a kiosk to show ("open it on
    your phone"); the kiosk has no QR encoder of its own."""
    session = get_session()
    event = calendar.get_event(session, event_id)
    key = request.args.get("date", "")
    start = schedule.parse_occurrence_key(key) if key else None
    if key and (start is None or not schedule.is_occurrence(event, start)):
        raise errors.NotFound(_l("The event does not take place on that date."))
    url = (url_for("events_public.event_date", event_id=event.id, key=key, _external=True) if key
           else url_for("events_public.event_page", event_id=event.id, _external=True))
    return Response(qr_svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise errors.BadRequest(_l("Send a JSON object (Content-Type: application/json)."))
    return body


@bp.post("/events/<int:event_id>/registrations")
def register(event_id: int):
    """Kiosks register a scanned library card (their key vouches for the
    card being present); others need the card's PIN, or a name and phone."""
    kiosk = kiosks.request_kiosk()
    body = _json_body()
    session = get_session()
    event = calendar.get_event(session, event_id)
    start = schedule.parse_occurrence_key(str(body.get("date") or "")) if body.get("date") else schedule.as_utc(event.starts_at)
    if start is None:
        raise errors.BadRequest(_l("'date' must be a date key such as 20261205T020000Z."))
    card = body.get("card_number")
    if card is not None and not isinstance(card, str):
        raise errors.BadRequest(_l("'card_number' must be text."))
    if card:
        card = registration.check_card(session, card, body.get("pin"), at_kiosk=kiosk is not None)
    made = registration.register(
        session, event, start, card_number=card, name=body.get("name"), phone=body.get("phone"),
        channel="kiosk" if kiosk else "phone", kiosk_id=kiosk.id if kiosk else None)
    return jsonify(calendar.registration_dict(session, made)), 201


@bp.post("/registrations/<token>/cancel")
def cancel(token: str):
    session = get_session()
    return jsonify(calendar.registration_dict(session, registration.cancel(session, token)))


@bp.post("/feedback")
def post_feedback():
    kiosk = kiosks.request_kiosk()
    body = _json_body()
    session = get_session()
    if isinstance(body.get("rating"), str):  # JSON clients send numbers (forms send text)
        raise errors.BadRequest(_l("'rating' must be a number from 1 to 5, not text."))
    answer = feedback.record(
        session, body.get("rating"), body.get("comment"), body.get("context") or "phone",
        kiosk_id=kiosk.id if kiosk else None, event_id=_optional_id(body, "event_id"),
        book_id=_optional_id(body, "book_id"), language=body.get("language") if body.get("language") in ("id", "en") else None)
    session.commit()
    return jsonify({"id": answer.id, "rating": answer.rating, "context": answer.context}), 201


def _optional_id(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise errors.BadRequest(_l("'%(name)s' must be between %(low)s and %(high)s.", name=name, low=1, high=MAX_ID))
    return value


def init_app(app) -> None:
    from . import openapi_doc

    openapi_doc.register(app)

    app.register_blueprint(bp)
