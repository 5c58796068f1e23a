"""The search endpoints in the OpenAPI document, and the search page's text
(Bahasa Indonesia first, English second)."""
from __future__ import annotations

from ..openapi import _error_response, _json

_NULLABLE_STR = {"type": ["string", "null"]}
_FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {
            "value": {"type": "string"},
            "count": {"type": "integer", "minimum": 1},
            "from": {"type": ["integer", "null"]},
            "to": {"type": ["integer", "null"]},
        },
    },
}
_BOOK_WITH_AVAILABILITY = {
    "allOf": [
        {"$ref": "#/components/schemas/Book"},
        {
            "type": "object",
            "required": ["availability"],
            "properties": {"availability": {"$ref": "#/components/schemas/Availability"}},
        },
    ]
}

SCHEMAS = {
    "SearchResults": {
        "type": "object",
        "required": ["items", "total", "page", "per_page", "facets", "suggestion"],
        "properties": {
            "items": {"type": "array", "items": _BOOK_WITH_AVAILABILITY},
            "total": {"type": "integer", "description": "Books matching the query and filters."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "query": {"type": "string", "description": "The query as understood (control characters dropped)."},
            "facets": {
                "type": "object",
                "description": (
                    "Counts per value among the matches. Each facet is counted under every filter "
                    "but its own. availability values: available (a copy on the shelf now), "
                    "unavailable. year values are ranges with from/to."
                ),
                "required": ["audience", "language", "subject", "availability", "year"],
                "properties": {name: _FACET for name in ("audience", "language", "subject", "availability", "year")},
            },
            "suggestion": {
                **_NULLABLE_STR,
                "description": "\"Did you mean\": the query with misspelt words corrected, or null.",
            },
        },
    },
    "Autocomplete": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "authors", "cover_url"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "authors": {"type": "array", "items": {"type": "string"}},
                        "cover_url": _NULLABLE_STR,
                    },
                },
            }
        },
    },
    "RelatedBooks": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _BOOK_WITH_AVAILABILITY}},
    },
}


def _query_param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


PATHS = {
    "/api/v1/search": {
        "get": {
            "operationId": "searchBooks",
            "summary": "Search the catalogue (Indonesian and English, typo-tolerant) with facets",
            "description": (
                "Words match titles, authors, subjects, summaries, ISBNs and call numbers, with "
                "Indonesian and English stemming (membaca, bacaan -> baca) and accents folded; a title "
                "match ranks above a summary match. Every word must match; when none does, any word "
                "may. \"Quoted words\" match as a phrase, word* as a prefix. A misspelt word also "
                "matches its likeliest correction and `suggestion` says so. Without q, every book "
                "(by title) under the filters."
            ),
            "parameters": [
                _query_param("q", {"type": "string", "maxLength": 500}, "What the visitor typed."),
                _query_param("page", {"type": "integer", "minimum": 1, "maximum": 500, "default": 1},
                             "Page number; page x per_page may not pass 1,000 (400 bad_request)."),
                _query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Page size."),
                _query_param("audience", {"enum": ["children", "teens", "adults", "all"]}, "Only this audience."),
                _query_param("language", {"type": "string", "maxLength": 8}, "Only this language (ISO 639-1, e.g. id, en)."),
                _query_param("subject", {"type": "string", "maxLength": 200}, "Only books with this subject."),
                _query_param("available", {"enum": ["1", "0", "true", "false", "yes", "no"]},
                             "1: only books with a copy on the shelf now."),
                _query_param("year_from", {"type": "integer", "minimum": 0, "maximum": 3000}, "Published in or after."),
                _query_param("year_to", {"type": "integer", "minimum": 0, "maximum": 3000}, "Published in or before."),
            ],
            "responses": {
                "200": _json("SearchResults"),
                "400": _error_response("query_too_long, too_many_words or bad_request (a bad parameter)."),
                "503": _error_response("search_index_building: a large catalogue's index is being built."),
            },
        }
    },
    "/api/v1/search/autocomplete": {
        "get": {
            "operationId": "autocomplete",
            "summary": "Titles as the visitor types (kiosk keyboard)",
            "description": "Books whose title or author words start with the typed words, the last one as a prefix.",
            "parameters": [
                _query_param("q", {"type": "string", "maxLength": 500}, "What has been typed so far."),
                _query_param("limit", {"type": "integer", "minimum": 1, "maximum": 20, "default": 8}, "How many."),
            ],
            "responses": {"200": _json("Autocomplete"), "400": _error_response("query_too_long or bad limit."),
                          "503": _error_response("search_index_building.")},
        }
    },
    "/api/v1/books/{book_id}/related": {
        "get": {
            "operationId": "relatedBooks",
            "summary": "More like this: books by the same author or on the same subjects",
            "parameters": [
                {"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                _query_param("limit", {"type": "integer", "minimum": 1, "maximum": 24, "default": 6}, "How many."),
            ],
            "responses": {
                "200": _json("RelatedBooks"),
                "400": _error_response("Bad limit."),
                "404": _error_response("No such book."),
                "503": _error_response("search_index_building."),
            },
        }
    },
}
