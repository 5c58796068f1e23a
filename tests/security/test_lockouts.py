"""Lockouts that hold under parallel guessing (issue: the 5-wrong-PIN lock let
9-13 guesses through in parallel on PostgreSQL, wrong guesses that met
"database is locked" on SQLite answered 500 and were never counted, and the
right PIN sent last logged in every time; the staff login lock was beaten
the same way).

Fifty wrong guesses at once against a real gunicorn with two workers, then
the right secret: at most five are evaluated (the rest are answered
"locked"), none is a 5xx, and the right one is refused while the lock holds.
Away from kiosks the event sign-up answers one refusal for an unknown card,
a wrong PIN and a locked card, and is rate-limited per card."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from content_service.circulation.models import Patron
from tests.content_service.circulation.helpers import PIN, kiosk_headers, make_patron
from tests.content_service.events.helpers import make_event
from tests.content_service.staff.conftest import PASSWORD
from tests.security.conftest import redis_or_skip
from content_service.staff.access import create_staff

GUESSES = 50
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _parallel(call, count: int = GUESSES) -> list[requests.Response]:
    with ThreadPoolExecutor(25) as pool:
        return list(pool.map(call, range(count)))


def test_parallel_pin_guesses_at_a_kiosk_are_counted_before_they_are_checked(gunicorn_service, session):
    headers = kiosk_headers(session)
    patron = make_patron(session)
    session.commit()
    base = gunicorn_service()
    url = base + "/api/v1/circulation/sessions"

    def guess(n: int) -> requests.Response:
        return requests.post(url, json={"card": patron.card_number, "pin": f"{1000 + n:04d}"}, headers=headers,
                             timeout=120)

    answers = _parallel(guess)
    codes = [a.json()["error"]["code"] for a in answers]
    assert not [a for a in answers if a.status_code >= 500], [a.text[:200] for a in answers if a.status_code >= 500]
    wrong = codes.count("wrong_pin")
    assert 1 <= wrong <= 4 and codes.count("card_locked") == GUESSES - wrong, sorted(codes)
    # The right PIN, sent last, is refused while the card is locked, and says so in both languages.
    right = requests.post(url, json={"card": patron.card_number, "pin": PIN}, headers=headers, timeout=60)
    error = right.json()["error"]
    assert right.status_code == 423 and error["code"] == "card_locked", right.text
    assert "Kartu dikunci karena PIN salah 5 kali" in error["message_id"] and "WIB" in error["message_id"]
    assert "locked after 5 wrong PINs" in error["message"]
    session.expire_all()
    row = session.scalars(select(Patron).where(Patron.id == patron.id)).one()
    assert row.locked_until is not None and row.failed_pins >= GUESSES  # every guess was counted


def test_parallel_guesses_at_the_staff_login_are_counted_before_they_are_checked(gunicorn_service, session):
    create_staff(session, "pustakawan", PASSWORD, "librarian", "Bu Rina")  # scrypt: a real evaluation takes time
    session.commit()
    base = gunicorn_service()
    browser = requests.Session()
    token = _TOKEN.search(browser.get(base + "/staff/login", timeout=30).text).group(1)
    cookies = browser.cookies.get_dict()

    def attempt(password: str) -> requests.Response:
        return requests.post(base + "/staff/login", data={"username": "pustakawan", "password": password,
                                                          "csrf_token": token},
                             cookies=cookies, allow_redirects=False, timeout=120)

    answers = _parallel(lambda n: attempt(f"wrong password {n}"))
    assert not [a for a in answers if a.status_code >= 500]
    said_wrong = [a for a in answers if a.status_code == 401]
    said_locked = [a for a in answers if a.status_code == 429]
    assert 1 <= len(said_wrong) <= 5 and len(said_wrong) + len(said_locked) == GUESSES, \
        sorted(a.status_code for a in answers)
    assert all("Nama pengguna atau kata sandi salah" in a.text for a in said_wrong)
    assert all("Terlalu banyak percobaan masuk yang gagal" in a.text for a in said_locked)
    # The right password, last, is refused with the lock's own words, and no session is opened.
    right = attempt(PASSWORD)
    assert right.status_code == 429 and "Terlalu banyak percobaan masuk yang gagal. Coba lagi paling lama dalam " \
        "15 menit" in right.text, right.text[:500]
    assert "Location" not in right.headers


def test_parallel_pin_guesses_at_the_public_sign_up_lock_the_card_and_say_one_thing(gunicorn_service, session):
    """Rate limits off, so the lock itself is what holds."""
    patron = make_patron(session)
    event = make_event(session, capacity=40, registration_required=True)
    session.commit()
    base = gunicorn_service(RATE_LIMITS="0")
    url = f"{base}/api/v1/events/{event.id}/registrations"
    answers = _parallel(lambda n: requests.post(url, json={"card_number": patron.card_number, "pin": "0000"},
                                                timeout=120))
    assert {(a.status_code, a.json()["error"]["code"]) for a in answers} == {(401, "card_or_pin_wrong")}
    right = requests.post(url, json={"card_number": patron.card_number, "pin": PIN}, timeout=60)
    unknown = requests.post(url, json={"card_number": "2199999999", "pin": PIN}, timeout=60)
    # A locked card and an unknown one read the same: nobody learns which cards exist.
    assert right.status_code == unknown.status_code == 401 and right.json() == unknown.json()
    assert "Nomor kartu anggota atau PIN salah" in right.json()["error"]["message_id"]
    session.expire_all()
    assert session.scalars(select(Patron.locked_until).where(Patron.id == patron.id)).one() is not None


def test_the_public_sign_up_answers_one_refusal_and_is_rate_limited_per_card(gunicorn_service, session):
    patron = make_patron(session)
    event = make_event(session, capacity=40, registration_required=True)
    session.commit()
    base = gunicorn_service(RATE_LIMIT_STORAGE=redis_or_skip())
    url = f"{base}/api/v1/events/{event.id}/registrations"
    wrong = requests.post(url, json={"card_number": patron.card_number, "pin": "0000"}, timeout=60)
    unknown = requests.post(url, json={"card_number": "2199999999", "pin": "0000"}, timeout=60)
    assert wrong.status_code == unknown.status_code == 401 and wrong.json() == unknown.json()
    # Four more on this card within the hour (from anywhere) and it is refused before its PIN is read.
    answers = [requests.post(url, json={"card_number": patron.card_number, "pin": "1111"}, timeout=60)
               for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
