"""The events API (contract 2) against its OpenAPI schemas: upcoming dates,
a book's related events, event codes in resolve, registering and the survey."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from content_service import codes, kiosks
from content_service.events import schedule
from content_service.events.models import Feedback
from tests.factories import make_book

from .helpers import make_event


def test_upcoming_matches_the_contract_and_puts_children_first(client, session, validate):
    soon = schedule.now() + timedelta(hours=1)
    talk = make_event(session, title="Diskusi Teknologi", category="discussion", audience="adults", start=soon,
                      capacity=30, registration_required=True, title_en="Technology talk")
    story = make_event(session, start=soon + timedelta(days=1), audience="children", age_min=4, age_max=8,
                       rrule="FREQ=WEEKLY")
    body = client.get("/api/v1/events/upcoming?limit=3").get_json()
    validate(body, "EventList")
    first = body["items"][0]
    assert first["id"] == talk.id and first["title_en"] == "Technology talk" and first["seats_left"] == 30
    assert first["start"].endswith("Z") and first["start_local"].endswith("+07:00")
    assert first["today"] == (schedule.local(soon).date() == schedule.local(schedule.now()).date())
    assert [i["id"] for i in body["items"]] == [talk.id, story.id, story.id]
    child = client.get("/api/v1/events/upcoming?limit=3&audience=children").get_json()
    assert [i["id"] for i in child["items"]] == [story.id, story.id, story.id]
    page = client.get(first["url"].replace("http://localhost", ""))
    assert page.status_code == 200 and "Diskusi Teknologi" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "audience=aliens", "category=party"])
def test_bad_filters_are_clear_400s(client, query, validate):
    res = client.get(f"/api/v1/events/upcoming?{query}")
    assert res.status_code == 400
    validate(res.get_json(), "Error")


def test_a_book_shows_its_next_related_event(client, session, validate):
    dino = make_book(session, title="Dinosaurus", subjects=["Dinosaurus", "Sains"])
    other = make_book(session, title="Resep")
    listed = make_book(session, title="Laskar Pelangi")
    session.commit()
    later = make_event(session, title="Hari Dino", related_subjects=["dinosaurus"],
                       start=schedule.now() + timedelta(days=5))
    make_event(session, title="Kelas Menulis", book_ids=[listed.id], start=schedule.now() + timedelta(days=3))
    body = client.get(f"/api/v1/books/{dino.id}/events").get_json()
    validate(body, "EventList")
    assert [i["id"] for i in body["items"]] == [later.id]
    assert client.get(f"/api/v1/books/{other.id}/events").get_json() == {"items": []}
    assert [i["title"] for i in client.get(f"/api/v1/books/{listed.id}/events").get_json()["items"]] == ["Kelas Menulis"]
    assert client.get("/api/v1/books/999999/events").status_code == 404


def test_an_event_code_resolves_to_the_event_and_opens_its_page(client, session, validate):
    event = make_event(session, capacity=2, registration_required=True)
    code = codes.mint(session, "event", event.id).code
    session.commit()
    body = client.get(f"/api/v1/resolve?payload=https://pindai.example.id/q/{code}").get_json()
    validate(body, "Resolution")
    assert body["type"] == "event" and body["book"] is None and body["event"]["id"] == event.id
    assert body["event"]["seats_left"] == 2
    client.post(f"/api/v1/events/{event.id}/registrations", json={"name": "Ani", "phone": "081234567890"})
    again = client.get(f"/api/v1/resolve?payload={code}").get_json()
    assert again["event"]["seats_left"] == 1  # never served from the answer cache
    page = client.get(f"/q/{code}")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/events/{event.id}")


def test_register_from_a_kiosk_with_a_scanned_card_and_cancel_by_link(app, client, session, validate):
    from content_service.circulation.models import Patron

    with app.app_context():
        kiosk, key = kiosks.create_kiosk(session, "Kios Anak")
        session.add(Patron(card_number="BK0001", name="Ani Lestari"))
        session.commit()
    event = make_event(session, capacity=1, registration_required=True)
    auth = {"Authorization": f"Bearer {key}"}
    url = f"/api/v1/events/{event.id}/registrations"
    first = client.post(url, json={"card_number": "BK0001"}, headers=auth)
    assert first.status_code == 201
    validate(first.get_json(), "Registration")
    assert first.get_json()["status"] == "confirmed" and first.get_json()["event"]["seats_left"] == 0
    twice = client.post(url, json={"card_number": "bk 0001"}, headers=auth)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_registered"
    second = client.post(url, json={"name": "Budi", "phone": "0813 1111 2222"}).get_json()
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)
    cancelled = client.post(f"/api/v1/registrations/{first.get_json()['token']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    page = client.get(second["manage_url"].replace("http://localhost", ""))
    assert 'data-status="confirmed"' in page.get_data(as_text=True)
    assert client.post(url, json={"card_number": "BK0001"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    unknown = client.post(url, json={"card_number": "ZZ9999"}, headers=auth)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "unknown_card"
    without_pin = client.post(url, json={"card_number": "BK0001"})  # away from a kiosk a card needs its PIN
    assert without_pin.status_code in (401, 403) and without_pin.get_json()["error"]["code"] != "already_registered"
    bad = client.post(url, data="rating", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 400
    validate(bad.get_json(), "Error")


def test_feedback_is_stored_and_bad_answers_are_refused(client, session, validate):
    res = client.post("/api/v1/feedback", json={"rating": 5, "comment": "  Seru sekali! ", "context": "kiosk_book"})
    assert res.status_code == 201
    validate(res.get_json(), "FeedbackAnswer")
    stored = session.scalars(select(Feedback)).one()
    assert (stored.rating, stored.comment, stored.context) == (5, "Seru sekali!", "kiosk_book")
    for bad in ({"rating": 6}, {"rating": "5"}, {"rating": True}, {"rating": 3, "context": "moon"},
                {"rating": 3, "comment": "x" * 501}, {"rating": 3, "book_id": 999999}, {}):
        res = client.post("/api/v1/feedback", json=bad)
        assert res.status_code == 400, bad
        validate(res.get_json(), "Error")


def test_event_qr_encodes_the_date_page(client, session):
    from kiosk.scan.decoding import decode
    import cv2
    import numpy as np

    event = make_event(session, rrule="FREQ=WEEKLY")
    key = schedule.occurrence_key(event.starts_at)
    res = client.get(f"/api/v1/events/{event.id}/qr.svg?date={key}")
    assert res.status_code == 200 and res.mimetype == "image/svg+xml"
    # Draw the SVG's unit squares and read them back with the kiosk's decoder.
    import re

    size = int(re.search(rb'viewBox="0 0 (\d+) (\d+)"', res.data).group(1))
    scale = 8
    image = np.full((size * scale, size * scale), 255, np.uint8)
    for x, y in re.findall(rb"M(\d+),(\d+)H", res.data):
        x, y = int(x), int(y)
        image[y * scale:(y + 1) * scale, x * scale:(x + 1) * scale] = 0
    image = cv2.copyMakeBorder(image, 32, 32, 32, 32, cv2.BORDER_CONSTANT, value=255)
    found = [r.text for r in decode(image)]
    assert found == [f"http://localhost/events/{event.id}/{key}"]
    assert client.get(f"/api/v1/events/{event.id}/qr.svg?date=20200101T000000Z").status_code == 404
