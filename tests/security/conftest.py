"""The service as attackers meet it: a real gunicorn with two workers on the
test database (SQLite file or PostgreSQL schema), counters in the real Redis."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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
