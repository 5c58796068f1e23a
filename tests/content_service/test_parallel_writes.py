"""Writers wait for each other instead of failing (issue 13): several staff
uploading at once and several kiosks scanning at once, through a real
threaded HTTP server on a SQLite file (and PostgreSQL when configured), all
succeed and every write is kept.

SQLite lets one writer at a time; a transaction that read first and then
writes fails at once ("database is locked") when another writer committed
in between. Write requests and ``db.write`` therefore begin with
``BEGIN IMMEDIATE`` and queue on the busy timeout."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from content_service import kiosks
from content_service.catalogue.models import Asset
from content_service.db import get_session
from content_service.kiosks.models import ScanLog
from content_service.staff.access import create_staff
from tests.content_service.staff import samples
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD
from tests.factories import make_book, make_code
from tests.kiosk.live import quiet_server

WRITERS = 4
ROUNDS = 3
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def live(app):
    """The app on a free port, answering each request in a thread of its own."""
    server = quiet_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _staff(url: str, username: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    token = _TOKEN.search(http.get(f"{url}/staff/login").text).group(1)
    res = http.post(f"{url}/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                    allow_redirects=False)
    assert res.status_code == 302, res.text[:300]
    return http, _TOKEN.search(http.get(f"{url}/staff/analytics").text).group(1)


def _together(jobs):
    """Run the jobs at the same moment (a barrier), one thread each."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_parallel_uploads_all_succeed(app, live, session):
    for n in range(WRITERS):
        create_staff(session, f"editor{n}", PASSWORD, "editor", method=FAST_HASH)
    book = make_book(session)
    session.commit()
    staff = [_staff(live, f"editor{n}") for n in range(WRITERS)]

    def upload(http, token, n, round_):
        def job():
            image = samples.png(size=(120 + n, 80 + round_))  # a different file each time
            return http.post(f"{live}/staff/books/{book.id}/assets", allow_redirects=False, data={
                "csrf_token": token, "kind": "image", "title": f"Foto {n}.{round_}", "language": "both",
                "audience": "all"}, files={"file": (f"foto{n}.png", image, "image/png")})
        return job

    for round_ in range(ROUNDS):
        answers = _together([upload(http, token, n, round_) for n, (http, token) in enumerate(staff)])
        assert [res.status_code for res in answers] == [303] * WRITERS, [res.text[:300] for res in answers]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Asset).where(Asset.book_id == book.id)) \
            == WRITERS * ROUNDS


def test_parallel_kiosk_scans_all_answer_and_are_logged(app, live, session):
    book = make_book(session, copies=1)
    code = make_code(session, book.items[0])
    keys = [kiosks.create_kiosk(session, f"Kios {n}")[1] for n in range(WRITERS)]
    session.commit()
    scans = 5

    def scanner(key):
        def job():
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {key}"
            return [http.get(f"{live}/api/v1/resolve", params={"payload": code}).status_code for _ in range(scans)]
        return job

    statuses = _together([scanner(key) for key in keys])
    assert statuses == [[200] * scans] * WRITERS
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(ScanLog)) == WRITERS * scans
