"""Self-checkout benchmark: checkout latency (p50/p99) through the kiosk
API, and checkouts per second with 8 concurrent kiosk clients, under
gunicorn (2 workers x 4 threads), on SQLite and, when BENCH_DATABASE_URL or
TEST_DATABASE_URL names a PostgreSQL server, on PostgreSQL too.

A third row repeats the SQLite run with the search index built: every
loan changes a copy's status, and the index follows each change.

Each client is a kiosk with its own key and a member logged in with card
+ PIN; every checkout is a real one (a distinct copy, scanned as its label
URL) and must answer 201: any other answer is counted as an error.

Run: make bench  (or .venv/bin/python benchmarks/bench_checkout.py)"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from pg_schema import postgres_base, postgres_schema  # benchmarks/: beside this file

import requests

REPO = Path(__file__).resolve().parents[1]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SEQUENTIAL = int(os.environ.get("BENCH_CHECKOUTS", "300"))  # one client, for latency
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT_CHECKOUTS", "100"))  # per client
RACES = int(os.environ.get("BENCH_RACES", "20"))  # copies all clients try to borrow at the same moment
PIN = "2468"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict, search_index: bool = False) -> tuple[list[str], list[tuple[str, str]]]:
    """Copies to borrow (label URLs) and (kiosk key, card) per client;
    with ``search_index`` the search index is built too (as in production,
    where every loan then updates it)."""
    sys.path.insert(0, str(REPO))
    os.environ.update(env)
    from content_service import codes, create_app
    from content_service.circulation.models import LoanRule, Patron
    from content_service.circulation.patrons import hash_pin
    from content_service.db import get_session, upgrade
    from content_service.kiosks import create_kiosk
    from content_service.catalogue.models import Book, Item

    app = create_app()
    labels, clients = [], []
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
        session = get_session()
        # Members here may borrow without limit: the benchmark measures the path, not the rule.
        session.add(LoanRule(patron_category="*", item_type="*", loan_days=14, max_loans=100000, max_renewals=2))
        total = SEQUENTIAL + CLIENTS * CONCURRENT + RACES
        for b in range(total // 10 + 1):
            book = Book(title=f"Buku Bench {b}", authors=["Penulis"], subjects=[])
            session.add(book)
            session.flush()
            for c in range(10):
                item = Item(book_id=book.id, barcode=f"BENCH{b:05d}{c}", location="Rak A")
                session.add(item)
                session.flush()
                labels.append(codes.label_url(app.config["PUBLIC_BASE_URL"], codes.mint(session, "item", item.id).code))
        for n in range(CLIENTS + 1):
            card = f"9900{n:06d}"
            session.add(Patron(card_number=card, name=f"Anggota Bench {n}", category="adult", pin_hash=hash_pin(PIN)))
            _kiosk, key = create_kiosk(session, f"Kios bench {n}")
            clients.append((key, card))
        session.commit()
        if search_index:
            from content_service.search import rebuild

            rebuild(app)
    app.extensions["pindai.engine"].dispose()
    return labels, clients


@contextlib.contextmanager
def serve(env: dict, port: int):
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "content_service:create_app()"],
        cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def login(base: str, key: str, card: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    res = http.post(f"{base}/api/v1/circulation/sessions", json={"card": card, "pin": PIN}, timeout=10)
    res.raise_for_status()
    http.headers["X-Patron-Session"] = res.json()["session"]
    return http


def checkouts(base: str, http: requests.Session, labels: list[str], latencies: list, errors: list) -> None:
    for label in labels:
        started = time.perf_counter()
        try:
            res = http.post(f"{base}/api/v1/circulation/checkouts", json={"payload": label}, timeout=30)
            status = res.status_code
        except requests.RequestException as exc:
            status = repr(exc)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 201:
            errors.append(status)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(name: str, database_url: str, work: Path, search_index: bool = False) -> dict:
    env = {"PINDAI_ENV": "production", "PINDAI_SECRET_KEY": "bench-" + "k" * 32, "PINDAI_DATABASE_URL": database_url,
           "PINDAI_MEDIA_ROOT": str(work / "media"), "PINDAI_PUBLIC_BASE_URL": "https://perpustakaan.batam.go.id",
           # Long benchmark sessions: the idle timeout is not what is measured.
           "PINDAI_CIRCULATION_SESSION_MINUTES": "60",
           # A search index of the benchmark's own, never the repo's instance/ one.
           "PINDAI_SEARCH_INDEX": str(work / f"search-index-{name}")}
    labels, clients = prepare(env, search_index)
    row = {"name": name}
    with serve(env, free_port()) as base:
        # Latency: one kiosk borrowing one book after another.
        http = login(base, *clients[0])
        checkouts(base, http, labels[:5], [], [])  # warm the worker
        latencies, errors = [], []
        checkouts(base, http, labels[5:SEQUENTIAL], latencies, errors)
        row.update(n=len(latencies), p50=statistics.median(latencies), p99=pct(latencies, 99), errors=len(errors))
        # Throughput: CLIENTS kiosks at once, each on copies of its own.
        sessions = [login(base, *client) for client in clients[1:]]
        rest = labels[SEQUENTIAL:]
        shares = [rest[i * CONCURRENT:(i + 1) * CONCURRENT] for i in range(CLIENTS)]
        all_latencies, all_errors = [], []
        threads = [threading.Thread(target=checkouts, args=(base, s, share, all_latencies, all_errors))
                   for s, share in zip(sessions, shares)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        row.update(rate=len(all_latencies) / elapsed, cn=len(all_latencies), cp50=statistics.median(all_latencies),
                   cp99=pct(all_latencies, 99), cerrors=len(all_errors), sample=all_errors[:3] + errors[:3])
        # Races across both worker processes: every client at once for one copy, RACES times.
        # Each copy must give exactly one loan and CLIENTS - 1 refusals (already_on_loan).
        anomalies = 0
        for label in labels[SEQUENTIAL + CLIENTS * CONCURRENT:][:RACES]:
            start, statuses = threading.Barrier(CLIENTS), []

            def race(http, label=label, start=start, statuses=statuses):
                start.wait()
                res = http.post(f"{base}/api/v1/circulation/checkouts", json={"payload": label}, timeout=30)
                statuses.append((res.status_code, (res.json().get("error") or {}).get("code")))

            racers = [threading.Thread(target=race, args=(http,)) for http in sessions]
            for t in racers:
                t.start()
            for t in racers:
                t.join()
            anomalies += sorted(statuses) != [(201, None)] + [(409, "already_on_loan")] * (CLIENTS - 1)
        row.update(races=RACES, anomalies=anomalies)
    return row


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="pindai-bench-checkout-"))
    rows = []
    try:
        rows.append(run("SQLite", f"sqlite:///{work / 'pindai.db'}", work))
        # The same with the search index built: each loan changes a copy's status, which the index follows.
        rows.append(run("SQLite+index", f"sqlite:///{work / 'pindai-index.db'}", work, search_index=True))
        pg = postgres_base()
        if pg:
            with postgres_schema(pg) as url:
                rows.append(run("PostgreSQL", url, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nCheckout benchmark: gunicorn 2 workers x 4 threads; POST /api/v1/circulation/checkouts")
    print(f"{'database':<14}{'1 client: n':>12}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{f'{CLIENTS} clients: n':>15}{'checkouts/s':>13}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in rows:
        print(f"{r['name']:<14}{r['n']:>12}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}"
              f"{r['cn']:>15}{r['rate']:>13.0f}{r['cp50']:>9.1f}{r['cp99']:>9.1f}{r['cerrors']:>8}")
        if r["sample"]:
            print(f"  first errors on {r['name']}: {r['sample']}")
    for r in rows:
        print(f"{r['name']}: {r['races']} copies raced for by {CLIENTS} kiosks at once: "
              f"{r['races'] - r['anomalies']} gave one loan and {CLIENTS - 1} refusals, {r['anomalies']} did not")
    print("errors: " + ("none" if not any(r["errors"] or r["cerrors"] or r["anomalies"] for r in rows)
                        else "SOME (see above)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
