"""Notifications benchmark: the outbox's throughput to a local SMTP server
(aiosmtpd's discarding handler in a process of its own, so it does not share
the worker's interpreter), and the latency a registration pays for writing
its outbox row in its own transaction. SQLite always; PostgreSQL too with
BENCH_DATABASE_URL.

Throughput: MESSAGES kiosk receipts queued for members with email
addresses, then ``flask notify-worker --once``'s loop (in this process) makes
and sends them all over one kept SMTP connection per batch, marking each sent.

Registration: REGISTRATIONS registrations on one date through
``registration.register`` (one write transaction each), alternately with
the outbox writer installed and removed. The extra latency a registration
pays is the time its transaction spends in the writer (the INSERT), timed in
every registration: its p95 is the figure checked. The p50 and p95 with and
without the writer are shown beside it as a cross-check; on a shared 2-core
machine the p95 of each swings by several ms between runs (other work), so
their difference is noise at that percentile, while the medians differ by the
writer's own time.

Run: make bench  (or .venv/bin/python benchmarks/bench_notify.py)
Targets: >= 200 messages/s; <= 2 ms extra at the p95 of a registration."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MESSAGES, MEMBERS, REGISTRATIONS = 2000, 50, 800


def _postgres_url(base: str):
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


def _smtp_sink() -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP sink did not start")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * .95) - 1)]


def run(url: str, port: int) -> list[tuple[str, str, str]]:
    from sqlalchemy import func, select

    from content_service import create_app, outbox
    from content_service.circulation.models import Patron
    from content_service.db import get_engine, get_session, upgrade
    from content_service.events import calendar, registration, schedule
    from content_service.notifications.models import Notification
    from content_service.notifications.worker import Worker

    app = create_app({"ENV": "test", "DATABASE_URL": url, "MEDIA_ROOT": tempfile.mkdtemp(),
                      "PUBLIC_BASE_URL": "https://pindai.example.id", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                      "NOTIFY_BATCH": 100, "RATE_LIMITS": False})
    rows = []
    with app.app_context():
        upgrade(get_engine())
        session = get_session()
        members = [Patron(card_number=f"2171{n:06d}", name=f"Anggota Uji {n}", email=f"anggota{n}@example.id")
                   for n in range(MEMBERS)]
        session.add_all(members)
        session.flush()
        lines = [{"action": "checkout", "title": "Laskar Pelangi", "barcode": "B1", "due_date": "2026-12-17"},
                 {"action": "checkout", "title": "Bumi Manusia", "barcode": "B2", "due_date": "2026-12-17"}]
        for n in range(MESSAGES):
            outbox.happened(session, "kiosk_receipt", receipt=f"r{n}", card=members[n % MEMBERS].card_number,
                            url=f"https://pindai.example.id/receipts/r{n}", lines=lines, language="id")
        session.commit()
        started = time.perf_counter()
        counts = Worker(app).run(0, once=True)
        seconds = time.perf_counter() - started
        sent = session.scalar(select(func.count()).select_from(Notification).where(Notification.status == "sent"))
        rows.append(("outbox to SMTP", f"{MESSAGES / seconds:,.0f} messages/s",
                     f"{sent} of {MESSAGES} sent in {seconds:.1f} s ({counts.failed} failed, {counts.retried} retried)"))

        start = schedule.now() + timedelta(days=3)
        event = calendar.save_event(session, title="Kelas Coding", starts_at=start, ends_at=start + timedelta(hours=2),
                                    capacity=REGISTRATIONS * 2, registration_required=True)
        session.commit()
        writer = app.extensions["pindai.outbox"]
        writer_times: list[float] = []

        def timed(session_, kind, facts):
            t0 = time.perf_counter()
            writer(session_, kind, facts)
            writer_times.append(time.perf_counter() - t0)

        with_row, without_row = [], []
        for n in range(REGISTRATIONS):
            on = n % 2 == 0
            if on:
                app.extensions["pindai.outbox"] = timed
            else:
                app.extensions.pop("pindai.outbox")
            t0 = time.perf_counter()
            registration.register(session, event, schedule.as_utc(event.starts_at), name=f"Peserta {n}",
                                  phone=f"0813{n:08d}")
            (with_row if on else without_row).append(time.perf_counter() - t0)
        app.extensions["pindai.outbox"] = writer
        extra = p95(writer_times)
        rows.append(("registration's outbox row p50 / p95", f"{statistics.median(writer_times) * 1000:.2f} / "
                     f"{extra * 1000:.2f} ms", "the writer's INSERT inside the registration's transaction"))
        rows.append(("registration p50 / p95 with / without it",
                     f"{statistics.median(with_row) * 1000:.2f} / {p95(with_row) * 1000:.2f} ms",
                     f"without: {statistics.median(without_row) * 1000:.2f} / {p95(without_row) * 1000:.2f} ms"))
    app.extensions["pindai.engine"].dispose()
    return rows, MESSAGES / seconds, extra


def main() -> int:
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", None)]
    if os.environ.get("BENCH_DATABASE_URL"):
        url, drop = _postgres_url(os.environ["BENCH_DATABASE_URL"])
        targets.append(("PostgreSQL", url, drop))
    print(f"({MESSAGES} kiosk receipts to {MEMBERS} members; {REGISTRATIONS} registrations, half without the outbox)")
    print(f"{'database':<12}{'what':<46}{'figure':>22}  notes")
    met = True
    sink, port = _smtp_sink()
    try:
        for name, url, drop in targets:
            try:
                rows, rate, extra = run(url, port)
                for what, figure, notes in rows:
                    print(f"{name:<12}{what:<46}{figure:>22}  {notes}")
                met = met and rate >= 200 and extra <= 0.002
            finally:
                if drop:
                    drop()
    finally:
        sink.terminate()
        sink.wait()
    print(f">= 200 messages/s and <= 2 ms extra at the p95 of a registration: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
