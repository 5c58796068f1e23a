"""The events endpoints and schemas in the OpenAPI document (added by
``register``, which the events API's ``init_app`` calls)."""
from __future__ import annotations

from .. import openapi
from ..args import MAX_ID
from .models import AUDIENCES, CATEGORIES, FEEDBACK_CONTEXTS

_STR = {"type": ["string", "null"]}
_INT = {"type": ["integer", "null"]}
_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


SCHEMAS = {
    "EventItem": {
        "type": "object",
        "description": "One date of an event; times in UTC and in Asia/Jakarta (+07:00).",
        "required": ["id", "title", "title_en", "summary", "summary_en", "category", "audience", "location",
                     "start", "end", "start_local", "end_local", "today", "registration_required",
                     "seats_left", "url", "cover_url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "title_en": _STR,
            "summary": _STR,
            "summary_en": _STR,
            "category": {"enum": list(CATEGORIES)},
            "audience": {"enum": list(AUDIENCES)},
            "age_min": _INT,
            "age_max": _INT,
            "location": _STR,
            "library": {"$ref": "#/components/schemas/LibraryRef", "description": "The library holding it."},
            "start": {"type": "string", "format": "date-time", "pattern": "Z$"},
            "end": {"type": "string", "format": "date-time", "pattern": "Z$"},
            "start_local": {"type": "string", "format": "date-time", "pattern": "\\+07:00$"},
            "end_local": {"type": "string", "format": "date-time", "pattern": "\\+07:00$"},
            "today": {"type": "boolean", "description": "Starts today in Jakarta."},
            "date": {"type": "string", "description": "This date's key, e.g. 20261205T020000Z."},
            "recurring": {"type": "boolean"},
            "registration_required": {"type": "boolean"},
            "capacity": _INT,
            "seats_left": {**_INT, "description": "None: no limit or no registration."},
            "url": {"type": "string", "description": "The public page of this date (register there)."},
            "cover_url": _STR,
        },
    },
    "EventList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("EventItem")}},
    },
    "EventDetail": {
        "type": "object",
        "required": ["event", "dates"],
        "properties": {
            "event": {"type": "object", "required": ["id", "title", "category", "audience", "url", "ics_url"]},
            "dates": {"type": "array", "items": _ref("EventItem")},
        },
    },
    "RegistrationRequest": {
        "type": "object",
        "description": "A library card (with its PIN, except from a kiosk), or a name and a phone number.",
        "properties": {
            "date": {"type": "string", "description": "Date key from the event's url, e.g. 20261205T020000Z; "
                                                      "default: the first date."},
            "card_number": {"type": "string"},
            "pin": {"type": "string"},
            "name": {"type": "string"},
            "phone": {"type": "string"},
        },
    },
    "Registration": {
        "type": "object",
        "required": ["status", "seat", "waitlist_position", "token", "manage_url", "event"],
        "properties": {
            "status": {"enum": ["confirmed", "waitlisted", "cancelled"]},
            "seat": _INT,
            "waitlist_position": _INT,
            "token": {"type": "string", "description": "Secret of the cancel link."},
            "manage_url": {"type": "string"},
            "date_cancelled": {"type": "boolean", "description": "The library cancelled this date."},
            "event": _ref("EventItem"),
        },
    },
    "FeedbackRequest": {
        "type": "object",
        "required": ["rating"],
        "properties": {
            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": {"type": ["string", "null"], "maxLength": 500},
            "context": {"enum": list(FEEDBACK_CONTEXTS), "default": "phone"},
            "event_id": _ID,
            "book_id": _ID,
            "language": {"enum": ["id", "en"]},
        },
    },
    "FeedbackAnswer": {
        "type": "object",
        "required": ["id", "rating", "context"],
        "properties": {"id": {"type": "integer"}, "rating": {"type": "integer"}, "context": {"type": "string"}},
    },
}

_LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}

PATHS = {
    "/api/v1/events/upcoming": {"get": {
        "operationId": "upcomingEvents",
        "summary": "The next event dates, by start (children's first with audience=children)",
        "parameters": [
            {**_LIMIT, "schema": {**_LIMIT["schema"], "default": 6}},
            {"name": "audience", "in": "query", "schema": {"enum": list(AUDIENCES)}},
            {"name": "category", "in": "query", "schema": {"enum": list(CATEGORIES)}},
            {"name": "library", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Only this library's programmes (its code). Without it a kiosk's key puts the kiosk's "
                            "own library's programmes first."},
        ],
        "responses": {"200": _json("EventList"), "400": _error("Bad limit, audience or category.")},
    }},
    "/api/v1/events/{event_id}": {"get": {
        "operationId": "getEvent",
        "summary": "One event and its next dates",
        "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json("EventDetail"), "404": _error("No such event.")},
    }},
    "/api/v1/events/{event_id}/qr.svg": {"get": {
        "operationId": "eventQr",
        "summary": "A QR code (SVG) of the event's public page, or of one date's with ?date=",
        "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {"name": "date", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "SVG image", "content": {"image/svg+xml": {}}},
                      "404": _error("No such event or date.")},
    }},
    "/api/v1/books/{book_id}/events": {"get": {
        "operationId": "bookEvents",
        "summary": "Next dates of events related to a book (listing it or one of its subjects)",
        "parameters": [{"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {**_LIMIT, "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 1}}],
        "responses": {"200": _json("EventList"), "404": _error("No such book.")},
    }},
    "/api/v1/events/{event_id}/registrations": {"post": {
        "operationId": "registerForEvent",
        "summary": "Register for a date: a seat, or a place on the waitlist",
        "security": [{}, {"kioskKey": []}],
        "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": _body("RegistrationRequest"),
        "responses": {
            "201": _json("Registration", "Registered (status says seat or waitlist)."),
            "400": _error("Missing or bad person details or date."),
            "401": _error("bad_kiosk_key; or card_or_pin_wrong, away from a kiosk the one answer for an unknown card, "
                          "a wrong PIN and a locked card."),
            "404": _error("No such event, or unknown_card (a kiosk's scanned card)."),
            "409": _error("already_registered (the same card, or the same name and phone), phone_limit (more than "
                          "four people on one phone number for a date), registration_closed or registration_not_needed."),
            "503": _error("card_check_unavailable: cards cannot be checked here (use name and phone)."),
        },
    }},
    "/api/v1/registrations/{token}/cancel": {"post": {
        "operationId": "cancelRegistration",
        "summary": "Cancel by the registration's link; the first person waiting gets the seat",
        "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("Registration"), "404": _error("unknown_registration.")},
    }},
    "/api/v1/feedback": {"post": {
        "operationId": "postFeedback",
        "summary": "One survey answer: five faces and an optional comment",
        "security": [{}, {"kioskKey": []}],
        "requestBody": _body("FeedbackRequest"),
        "responses": {"201": _json("FeedbackAnswer", "Stored."), "400": _error("Bad rating, comment or context."),
                      "401": _error("bad_kiosk_key.")},
    }},
}


def register(app) -> None:
    openapi.register(app, paths=PATHS, schemas=SCHEMAS)
