"""SIP2 server benchmark: checkouts per second with 8 self-check machines
at once (each its own connection, login and copies), and races where all 8
machines check out the same copy at the same moment, on SQLite and, when
BENCH_DATABASE_URL or TEST_DATABASE_URL names a PostgreSQL server, on
PostgreSQL too.

The server runs as operators run it (``flask sip2-server`` in its own
process); the machines are threads here, speaking SIP2 with checksums
through the shared codec. Every checkout must answer ok=1 (anything else is
an error); every race must give exactly one ok=1 and one open loan per copy
(checked in the answers and in the database: the benchmark fails otherwise).
Targets: >= 200 checkouts/s on SQLite; exactly one loan per copy.

Run: make bench (the server part of benchmarks/bench_sip2.py calls ``main``), or
alone: .venv/bin/python benchmarks/sip2_server_load.py"""
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
from pathlib import Path

from pg_schema import postgres_base, postgres_schema  # benchmarks/: beside this file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from content_service.sip2.protocol import Message, Sequence, decode, encode

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
PER_CLIENT = int(os.environ.get("BENCH_SIP2_SERVER_CHECKOUTS", "150"))  # checkouts per machine
RACES = int(os.environ.get("BENCH_RACES", "30"))  # copies all machines check out at the same moment
INSTITUTION, LOGIN, PASSWORD = "BATAM", "mesin-bench", "bench-mesin-rahasia"
TARGET = 200.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> tuple[list[str], list[str]]:
    """Copies to borrow (barcodes) and one member card per machine."""
    os.environ.update(env)
    from content_service import create_app
    from content_service.circulation.models import LoanRule, Patron
    from content_service.db import get_session, upgrade
    from content_service.catalogue.models import Book, Item
    from content_service.sip2.server_accounts import create_account

    app = create_app()
    barcodes, cards = [], []
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
        session = get_session()
        # Members here may borrow without limit: the benchmark measures the path, not the rule.
        session.add(LoanRule(patron_category="*", item_type="*", loan_days=14, max_loans=100000, max_renewals=2))
        total = CLIENTS * PER_CLIENT + RACES
        for b in range(total // 10 + 1):
            book = Book(title=f"Buku Bench {b}", authors=["Penulis"], subjects=[])
            session.add(book)
            session.flush()
            for c in range(10):
                barcode = f"SIPB{b:05d}{c}"
                session.add(Item(book_id=book.id, barcode=barcode, location="Rak A"))
                barcodes.append(barcode)
        for n in range(CLIENTS):
            card = f"9910{n:06d}"
            session.add(Patron(card_number=card, name=f"Anggota Bench {n}", category="adult"))
            cards.append(card)
        create_account(session, LOGIN, PASSWORD, institution=INSTITUTION)
        session.commit()
    app.extensions["pindai.engine"].dispose()
    return barcodes, cards


@contextlib.contextmanager
def serve(env: dict, port: int):
    flask = str(Path(sys.executable).parent / "flask")
    server = subprocess.Popen([flask, "--app", "content_service", "sip2-server", "--port", str(port)],
                              cwd=REPO, env={**os.environ, **env, "PYTHONPATH": str(REPO)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)


class Machine:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq, self.buffer = Sequence(), b""
        assert self.ask("93", {"CN": LOGIN, "CO": PASSWORD})["ok"], "login refused"

    def ask(self, code: str, fields=(), **fixed) -> Message:
        self.sock.sendall(encode(Message.make(code, fields, **fixed), sequence=self.seq.next()))
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server hung up")
            self.buffer += chunk
        frame, _, self.buffer = self.buffer.partition(b"\r")
        return decode(frame, require_checksum=True)

    def checkout(self, card: str, barcode: str) -> Message:
        return self.ask("11", {"AO": INSTITUTION, "AA": card, "AB": barcode, "AC": ""})


def work(machine: Machine, card: str, barcodes: list[str], latencies: list, errors: list) -> None:
    for barcode in barcodes:
        started = time.perf_counter()
        answer = machine.checkout(card, barcode)
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.code != "12" or not answer["ok"]:
            errors.append((barcode, answer.screen_messages[:1]))


def cpu_seconds(pid: int) -> float:
    """CPU time the server process has used (user + system), from /proc: a
    figure that does not depend on how busy the machine is."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_loans_per_copy(env: dict, barcodes: list[str]) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["PINDAI_DATABASE_URL"])
    with engine.connect() as conn:
        counts = [conn.execute(text("SELECT count(*) FROM loan JOIN item ON item.id = loan.item_id "
                                    "WHERE item.barcode = :b AND loan.returned_at IS NULL"), {"b": b}).scalar()
                  for b in barcodes]
    engine.dispose()
    return counts


def run(name: str, database_url: str, work_dir: Path) -> dict:
    env = {"PINDAI_ENV": "production", "PINDAI_SECRET_KEY": "bench-" + "k" * 32, "PINDAI_DATABASE_URL": database_url,
           "PINDAI_MEDIA_ROOT": str(work_dir / "media"), "PINDAI_SEARCH_INDEX": str(work_dir / f"index-{name}")}
    barcodes, cards = prepare(env)
    port = free_port()
    with serve(env, port) as server:
        machines = [Machine(port) for _ in range(CLIENTS)]
        work(machines[0], cards[0], barcodes[:5], [], [])  # warm up
        rest = barcodes[5:CLIENTS * PER_CLIENT]
        shares = [rest[i::CLIENTS] for i in range(CLIENTS)]
        latencies, errors = [], []
        threads = [threading.Thread(target=work, args=(m, card, share, latencies, errors))
                   for m, card, share in zip(machines, cards, shares)]
        started, cpu = time.perf_counter(), cpu_seconds(server.pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(server.pid) - cpu
        # Races: all machines, each for a different member, check out one copy at the same moment.
        raced = barcodes[CLIENTS * PER_CLIENT:][:RACES]
        answer_anomalies = 0
        for barcode in raced:
            start, oks = threading.Barrier(CLIENTS), []

            def race(machine, card, barcode=barcode, start=start, oks=oks):
                start.wait()
                oks.append(bool(machine.checkout(card, barcode)["ok"]))

            racers = [threading.Thread(target=race, args=(m, c)) for m, c in zip(machines, cards)]
            for t in racers:
                t.start()
            for t in racers:
                t.join()
            answer_anomalies += sum(oks) != 1
    per_copy = open_loans_per_copy(env, raced)
    return {"name": name, "n": len(latencies), "rate": len(latencies) / elapsed, "cpu_ms": cpu * 1000 / len(latencies),
            "p50": statistics.median(latencies),
            "p95": sorted(latencies)[int(0.95 * (len(latencies) - 1))], "errors": len(errors), "sample": errors[:3],
            "races": len(raced), "answer_anomalies": answer_anomalies, "db_anomalies": sum(c != 1 for c in per_copy)}


def main() -> int:
    work_dir = Path(tempfile.mkdtemp(prefix="pindai-bench-sip2-"))
    rows = []
    try:
        rows.append(run("SQLite", f"sqlite:///{work_dir / 'pindai.db'}", work_dir))
        pg = postgres_base()
        if pg:
            with postgres_schema(pg) as url:
                rows.append(run("PostgreSQL", url, work_dir))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    print(f"\nSIP2 server benchmark: flask sip2-server, {CLIENTS} machines at once, 11/12 checkouts with AY/AZ")
    print(f"{'database':<12}{'checkouts':>10}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
          f"{'server CPU ms':>15}{'races':>7}{'not 1 ok':>10}{'not 1 loan':>12}")
    failed = False
    for r in rows:
        print(f"{r['name']:<12}{r['n']:>10}{r['rate']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['errors']:>8}"
              f"{r['cpu_ms']:>15.1f}{r['races']:>7}{r['answer_anomalies']:>10}{r['db_anomalies']:>12}")
        if r["sample"]:
            print(f"  first errors on {r['name']}: {r['sample']}")
        failed |= bool(r["errors"] or r["answer_anomalies"] or r["db_anomalies"])
    sqlite = rows[0]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; server CPU per checkout means at most "
          f"{1000 / sqlite['cpu_ms']:.0f} checkouts/s per idle core on SQLite (one writer at a time)")
    print(f"target: >= {TARGET:.0f} checkouts/s on SQLite: {'met' if sqlite['rate'] >= TARGET else 'NOT met'}; "
          f"exactly one loan per raced copy: {'yes' if not failed else 'NO'}")
    # Exactly one loan per copy is a correctness promise, not a speed figure: fail loudly.
    assert not (sqlite["answer_anomalies"] or any(r["db_anomalies"] for r in rows)), "a raced copy was lent twice"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
