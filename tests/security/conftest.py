"""Security suite fixtures: the service as attackers meet it (a real gunicorn
with two workers on the test database, counters in the real Redis), an editor
logged in through the real staff login form (CSRF included), a book to attach
files to, and what the media store holds on disk."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from content_service.staff.access import create_staff
from tests.content_service.staff.conftest import FAST_HASH, PASSWORD, csrf_token, login
from tests.factories import make_book

REPO = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_or_skip() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return REDIS
    except OSError:
        pytest.skip("needs the Redis server at 127.0.0.1:6379 (every machine here runs one)")


@pytest.fixture
def gunicorn_service(make_app, db_url, tmp_path):
    """Start ``gunicorn -w 2`` on the test database; returns a function that
    takes extra ``PINDAI_*`` settings and answers the base URL."""
    make_app()  # the schema
    started: list[subprocess.Popen] = []

    def start(**settings) -> str:
        port = _free_port()
        env = {**os.environ, "PINDAI_ENV": "test", "PINDAI_DATABASE_URL": db_url,
               "PINDAI_MEDIA_ROOT": str(tmp_path / "media"), "PINDAI_SECRET_KEY": "s" * 40,
               "PINDAI_SEARCH_INDEX": "memory", "PYTHONPATH": str(REPO)}
        env.update({f"PINDAI_{name}": str(value) for name, value in settings.items()})
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "content_service:create_app()"], cwd=tmp_path, env=env,
            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "ab"))
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("gunicorn stopped: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
            try:
                if requests.get(base + "/ping", timeout=1).status_code == 200:
                    return base
            except requests.RequestException:
                time.sleep(0.2)
        pytest.fail("gunicorn did not answer within 60 s")

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def editor(app, session):
    """(client, csrf token) of an editor logged in through the login form."""
    create_staff(session, "editor-user", PASSWORD, "editor", "Staf editor", method=FAST_HASH)
    session.commit()
    client = app.test_client()
    assert login(client, "editor-user").status_code == 302
    return client, csrf_token(client, "/staff/books")


@pytest.fixture
def book(session):
    book = make_book(session, title="Laskar Pelangi", copies=1)
    session.commit()
    return book


def stored(app) -> list[Path]:
    """Every file in the media store (temp files of half-done writes too)."""
    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
