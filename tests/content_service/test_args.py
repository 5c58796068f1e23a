"""Query-string arguments are read one way everywhere (``args``): a malformed
value is a 400 that names the argument, in both languages, on the API and on
pages alike; never a 500 and never a silent fallback."""
from __future__ import annotations

import pytest

from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, login

API_CASES = [
    ("/api/v1/books?page=two", "'page' must be a whole number."),
    ("/api/v1/books?per_page=0", "'per_page' must be between 1 and 100."),
    ("/api/v1/events/upcoming?limit=abc", "'limit' must be a whole number."),
    ("/api/v1/events/upcoming?limit=51", "'limit' must be between 1 and 50."),
    ("/api/v1/events/upcoming?audience=pets", "'audience' must be one of"),
    ("/api/v1/books/1/events?limit=-1", "'limit' must be between 1 and 20."),
    ("/api/v1/search?q=buku&year_from=19x5", "'year_from' must be a whole number."),
]


@pytest.mark.parametrize("path, message", API_CASES)
def test_api_names_the_bad_argument(client, path, message):
    res = client.get(path)
    assert res.status_code == 400, res.get_data(as_text=True)
    error = res.get_json()["error"]
    assert error["code"] == "bad_request" and error["message"].startswith(message)
    assert error["message_id"].startswith(message.split()[0])  # the argument's name, in Indonesian too


def test_event_calendar_page_refuses_a_bad_week(client):
    res = client.get("/events?week=next", headers={"Accept": "text/html"})
    assert res.status_code == 400
    assert "&#39;week&#39; harus berupa tanggal, mis. 2026-12-07." in res.get_data(as_text=True)


@pytest.mark.parametrize("path, text", [
    ("/staff/analytics?end=kemarin", "&#39;end&#39; harus berupa tanggal"),
    ("/staff/analytics?days=0", "&#39;days&#39; harus antara 1 dan 366."),
    ("/staff/books?page=dua", "&#39;page&#39; harus berupa bilangan bulat."),
    ("/staff/events/feedback?days=400", "&#39;days&#39; harus antara 1 dan 366."),
])
def test_staff_pages_refuse_bad_arguments_the_same_way(client, session, path, text):
    create_staff(session, "admin-user", PASSWORD, "admin", method=FAST_HASH)
    session.commit()
    assert login(client, "admin-user").status_code == 302
    res = client.get(path, headers={"Accept": "text/html"})
    assert res.status_code == 400
    assert text in res.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/books/2147483648", "/api/v1/events/42076152597108629504/qr.svg",
                                  "/api/v1/events/598636248398122319872", "/books/99999999999999999999"])
def test_ids_no_row_can_have_are_a_plain_404(client, path):
    # Found by schemathesis: on PostgreSQL these reached the database and answered 500.
    res = client.get(path)
    assert res.status_code == 404


def test_json_ids_beyond_the_database_are_refused(client):
    res = client.post("/api/v1/feedback", json={"rating": 2, "book_id": -660366243287471225406557782016})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "bad_request"
    plays = client.post("/api/v1/assets/165865406675979822170112/plays")
    assert plays.status_code == 404
