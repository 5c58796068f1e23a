"""The OpenAPI 3.1 document of ``/api/v1``. Its component schemas are plain
JSON Schema, and the tests validate real responses against them.

The core's paths and schemas are below; each feature adds its own with
``register(app, ...)`` from its ``init_app``, into the app's own copy
(``app.extensions["pindai.openapi"]``), so two apps never share a document
and importing a module registers nothing."""
from __future__ import annotations

import copy
import re

from flask import Flask

_NULLABLE_STR = {"type": ["string", "null"]}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(ref: str, description: str = "OK") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "message_id"],
                "properties": {
                    "code": {"type": "string", "description": "Stable machine code, e.g. not_ours."},
                    "message": {"type": "string", "description": "For people, in English."},
                    "message_id": {"type": "string", "description": "For people, in Bahasa Indonesia."},
                    "details": {"type": "object"},
                },
            }
        },
    },
    "Book": {
        "type": "object",
        "required": ["id", "title", "authors", "subjects", "isbns", "audience", "page_url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "subtitle": _NULLABLE_STR,
            "authors": {"type": "array", "items": {"type": "string"}},
            "subjects": {"type": "array", "items": {"type": "string"}},
            "summary": _NULLABLE_STR,
            "publisher": _NULLABLE_STR,
            "year": {"type": ["integer", "null"]},
            "language": {**_NULLABLE_STR, "description": "ISO 639-1 code where known."},
            "audience": {"enum": ["children", "teens", "adults", "all"]},
            "isbn13": _NULLABLE_STR,
            "isbns": {"type": "array", "items": {"type": "string", "pattern": "^97[89][0-9]{10}$"}},
            "call_number": _NULLABLE_STR,
            "cover_url": _NULLABLE_STR,
            "page_url": {"type": "string", "description": "The public page for people."},
            "api_url": {"type": "string"},
        },
    },
    "Item": {
        "type": "object",
        "required": ["id", "barcode", "status", "on_shelf"],
        "properties": {
            "id": {"type": "integer"},
            "barcode": {"type": "string"},
            "library": {"$ref": "#/components/schemas/LibraryRef"},
            "location": _NULLABLE_STR,
            "call_number": _NULLABLE_STR,
            "status": {"enum": ["available", "on_loan", "reference", "in_transit", "missing", "withdrawn"]},
            "on_shelf": {"type": "boolean"},
        },
    },
    "Availability": {
        "type": "object",
        "required": ["status", "total", "available", "locations"],
        "properties": {
            "status": {"enum": ["available", "all_on_loan", "reference_only", "no_copies"]},
            "total": {"type": "integer", "description": "Copies in the collection."},
            "available": {"type": "integer", "description": "Copies on the shelf that can be borrowed."},
            "reference": {"type": "integer"},
            "locations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["location", "total", "available"],
                    "properties": {
                        "location": _NULLABLE_STR,
                        "call_number": _NULLABLE_STR,
                        "total": {"type": "integer"},
                        "available": {"type": "integer"},
                    },
                },
            },
            "libraries": {
                "type": "array",
                "description": "Copies per library of the network: the asking kiosk's own library (or the one "
                               "`library` names) first, then the default library, then by name.",
                "items": {
                    "type": "object",
                    "required": ["id", "code", "name", "total", "available", "reference"],
                    "properties": {
                        "id": {"type": "integer"},
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "total": {"type": "integer"},
                        "available": {"type": "integer"},
                        "reference": {"type": "integer"},
                    },
                },
            },
        },
    },
    "LibraryRef": {
        "type": "object",
        "required": ["id", "code", "name"],
        "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}},
    },
    "Library": {
        "type": "object",
        "required": ["id", "code", "name", "kind", "default"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"enum": ["city", "branch", "mobile", "school", "university"]},
            "address": _NULLABLE_STR,
            "default": {"type": "boolean"},
        },
    },
    "Asset": {
        "type": "object",
        "required": ["id", "kind", "title", "url"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": ["video", "audio", "image", "model3d", "ar_overlay", "link", "ebook", "online"],
                     "description": "ebook: an EPUB or PDF the library shares openly; online: a link to an online "
                                    "resource (iPusnas, an e-journal, a database), named by its provider."},
            "title": {"type": "string"},
            "caption": _NULLABLE_STR,
            "language": {"enum": ["id", "en", "both"]},
            "audience": {"enum": ["children", "all"]},
            "media_type": _NULLABLE_STR,
            "url": {"type": "string"},
            "provider": {**_NULLABLE_STR, "description": "An online resource's provider (iPusnas, ...)."},
        },
    },
    "Narration": {
        "type": "object",
        "required": ["language", "url", "media_type", "source"],
        "properties": {
            "language": {"enum": ["id", "en"]},
            "url": {"type": "string", "description": "The audio file under /media/."},
            "media_type": {"type": "string"},
            "seconds": {"type": ["number", "null"], "description": "Length (generated narrations)."},
            "source": {"enum": ["asset", "generated"]},
            "text": _NULLABLE_STR,
        },
    },
    "Resolution": {
        "type": "object",
        "required": ["type", "via", "book", "availability", "assets"],
        "properties": {
            "type": {"enum": ["item", "book", "patron_card", "event"]},
            "via": {"enum": ["label_url", "code", "item_barcode", "isbn", "card_number"]},
            "card": {**_NULLABLE_STR, "description": "type patron_card: the normalised card number (then ask for the PIN)."},
            "code": _NULLABLE_STR,
            "book": {"oneOf": [{"$ref": "#/components/schemas/Book"}, {"type": "null"}]},
            "item": {"oneOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}]},
            "event": {"oneOf": [{"$ref": "#/components/schemas/EventItem"}, {"type": "null"}],
                      "description": "type event: the event date a poster code points at."},
            "availability": {"oneOf": [{"$ref": "#/components/schemas/Availability"}, {"type": "null"}]},
            "assets": {"type": "array", "items": {"$ref": "#/components/schemas/Asset"}},
        },
    },
    "BookDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Book"},
            {
                "type": "object",
                "required": ["availability", "items", "assets"],
                "properties": {
                    "availability": {"$ref": "#/components/schemas/Availability"},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "assets": {"type": "array", "items": {"$ref": "#/components/schemas/Asset"}},
                },
            },
        ]
    },
    "BookPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "links"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Book"},
                        {
                            "type": "object",
                            "required": ["availability"],
                            "properties": {"availability": {"$ref": "#/components/schemas/Availability"}},
                        },
                    ]
                },
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
            "links": {
                "type": "object",
                "properties": {"next": {"type": "string"}, "prev": {"type": "string"}},
            },
        },
    },
}

_LIBRARY_PARAM = {
    "name": "library", "in": "query", "required": False, "schema": {"type": "string"},
    "description": "A library's code: its copies are listed first in `availability.libraries` "
                   "(a kiosk's key already puts the kiosk's own library first). 404 `no_such_library`.",
}

PATHS = {
    "/api/v1/resolve": {
        "get": {
            "operationId": "resolve",
            "summary": "Interpret a scanned payload",
            "description": (
                "Takes the raw text a camera read: one of our label URLs "
                "({PUBLIC_BASE_URL}/q/{code}, any scheme), a bare code, an item "
                "barcode, or an ISBN-13/ISBN-10/EAN-13 (check digit validated)."
            ),
            "security": [{}, {"kioskKey": []}],
            "parameters": [
                {
                    "name": "payload",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 2048},
                },
                _LIBRARY_PARAM,
            ],
            "responses": {
                "200": _json("Resolution", "What the payload points at."),
                "400": _error_response("missing_payload or payload_too_long."),
                "404": _error_response("unknown_code, unknown_isbn or unsupported_target."),
                "401": _error_response("bad_kiosk_key: a kiosk key was sent and is not valid."),
                "410": _error_response("retired_code: the label was retired."),
                "422": _error_response("not_ours (not a library code) or invalid_isbn."),
            },
        }
    },
    "/api/v1/books": {
        "get": {
            "operationId": "listBooks",
            "summary": "List books, by title, a page at a time",
            "parameters": [
                {"name": "page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
                _LIBRARY_PARAM,
            ],
            "responses": {"200": _json("BookPage"), "400": _error_response("Bad paging parameter.")},
        }
    },
    "/api/v1/books/{book_id}": {
        "get": {
            "operationId": "getBook",
            "summary": "One book with its copies and published assets",
            "parameters": [{"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                           _LIBRARY_PARAM],
            "responses": {"200": _json("BookDetail"), "404": _error_response("No such book.")},
        }
    },
    "/api/v1/libraries": {
        "get": {
            "operationId": "listLibraries",
            "summary": "The libraries of the network (the default first, then by name)",
            "responses": {"200": {"description": "The libraries.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Library"}}},
            }}}}},
        }
    },
    "/api/v1/books/{book_id}/narration": {
        "get": {
            "operationId": "getNarration",
            "summary": "The book read aloud: the library's own audio extra in that language, or a "
                       "narration generated with espeak-ng (title, authors, summary), cached until the text changes",
            "parameters": [{"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                           {"name": "lang", "in": "query", "required": False,
                            "schema": {"enum": ["id", "en"], "default": "id"}}],
            "responses": {"200": _json("Narration"), "400": _error_response("Unknown language."),
                          "404": _error_response("No such book."),
                          "503": _error_response("The speech synthesizer is not installed or failed.")},
        }
    },
    "/api/v1/books/{book_id}/qr.svg": {
        "get": {
            "operationId": "bookQr",
            "summary": "A QR code (SVG) of the book's public page at its e-books and online resources, for a "
                       "kiosk's 'Baca e-book di ponsel' (a kiosk is no reader)",
            "parameters": [{"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "SVG image", "content": {"image/svg+xml": {}}},
                          "404": _error_response("No such book.")},
        }
    },
    "/api/v1/assets/{asset_id}/qr.svg": {
        "get": {
            "operationId": "onlineResourceQr",
            "summary": "A QR code (SVG) of a published online resource's address (iPusnas, an e-journal, a "
                       "database), for a kiosk to show",
            "parameters": [{"name": "asset_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "SVG image", "content": {"image/svg+xml": {}}},
                          "404": _error_response("No such published online resource.")},
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {}}}},
        }
    },
}


SECURITY_SCHEMES = {
    "kioskKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A kiosk's key from `flask create-kiosk`. Optional where anonymous access is allowed.",
    }
}


def init_app(app: Flask) -> None:
    """Start the app's document with the core's paths and schemas (called by
    the application factory, before the features register theirs)."""
    app.extensions["pindai.openapi"] = {"paths": copy.deepcopy(PATHS), "schemas": copy.deepcopy(SCHEMAS)}


def register(app: Flask, paths: dict | None = None, schemas: dict | None = None) -> None:
    """Add a feature's endpoints and schemas to the app's document (each
    feature describes its own routes; the tests check that every route is here)."""
    parts = app.extensions["pindai.openapi"]
    parts["paths"].update(copy.deepcopy(paths or {}))
    parts["schemas"].update(copy.deepcopy(schemas or {}))


def add_response(app: Flask, path: str, method: str, status: str, description: str) -> None:
    """Document an answer a core part gives on another part's operation (the
    rate limits' 429, say), unless the operation documents it itself."""
    operation = app.extensions["pindai.openapi"]["paths"].get(path, {}).get(method.lower())
    if operation is not None:
        operation["responses"].setdefault(status, _error_response(description))


def spec_path(rule: str) -> str:
    """The document's path of a Flask URL rule: ``<int:book_id>`` -> ``{book_id}``."""
    return _RULE_PARAM.sub(r"{\1}", rule)


_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_METHODS = ("get", "post", "put", "patch", "delete")


def _with_common_responses(paths: dict) -> dict:
    """Every operation's document says what any request may meet besides its
    own answers: a 400 when a parameter or the body is not as documented
    (``inputs`` and ``args`` check them), the web server's 414 for a request
    line too long to read, and a 503 while the database cannot be reached."""
    paths = copy.deepcopy(paths)
    for item in paths.values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            takes_input = operation.get("requestBody") or any(
                p.get("in") != "path" for p in operation.get("parameters", []))
            if takes_input:
                responses.setdefault("400", _error_response(
                    "bad_request: a parameter or the body is not as this document says (the message names it)."))
            if any(p.get("name") == "library" and p.get("in") == "query" for p in operation.get("parameters", [])):
                responses.setdefault("404", _error_response("no_such_library: no library has that code."))
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                responses.setdefault("404", _error_response("not_found: nothing has this id."))
            responses.setdefault("414", {"description": "The request line is longer than the web server reads "
                                                        "(answered by gunicorn, not as JSON)."})
            responses.setdefault("503", _error_response(
                "database_unavailable: the database cannot be reached now; try again shortly."))
    return paths


def document(app: Flask) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pindai content service",
            "version": "1",
            "description": "Catalogue, QR code resolution and book extras for library kiosks and pages.",
        },
        "servers": [{"url": app.config["PUBLIC_BASE_URL"]}],
        "paths": _with_common_responses(app.extensions["pindai.openapi"]["paths"]),
        "components": {"schemas": app.extensions["pindai.openapi"]["schemas"], "securitySchemes": SECURITY_SCHEMES},
    }
