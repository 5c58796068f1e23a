"""Two machines, one PostgreSQL database: two real gunicorn instances, each
with its own instance folder and working directory, on one fresh database
made by the migrations. A librarian's change through one is seen through
the other at once (the next request, no waiting): in search and
autocomplete (the postgres backend: documents kept by the database in the
same transaction), in resolve (answers cached per catalogue version, read
from the database) and on the book page; a copy lent through one changes
the other's "on the shelf" filter."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from content_service.db import make_engine, upgrade
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD
from tests.security.conftest import _free_port

REPO = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
pytestmark = pytest.mark.postgresql


def _start(name: str, db_url: str, folder: Path) -> tuple[str, subprocess.Popen]:
    machine = folder / name
    (machine / "instance").mkdir(parents=True)
    port = _free_port()
    env = {**os.environ, "PINDAI_ENV": "test", "PINDAI_DATABASE_URL": db_url, "PINDAI_SECRET_KEY": "s" * 40,
           "PINDAI_INSTANCE_PATH": str(machine / "instance"), "PINDAI_MEDIA_ROOT": str(machine / "media"),
           "PYTHONPATH": str(REPO)}
    env.pop("PINDAI_SEARCH_BACKEND", None)  # the default on PostgreSQL: postgres
    log = machine / "gunicorn.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "content_service:create_app()"], cwd=machine, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn {name} stopped: " + log.read_text()[-2000:])
        try:
            if requests.get(base + "/ping", timeout=1).status_code == 200:
                return base, proc
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"gunicorn {name} did not answer within 60 s")


@pytest.fixture
def machines(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        pytest.skip("two machines share a PostgreSQL database")
    engine = make_engine(db_url)
    upgrade(engine)  # migration 0024 installs the search documents and their triggers
    from sqlalchemy.orm import Session

    from content_service.staff.access import create_staff

    with Session(engine) as session:
        create_staff(session, "pustakawan", PASSWORD, "admin", "Pustakawan", method=FAST_HASH)
        session.commit()
    engine.dispose()
    started = [_start(name, db_url, tmp_path) for name in ("a", "b")]
    yield [base for base, _proc in started]
    for _base, proc in started:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _token(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10)
    found = _TOKEN.search(page.text)
    assert found, f"no CSRF token on {url} ({page.status_code})"
    return found.group(1)


def _librarian(base: str) -> requests.Session:
    http = requests.Session()
    token = _token(http, base + "/staff/login")
    answer = http.post(base + "/staff/login", data={"username": "pustakawan", "password": PASSWORD,
                                                     "csrf_token": token}, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:500]
    return http


def _titles(base: str, **params) -> list[str]:
    body = requests.get(base + "/api/v1/search", params=params, timeout=10).json()
    return [item["title"] for item in body["items"]]


def test_a_change_through_one_server_is_seen_through_the_other_at_once(machines):
    a, b = machines
    for base in (a, b):  # each server has searched (and cached) before the change
        assert _titles(base, q="ronggeng") == []
        assert requests.get(base + "/api/v1/resolve", params={"payload": "9789792201963"}, timeout=10).status_code == 404

    staff = _librarian(a)
    token = _token(staff, a + "/staff/books")
    made = staff.post(a + "/staff/books/new", data={
        "csrf_token": token, "title": "Ronggeng Dukuh Paruk", "authors": "Ahmad Tohari", "language": "id",
        "year": "1982", "subjects": "Novel", "isbn": "9789792201963"}, allow_redirects=False, timeout=10)
    assert made.status_code == 303, made.text[:500]
    book_id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[-1])

    # At once, on the other machine: search, autocomplete, resolve, the book page.
    assert _titles(b, q="ronggeng dukuh") == ["Ronggeng Dukuh Paruk"]
    assert _titles(b, q="tohari") == ["Ronggeng Dukuh Paruk"]
    complete = requests.get(b + "/api/v1/search/autocomplete", params={"q": "rongg"}, timeout=10).json()
    assert [i["title"] for i in complete["items"]] == ["Ronggeng Dukuh Paruk"]
    resolved = requests.get(b + "/api/v1/resolve", params={"payload": "9789792201963"}, timeout=10)
    assert resolved.status_code == 200 and resolved.json()["book"]["title"] == "Ronggeng Dukuh Paruk"
    page = requests.get(f"{b}/books/{book_id}", timeout=10)
    assert page.status_code == 200 and "Ronggeng Dukuh Paruk" in page.text

    # A copy on the shelf, then lent: B's "on the shelf now" filter follows.
    token = _token(staff, f"{a}/staff/books/{book_id}")
    added = staff.post(f"{a}/staff/books/{book_id}/items", data={
        "csrf_token": token, "barcode": "B0000001", "status": "available"}, allow_redirects=False, timeout=10)
    assert added.status_code in (302, 303), added.text[:500]
    assert _titles(b, q="ronggeng", available="1") == ["Ronggeng Dukuh Paruk"]

    # An edit: B's cached resolve answer and its search both show the new title.
    token = _token(staff, f"{a}/staff/books/{book_id}")
    edited = staff.post(f"{a}/staff/books/{book_id}/edit", data={
        "csrf_token": token, "title": "Ronggeng Dukuh Paruk: Catatan Buat Emak", "authors": "Ahmad Tohari",
        "language": "id", "year": "1982", "subjects": "Novel"}, allow_redirects=False, timeout=10)
    assert edited.status_code == 303, edited.text[:500]
    resolved = requests.get(b + "/api/v1/resolve", params={"payload": "9789792201963"}, timeout=10).json()
    assert resolved["book"]["title"] == "Ronggeng Dukuh Paruk: Catatan Buat Emak"
    assert _titles(b, q="catatan emak") == ["Ronggeng Dukuh Paruk: Catatan Buat Emak"]
    assert "Catatan Buat Emak" in requests.get(f"{b}/books/{book_id}", timeout=10).text
    # Every worker of both machines answers the same (each request may land on either).
    for base in (a, b):
        for _ in range(4):
            assert _titles(base, q="emak") == ["Ronggeng Dukuh Paruk: Catatan Buat Emak"]
