"""Events benchmark: a burst of registrations for one date from many threads
at once (the row lock serialises them; exactly `capacity` seats must be
taken), and the reads kiosks and phones make all day (upcoming dates, a
book's related event, the iCal feed) with a year of weekly programmes.
SQLite always; PostgreSQL too with BENCH_DATABASE_URL (a fresh schema).

Run: make bench  (or .venv/bin/python benchmarks/bench_events.py)
Targets: a burst of 64 registrations settled in under 5 s; upcoming under
50 ms at the median."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BURST, CAPACITY, SERIES, SINGLE = 64, 20, 12, 40


def _postgres_url(base: str) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def run(url: str) -> list[tuple[str, int, float, str]]:
    from sqlalchemy import func, select

    from content_service import create_app
    from content_service.db import get_engine, get_session, upgrade
    from content_service.events import calendar, registration, schedule
    from content_service.events.models import Registration
    from content_service.catalogue.models import Book

    app = create_app({"ENV": "test", "DATABASE_URL": url, "MEDIA_ROOT": tempfile.mkdtemp(),
                      "PUBLIC_BASE_URL": "https://pindai.example.id"})
    rows = []
    with app.app_context():
        upgrade(get_engine())
        session = get_session()
        now = schedule.now()
        book = Book(title="Dinosaurus", authors=["A"], subjects=["Dinosaurus"])
        session.add(book)
        for n in range(SERIES):
            start = now + timedelta(days=n % 7, hours=2)
            calendar.save_event(session, title=f"Seri {n}", starts_at=start, ends_at=start + timedelta(hours=1),
                                rrule="FREQ=WEEKLY", related_subjects=["Dinosaurus"] if n == 5 else [],
                                capacity=30, registration_required=True)
        for n in range(SINGLE):
            start = now + timedelta(days=n * 3, hours=5)
            calendar.save_event(session, title=f"Acara {n}", starts_at=start, ends_at=start + timedelta(hours=2))
        burst = calendar.save_event(session, title="Kelas Coding", starts_at=now + timedelta(days=3),
                                    ends_at=now + timedelta(days=3, hours=2), capacity=CAPACITY,
                                    registration_required=True)
        session.commit()
        start = burst.starts_at

    maker = app.extensions["pindai.sessionmaker"]
    barrier = threading.Barrier(BURST)
    failures = []

    def register(n: int) -> None:
        own = maker()
        try:
            barrier.wait()  # before taking a connection: the pool is smaller than the burst
            registration.register(own, burst, start, name=f"Peserta {n}", phone=f"0812{n:08d}")
        except Exception as exc:  # counted below
            failures.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(BURST)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    with app.app_context():
        confirmed = get_session().scalar(select(func.count()).where(Registration.status == "confirmed"))
    rows.append(("registration burst (threads at once)", BURST, seconds,
                 f"{confirmed} seated of {CAPACITY}, {len(failures)} errors"))

    client = app.test_client()
    for name, path, n in (("GET /api/v1/events/upcoming?limit=6", "/api/v1/events/upcoming?limit=6", 200),
                          ("GET /api/v1/events/upcoming?audience=children", "/api/v1/events/upcoming?limit=6&audience=children", 200),
                          ("GET /api/v1/books/<id>/events", f"/api/v1/books/{book.id}/events", 200),
                          ("GET /events (4 weeks, page)", "/events", 50),
                          ("GET /events/calendar.ics (feed)", "/events/calendar.ics", 50)):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.status_code)
        rows.append((name, n, statistics.median(times), f"p95 {sorted(times)[int(n * .95) - 1] * 1000:.1f} ms"))
    app.extensions["pindai.engine"].dispose()
    return rows


def main() -> int:
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", None)]
    if os.environ.get("BENCH_DATABASE_URL"):
        url, drop = _postgres_url(os.environ["BENCH_DATABASE_URL"])
        targets.append(("PostgreSQL", url, drop))
    print(f"({SERIES} weekly series and {SINGLE} single events; burst of {BURST} for {CAPACITY} seats)")
    print(f"{'database':<12}{'what':<48}{'n':>5}{'seconds / median ms':>22}  notes")
    met = True
    for name, url, drop in targets:
        try:
            for what, n, seconds, notes in run(url):
                shown = f"{seconds:.2f} s" if "burst" in what else f"{seconds * 1000:.1f} ms"
                print(f"{name:<12}{what:<48}{n:>5}{shown:>22}  {notes}")
                if "burst" in what and (seconds >= 5 or not notes.startswith(f"{CAPACITY} seated")):
                    met = False
                if "upcoming?limit=6" in what and seconds >= 0.05:
                    met = False
        finally:
            if drop:
                drop()
    print(f"burst under 5 s with exactly {CAPACITY} seated, upcoming under 50 ms: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
