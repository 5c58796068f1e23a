"""Inputs every request may carry, refused the same way on SQLite and
PostgreSQL (each test runs on both): JSON bodies as the OpenAPI document
says, no NUL or broken characters anywhere, nothing longer than its column
or bigger than its integer, dates a person could mean, and the HTTP details
a client relies on (``Allow``, a safe ``next=``). Each refusal is a clear 400
naming the field, in the visitor's language, and stores nothing."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import content_service
from werkzeug.routing.converters import NumberConverter

from content_service.catalogue.models import Book
from content_service.events import schedule
from content_service.events.models import Feedback, Registration, SchoolVisit
from content_service.inputs import OutOfRange, TooLong
from tests.content_service.events.helpers import make_event
from tests.content_service.staff.conftest import csrf_token, make_staff, staff_client  # noqa: F401 (fixtures)
from tests.factories import make_book
from tests.forms import form_token


def _count(session, model) -> int:
    session.rollback()  # a fresh snapshot of what the requests committed
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("body, field, english, indonesian", [
    ({"rating": 5, "comment": 5}, "comment", "'comment' must be text.", "'comment' harus berupa teks."),
    ({"rating": "5"}, "rating", "'rating' must be a whole number.", "'rating' harus berupa bilangan bulat."),
    ({"rating": 9}, "rating", "'rating' must be between 1 and 5.", "'rating' harus antara 1 dan 5."),
    ({"comment": "bagus"}, "rating", "'rating' is required.", "'rating' wajib diisi."),
    ({"rating": 4, "context": "fax"}, "context", "'context' must be one of", "'context' harus salah satu dari"),
    ({"rating": 4, "comment": "x" * 501}, "comment", "'comment' must be at most 500 characters.",
     "'comment' paling banyak 500 karakter."),
    ({"rating": 4, "event_id": 2**31}, "event_id", "'event_id' must be between 1 and 2147483647.",
     "'event_id' harus antara 1 dan 2147483647."),
])
def test_json_bodies_are_checked_against_the_document(client, session, body, field, english, indonesian):
    answer = client.post("/api/v1/feedback", json=body)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "bad_request" and error["details"]["field"] == field
    assert error["message"].startswith(english) and error["message_id"].startswith(indonesian)
    assert _count(session, Feedback) == 0


def test_non_string_values_in_a_registration_are_a_400(client, session):
    event = make_event(session, registration_required=True, capacity=10)
    for body, field in (({"name": [None, None], "phone": ""}, "name"), ({"name": "Rina", "phone": 812}, "phone"),
                        ({"card_number": 5}, "card_number"), ({"name": {"a": 1}}, "name")):
        answer = client.post(f"/api/v1/events/{event.id}/registrations", json=body)
        assert answer.status_code == 400, body
        assert answer.get_json()["error"]["details"]["field"] == field
    assert client.post(f"/api/v1/events/{event.id}/registrations", data="[1, 2]",
                       content_type="application/json").get_json()["error"]["message"].startswith("Send a JSON object")
    assert client.post("/api/v1/feedback", data="{not json",
                       content_type="application/json").get_json()["error"]["message"] == \
        "The request body is not valid JSON."
    assert _count(session, Registration) == 0


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "ok \udfff"], ids=["nul", "lone-high", "lone-low"])
def test_nul_and_broken_characters_are_refused_everywhere(client, session, text):
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    # JSON escapes (\\u0000, \\ud800) are how these arrive; UTF-8 cannot carry a lone surrogate.
    body = json.dumps({"rating": 5, "comment": text, "book_id": book.id}, ensure_ascii=True)
    json_answer = client.post("/api/v1/feedback", data=body, content_type="application/json")
    assert json_answer.status_code == 400
    assert json_answer.get_json()["error"]["details"] == {"field": "comment", "rule": "text"}
    assert _count(session, Feedback) == 0
    if text != "a\x00b":
        return
    # Query strings too, of reads and writes; only a search box reads a NUL as a space (test_search_api).
    query = client.post("/api/v1/feedback", query_string={"note": text}, json={"rating": 5})
    assert query.status_code == 400 and "'note'" in query.get_json()["error"]["message"]
    read = client.get("/api/v1/books", query_string={"library": text})
    assert read.status_code == 400 and read.get_json()["error"]["details"] == {"field": "library", "rule": "text"}
    page = client.post("/survey", data={"csrf_token": form_token(client, "/survey"), "rating": "5", "comment": text},
                       headers={"Accept-Language": "id"})
    assert page.status_code == 400
    assert "karakter yang tidak diizinkan" in page.get_data(as_text=True)  # the friendly page, in Indonesian
    assert _count(session, Feedback) == 0


def test_what_is_written_fits_its_column_on_both_databases(session):
    # PostgreSQL refuses these with a 500-worthy DataError; SQLite would keep them.
    with pytest.raises(TooLong) as refused:
        make_book(session, title="Laskar Pelangi", subtitle="x" * 100_000)
    assert refused.value.details == {"field": "subtitle", "limit": 500}
    session.rollback()
    start = schedule.now() + timedelta(days=3)
    with pytest.raises(OutOfRange):
        make_event(session, start=start, capacity=2**31)
    session.rollback()
    assert _count(session, Book) == 0


def test_long_fields_on_forms_come_back_with_what_was_typed(app, client, session, staff_client):
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    staff, token = staff_client("librarian")
    answer = staff.post(f"/staff/books/{book.id}/edit",
                        data={"csrf_token": token, "title": "Laskar Pelangi", "publisher": "P" * 5000})
    assert answer.status_code == 400
    assert "&#39;publisher&#39; terlalu panjang (paling banyak 300 karakter)." in answer.get_data(as_text=True)
    session.rollback()
    assert session.get(Book, book.id).publisher is None

    tomorrow = schedule.local(schedule.now()).date() + timedelta(days=2)
    form = {"school": "SD Negeri 001 Batam Kota", "teacher_name": "Ibu Rina", "phone": "0812 7000 1234",
            "class_size": "28", "email": "a" * 1_000_000 + "@example.id", "preferred_date": [str(tomorrow)],
            "csrf_token": form_token(client, "/school-visits")}
    visit = client.post("/school-visits", data=form)
    assert visit.status_code == 400
    html = visit.get_data(as_text=True)
    assert "&#39;email&#39; terlalu panjang" in html and 'value="Ibu Rina"' in html
    assert _count(session, SchoolVisit) == 0


def test_event_capacity_beyond_an_integer_is_refused_on_the_staff_form(session, staff_client):
    staff, token = staff_client("admin")
    start = (schedule.local(schedule.now()) + timedelta(days=5)).strftime("%Y-%m-%dT09:00")
    end = (schedule.local(schedule.now()) + timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    answer = staff.post("/staff/events/new", data={
        "csrf_token": token, "title": "Cerita di Pagi Hari", "category": "storytelling", "audience": "children",
        "status": "published", "start": start, "end": end, "capacity": str(2**31)})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "&#39;capacity&#39; di luar batas" in html and 'value="Cerita di Pagi Hari"' in html


def test_dates_beyond_what_a_person_means_are_a_400_page(client):
    for week in ("9999-12-31", "0001-01-01", "2200-01-01"):
        page = client.get(f"/events?week={week}", headers={"Accept-Language": "id"})
        assert page.status_code == 400, week
        assert "&#39;week&#39; harus berupa tanggal antara 1900-01-01 dan 2199-12-31." in page.get_data(as_text=True)
    assert client.get("/events?week=2026-12-07").status_code == 200


def test_empty_arguments_are_refused_by_the_api_but_not_by_pages(client):
    answer = client.get("/api/v1/events/upcoming?limit=")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"] == "'limit' was sent empty: give a value or leave it out."
    assert client.get("/api/v1/search?q=laskar&audience=").status_code == 400
    assert client.get("/events?category=&audience=").status_code == 200  # a form's empty fields
    assert client.get("/search?q=laskar&year_from=").status_code == 200


def test_405_says_which_methods_are_allowed(client):
    for method, path in (("PUT", "/api/v1/books"), ("TRACE", "/api/v1/resolve"), ("DELETE", "/api/v1/feedback")):
        answer = client.open(path, method=method)
        assert answer.status_code == 405
        assert answer.headers["Allow"], path
        assert answer.get_json()["error"]["code"] == "method_not_allowed"
    assert set(client.put("/api/v1/books").headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_next_with_cr_lf_never_reaches_a_header(client, make_staff):
    make_staff("editor")
    token = csrf_token(client)
    answer = client.post("/staff/login", data={"username": "editor-user", "password": "correct horse battery",
                                               "csrf_token": token, "next": "/staff\r\nSet-Cookie: x=1"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/staff/") and "Set-Cookie: x" not in str(answer.headers)


def test_every_operation_documents_the_answers_any_request_can_meet(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "503" in responses and "414" in responses, (method, path)
            if operation.get("requestBody") or any(p["in"] != "path" for p in operation.get("parameters", [])):
                assert "400" in responses, (method, path)
    for path in ("/api/v1/feedback", "/api/v1/events/{event_id}/registrations"):
        assert {"429", "403"} <= set(paths[path]["post"]["responses"]), path


# Every name a view reads from a query string, taken from the source so a new
# argument is covered the day it is written.
_ARG_READ = re.compile(r"""(?:request\.args\.get|raw_arg|int_arg|date_arg|choice_arg|limit_arg|_text)\(\s*["']([a-z_]+)["']""")


def _query_arg_names() -> set[str]:
    source = Path(content_service.__file__).parent
    names = {name for path in source.rglob("*.py") for name in _ARG_READ.findall(path.read_text())}
    assert {"q", "card", "library", "payload", "category"} <= names  # the pattern still finds them
    return names


def _get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        converters = rule._converters
        values = {arg: (1 if isinstance(converters.get(arg), NumberConverter) else "x")
                  for arg in rule.arguments if arg not in (rule.defaults or {})}
        urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(urls))


def test_no_page_or_api_read_answers_500_for_a_nul_or_a_broken_character(app, session, staff_client):
    """Every GET route, signed in as an admin, with each query argument any view
    reads set to a NUL or the bytes of a lone surrogate: a 400 naming it (or, where a view
    reads the argument as free text, its normal answer), never a 500."""
    from content_service.inputs import _FREE_TEXT

    make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    staff, _ = staff_client("admin")
    names = sorted(_query_arg_names())
    checked = 0
    for url in _get_urls(app):
        endpoint = app.url_map.bind("localhost").match(url, "GET")[0]
        free = getattr(app.view_functions[endpoint], _FREE_TEXT, frozenset())
        for name in names:
            for bad in ("a%00b", "%ED%A0%80"):  # a NUL; the UTF-8 bytes of a lone surrogate
                answer = staff.get(f"{url}?{name}={bad}")
                assert answer.status_code != 500, (url, name, repr(bad))
                # (Broken UTF-8 arrives as U+FFFD, a character like any other.)
                if bad == "a%00b" and name not in free and answer.status_code < 300:
                    raise AssertionError(f"{url}?{name}={bad!r} was answered {answer.status_code}")
                checked += 1
    assert checked > 500
