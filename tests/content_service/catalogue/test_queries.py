"""One "no such book" answer: every view that takes a book id says the same
thing, in both languages, for a book that is not in the catalogue."""
from __future__ import annotations

import pytest

from content_service.catalogue.queries import NoSuchBook, get_book
from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, login
from tests.factories import make_book

API_PATHS = ("/api/v1/books/{id}", "/api/v1/books/{id}/events", "/api/v1/books/{id}/related")
STAFF_PATHS = ("/staff/books/{id}", "/staff/books/{id}/content", "/staff/books/{id}/preview")


def test_get_book_loads_the_book_or_raises(app, session):
    book = make_book(session, copies=2)
    session.commit()
    with app.app_context():
        from content_service.db import get_session

        found = get_book(get_session(), book.id)
        assert found.title == book.title and len(found.items) == 2
        with pytest.raises(NoSuchBook) as raised:
            get_book(get_session(), book.id + 1000)
    assert raised.value.status == 404 and raised.value.code == "not_found"


@pytest.mark.parametrize("path", API_PATHS)
def test_api_answers_one_not_found_for_a_missing_book(client, path):
    res = client.get(path.format(id=987654))
    assert res.status_code == 404
    assert res.get_json()["error"] == {"code": "not_found", "message": "No book with id 987654.",
                                       "message_id": "Buku dengan id 987654 tidak ada."}


def test_public_book_page_says_which_book_is_missing(client):
    res = client.get("/books/987654", headers={"Accept": "text/html"})
    assert res.status_code == 404
    assert "Buku dengan id 987654 tidak ada." in res.get_data(as_text=True)


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_pages_answer_the_same_for_a_missing_book(client, session, path):
    create_staff(session, "admin-user", PASSWORD, "admin", method=FAST_HASH)
    session.commit()
    assert login(client, "admin-user").status_code == 302
    res = client.get(path.format(id=987654), headers={"Accept": "text/html"})
    assert res.status_code == 404
    assert "Buku dengan id 987654 tidak ada." in res.get_data(as_text=True)
