"""Books API, and every answer checked against the OpenAPI document."""
from __future__ import annotations

import pytest

from tests.factories import make_book, make_code, make_item


def test_openapi_documents_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    routes = {
        rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == set(spec["paths"])


def test_books_paging_and_detail_match_the_schema(client, session, validate):
    for n in range(25):
        book = make_book(session, title=f"Buku {n:02d}", copies=1)
    session.commit()
    first = client.get("/api/v1/books?per_page=10").get_json()
    validate(first, "BookPage")
    assert (first["total"], first["pages"], len(first["items"])) == (25, 3, 10)
    assert first["items"][0]["title"] == "Buku 00" and "next" in first["links"] and "prev" not in first["links"]
    last = client.get("/api/v1/books?page=3&per_page=10").get_json()
    assert [b["title"] for b in last["items"]] == ["Buku 20", "Buku 21", "Buku 22", "Buku 23", "Buku 24"]
    detail = client.get(f"/api/v1/books/{book.id}").get_json()
    validate(detail, "BookDetail")
    assert detail["availability"]["available"] == 1 and len(detail["items"]) == 1


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=1000", "per_page=-1"])
def test_bad_paging_is_a_clear_400(client, query, validate):
    res = client.get(f"/api/v1/books?{query}")
    assert res.status_code == 400
    validate(res.get_json(), "Error")


def test_missing_book_is_404_json(client, validate):
    res = client.get("/api/v1/books/999999")
    assert res.status_code == 404
    validate(res.get_json(), "Error")


def test_resolution_matches_the_schema(client, session, validate):
    book = make_book(session, isbn13="9789793062792", copies=2)
    item = make_item(session, book, status="reference")
    code = make_code(session, item)
    session.commit()
    validate(client.get(f"/api/v1/resolve?payload={code}").get_json(), "Resolution")
    validate(client.get("/api/v1/resolve?payload=9789793062792").get_json(), "Resolution")
    validate(client.get("/api/v1/resolve?payload=nope").get_json(), "Error")
