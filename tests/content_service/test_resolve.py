"""GET /api/v1/resolve: every payload kind and every error code."""
from __future__ import annotations

import pytest

from content_service import codes
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_asset, make_book, make_code, make_item

LASKAR = "9789793062792"  # Laskar Pelangi, Bentang Pustaka


@pytest.fixture
def shelf(app, session):
    """A book with two copies (one on loan), a code per copy and a book code."""
    book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], isbn13=LASKAR, language="id")
    on_shelf = make_item(session, book, barcode="00012345", location="Lantai 2 · Fiksi Indonesia · Rak F3")
    on_loan = make_item(session, book, status="on_loan", location="Lantai 2 · Fiksi Indonesia · Rak F3")
    make_asset(session, book, kind="link", title="Wawancara penulis", url="https://example.org/wawancara")
    make_asset(session, book, kind="link", title="Draf", url="https://example.org/draf", published=False)
    ids = {
        "book": book.id,
        "item": on_shelf.id,
        "item_code": make_code(session, on_shelf),
        "loan_code": make_code(session, on_loan),
        "book_code": make_code(session, book),
    }
    session.commit()
    return ids


def resolve(client, payload):
    return client.get("/api/v1/resolve", query_string={"payload": payload})


def test_label_url_resolves_to_item_with_book_availability_and_published_assets(client, shelf):
    res = resolve(client, f"{PUBLIC_BASE_URL}/q/{shelf['item_code']}")
    assert res.status_code == 200
    body = res.get_json()
    assert body["type"] == "item" and body["via"] == "label_url"
    assert body["code"] == shelf["item_code"]
    assert body["item"]["id"] == shelf["item"] and body["item"]["on_shelf"] is True
    assert body["book"]["title"] == "Laskar Pelangi"
    assert body["book"]["isbn13"] == LASKAR
    assert body["availability"]["total"] == 2 and body["availability"]["available"] == 1
    assert body["availability"]["status"] == "available"
    assert [a["title"] for a in body["assets"]] == ["Wawancara penulis"]


@pytest.mark.parametrize(
    "shape",
    [
        "http://pindai.example.id/q/{code}",  # the scheme does not matter
        "HTTPS://PINDAI.EXAMPLE.ID/q/{code}",
        "https://pindai.example.id:443/q/{code}/",
        "https://pindai.example.id/q/{lower}",
        "  https://pindai.example.id/q/{code}\r\n",
    ],
)
def test_label_url_variants(client, shelf, shape):
    code = shelf["item_code"]
    res = resolve(client, shape.format(code=code, lower=code.lower()))
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["item"]["id"] == shelf["item"]


def test_bare_code_and_misread_characters(client, shelf):
    code = shelf["book_code"]
    body = resolve(client, code).get_json()
    assert body["type"] == "book" and body["via"] == "code" and body["item"] is None
    assert body["book"]["id"] == shelf["book"]
    # A person typing O for 0 or I/L for 1 still lands on the book.
    typed = code.lower().replace("0", "o").replace("1", "l")
    assert resolve(client, typed).get_json()["book"]["id"] == shelf["book"]


def test_item_barcode(client, shelf):
    body = resolve(client, "00012345").get_json()
    assert body["type"] == "item" and body["via"] == "item_barcode"
    assert body["item"]["barcode"] == "00012345"


@pytest.mark.parametrize(
    "payload", [LASKAR, "978-979-3062-79-2", "ISBN 978 979 3062 79 2", "9793062797", "979306279-7", LASKAR + "52500"]
)
def test_isbn_forms(client, shelf, payload):
    res = resolve(client, payload)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["type"] == "book" and body["via"] == "isbn" and body["book"]["id"] == shelf["book"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ("", 400, "missing_payload"),
        ("   ", 400, "missing_payload"),
        ("x" * 5000, 400, "payload_too_long"),
        ("https://evil.example.com/q/ABCD2345", 422, "not_ours"),
        ("https://pindai.example.id.evil.com/q/ABCD2345", 422, "not_ours"),
        ("https://pindai.example.id:8443/q/ABCD2345", 422, "not_ours"),
        ("https://pindai.example.id/admin", 422, "not_ours"),
        ("WIFI:S:library;T:WPA;P:secret;;", 422, "not_ours"),
        ("hello\x00world", 422, "not_ours"),
        ("Selamat datang di perpustakaan", 422, "not_ours"),
        ("9789793062793", 422, "invalid_isbn"),
        ("9793062798", 422, "invalid_isbn"),
        ("9780439023481", 404, "unknown_isbn"),
        ("ZZZZ2345", 404, "unknown_code"),
        (f"{PUBLIC_BASE_URL}/q/ZZZZ2345", 404, "unknown_code"),
        (f"{PUBLIC_BASE_URL}/q/not-a-code!", 404, "unknown_code"),
    ],
)
def test_errors_have_code_and_bilingual_message(client, shelf, payload, status, code):
    res = resolve(client, payload)
    assert res.status_code == status
    error = res.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and error["message_id"] and error["message"] != error["message_id"]


def test_missing_parameter(client):
    res = client.get("/api/v1/resolve")
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "missing_payload"


def test_retired_code_is_gone_and_never_reused(app, client, session, shelf):
    from content_service.codes.models import Code

    row = session.get(Code, shelf["item_code"])
    codes.retire(row)
    session.commit()
    res = resolve(client, f"{PUBLIC_BASE_URL}/q/{shelf['item_code']}")
    assert res.status_code == 410 and res.get_json()["error"]["code"] == "retired_code"
    fresh = codes.ensure_code(session, "item", shelf["item"])
    assert fresh.code != shelf["item_code"]


def test_withdrawn_item_code_is_retired(client, session, shelf):
    from content_service.catalogue.models import Item

    session.get(Item, shelf["item"]).status = "withdrawn"
    session.commit()
    res = resolve(client, shelf["item_code"])
    assert res.status_code == 410


def test_an_event_code_without_its_event_is_retired(client, session):
    from content_service.codes.models import Code

    session.add(Code(code="EVNT2345", target_type="event", target_id=1))
    session.commit()
    res = resolve(client, "EVNT2345")  # events answer their codes (tests/content_service/events)
    assert res.status_code == 410 and res.get_json()["error"]["code"] == "retired_code"


def test_public_base_url_with_path_prefix(make_app):
    app = make_app(PUBLIC_BASE_URL="https://perpustakaan.batam.go.id/pindai/")
    with app.app_context():
        from content_service.db import get_session

        session = get_session()
        book = make_book(session)
        code = make_code(session, book)
        session.commit()
    client = app.test_client()
    ok = resolve(client, f"https://perpustakaan.batam.go.id/pindai/q/{code}")
    assert ok.status_code == 200
    wrong = resolve(client, f"https://perpustakaan.batam.go.id/q/{code}")
    assert wrong.get_json()["error"]["code"] == "not_ours"


def test_cached_answers_follow_every_catalogue_change(app, client, session, shelf):
    """Answers are cached per catalogue version: a loan, an edit or a retired
    code shows in the very next answer."""
    from content_service.catalogue.models import Book, Item
    from content_service.codes.models import Code

    url = f"{PUBLIC_BASE_URL}/q/{shelf['item_code']}"
    assert resolve(client, url).get_json()["availability"]["available"] == 1
    assert resolve(client, url).get_json()["availability"]["available"] == 1  # served from the cache
    session.get(Item, shelf["item"]).status = "on_loan"
    session.commit()
    assert resolve(client, url).get_json()["availability"]["status"] == "all_on_loan"
    session.get(Book, shelf["book"]).title = "Laskar Pelangi (edisi baru)"
    session.commit()
    assert resolve(client, url).get_json()["book"]["title"] == "Laskar Pelangi (edisi baru)"
    from sqlalchemy import update

    session.execute(update(Code).where(Code.code == shelf["item_code"]).values(retired_at=Code.created_at))
    session.commit()
    assert resolve(client, url).status_code == 410
