"""Bots and bursts on the public forms and APIs (issue: 500 sign-ups from one
address filled a 25-seat session and its waiting list in 5 s)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from content_service.events import schedule
from content_service.events.models import Feedback, Registration, SchoolVisit
from tests.content_service.events.helpers import make_event
from tests.forms import form_token
from tests.security.conftest import redis_or_skip


def _signups(base: str, url: str, count: int) -> list[requests.Response]:
    def one(n: int) -> requests.Response:
        return requests.post(base + url, json={"name": f"Bot {n}", "phone": f"0812{n:08d}"}, timeout=60)

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, range(count)))


def test_a_burst_of_signups_from_one_address_is_stopped_across_workers(gunicorn_service, session):
    base = gunicorn_service(RATE_LIMIT_STORAGE=redis_or_skip())
    event = make_event(session, capacity=25, registration_required=True)
    answers = _signups(base, f"/api/v1/events/{event.id}/registrations", 60)
    accepted = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 429]
    # Ten a minute from one address, counted once for both workers (per-worker
    # counters would let twenty through).
    assert len(accepted) == 10 and len(refused) == 50, sorted(a.status_code for a in answers)
    error = refused[0].json()["error"]
    assert error["code"] == "rate_limited" and "Terlalu banyak permintaan" in error["message_id"]
    assert int(refused[0].headers["Retry-After"]) > 0
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Registration)) == 10


def test_one_phone_cannot_sign_up_for_everything(client, session):
    events = [make_event(session, capacity=30, registration_required=True) for _ in range(11)]
    codes = []
    for event in events:
        res = client.post(f"/api/v1/events/{event.id}/registrations",
                          json={"name": "Siti", "phone": "0812 3456 7890"}, environ_base={"REMOTE_ADDR": f"10.0.0.{event.id}"})
        codes.append(res.status_code)
    assert codes == [201] * 10 + [429]  # ten an hour per phone, wherever they come from
    other = client.post(f"/api/v1/events/{events[-1].id}/registrations", json={"name": "Ani", "phone": "0813 1111 2222"})
    assert other.status_code == 201


def test_kiosks_are_not_counted_as_one_address(client, session, runner):
    out = runner.invoke(args=["create-kiosk", "Lobi"])
    key = out.output.strip().split()[-1]
    event = make_event(session, capacity=40, registration_required=True)
    url = f"/api/v1/events/{event.id}/registrations"
    answers = [client.post(url, json={"name": f"Anak {n}", "phone": f"0812{n:08d}"},
                           headers={"Authorization": f"Bearer {key}"}).status_code for n in range(15)]
    assert answers == [201] * 15
    assert client.post(url, json={"name": "Tamu", "phone": "081299990000"}).status_code == 201


def test_forms_need_their_token_and_refuse_the_honeypot(client, session):
    event = make_event(session, capacity=5, registration_required=True)
    key = schedule.occurrence_key(event.starts_at)
    page = f"/events/{event.id}/{key}"
    no_token = client.post(page + "/register", data={"name": "Siti", "phone": "081234567890"})
    assert no_token.status_code == 400 and "Formulir kedaluwarsa" in no_token.get_data(as_text=True)
    bot = client.post(page + "/register", data={"csrf_token": form_token(client, page), "name": "Siti",
                                                "phone": "081234567890", "website": "http://spam.example"})
    assert bot.status_code == 400 and "Formulir ini tidak dapat diterima" in bot.get_data(as_text=True)
    survey = client.post("/survey", data={"csrf_token": form_token(client, "/survey"), "rating": "5", "website": "x"})
    assert survey.status_code == 400
    visit = client.post("/school-visits", data={"school": "SD 1", "teacher_name": "Bu Ani", "phone": "081200001111",
                                                 "class_size": "20", "preferred_date": "2030-03-03"})
    assert visit.status_code == 400
    session.rollback()
    for model in (Registration, Feedback, SchoolVisit):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    # The honeypot is in the page but out of sight and out of the tab order.
    html = client.get(page).get_data(as_text=True)
    assert 'class="hp" aria-hidden="true"' in html and 'name="website" tabindex="-1"' in html


def test_json_posts_from_another_site_are_refused(client, session):
    event = make_event(session, capacity=5, registration_required=True)
    url = f"/api/v1/events/{event.id}/registrations"
    body = {"name": "Siti", "phone": "081234567890"}
    evil = client.post(url, json=body, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.get_json()["error"]["code"] == "foreign_origin"
    framed = client.post("/api/v1/feedback", json={"rating": 1}, headers={"Referer": "https://evil.example/page"})
    assert framed.status_code == 403
    ours = client.post(url, json=body, headers={"Origin": "http://localhost"})
    assert ours.status_code == 201


def test_a_person_sees_a_friendly_page_when_throttled(client):
    for _ in range(10):
        assert client.post("/survey", data={"csrf_token": form_token(client, "/survey"), "rating": "4"}).status_code == 200
    page = client.post("/survey", data={"csrf_token": form_token(client, "/survey"), "rating": "4"},
                       headers={"Accept": "text/html"})
    assert page.status_code == 429 and page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "<html" in text and "Terlalu banyak permintaan dari Anda" in text
