"""SIP2 benchmark.

Client part (this file's first half): checkout (11/12) round-trip p50/p95 through
Pindai's SIP2 client against the real peer (Evergreen's SIPServer,
../shared/peers/sip2-peer), next to the peer's own answer time, measured with a bare
socket sending pre-encoded bytes on the same loopback. The difference is what the
client adds (encoding, checksum, framing, decoding, locking); the target is at most
5 ms at p95. Blocks of bare and client checkouts alternate so drift on a shared
machine hits both alike; every copy is checked in again between blocks (untimed).

Server part: see the marked section at the end (SIP2 server transactions/s with 8
concurrent clients, added with Pindai's SIP2 server).

Run: .venv/bin/python benchmarks/bench_sip2.py  (BENCH_SIP2_CHECKOUTS, default 300)
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEER = REPO.parent / "shared" / "peers" / "sip2-peer"
CHECKOUTS = int(os.environ.get("BENCH_SIP2_CHECKOUTS", "300"))
BLOCK = 25
CARD = "2171009999"

sys.path.insert(0, str(REPO))
from content_service.sip2.client import Settings, SIP2Client  # noqa: E402
from content_service.sip2.protocol import Message, decode, encode  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_peer(folder: Path, copies: int) -> tuple[subprocess.Popen, int]:
    fixtures = folder / "bench.pl"
    lines = ["use utf8;", "my %m = %{$ILS::Patron::patron_db{miker}};",
             f"$ILS::Patron::patron_db{{'{CARD}'}} = {{ %m, id => '{CARD}', name => 'Bench', "
             "items => [], password => '2468' };"]
    lines += [f"$ILS::Item::item_db{{'BENCH-{n:05d}'}} = {{ id => 'BENCH-{n:05d}', "
              f"title => 'Buku Uji {n}', sip_media_type => '001', magnetic_media => 0, "
              "hold_queue => [] };" for n in range(copies)]
    fixtures.write_text("\n".join(lines + ["1;"]) + "\n", encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([str(PEER), str(port), str(fixtures)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("sip2-peer did not start")


def settings(port: int) -> Settings:
    return Settings(host="127.0.0.1", port=port, login="lpl-sc", password="1234",
                    institution="LPL", encoding="utf-8", timeout=10)


class Bare:
    """The peer's own answer time: pre-encoded bytes written to the client's own
    (logged-in) socket and read back to CR, with no client code in between."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.seq = 0

    def roundtrip(self, message: Message) -> float:
        wire = encode(message, sequence=self.seq)  # encoded before the clock starts
        self.seq = (self.seq + 1) % 10
        started = time.perf_counter()
        self.sock.sendall(wire)
        data = b""
        while not data.endswith(b"\r"):
            data += self.sock.recv(65536)
        elapsed = time.perf_counter() - started
        assert decode(data)["ok"] is not False, data
        return elapsed



def checkout_message(barcode: str) -> Message:
    return Message.make("11", {"AO": "LPL", "AA": CARD, "AB": barcode, "AC": ""},
                        transaction_date=datetime.now())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def bench_client(port: int) -> dict:
    bare_times: list[float] = []
    client_times: list[float] = []
    n = 0
    client = SIP2Client(settings(port))
    client.sc_status()  # connected and logged in before the clock runs
    bare = Bare(client._sock)  # the same connection: both see the same server and moment
    while n < 2 * CHECKOUTS:
        # Pairs, in alternating order, so neither side always goes first.
        barcodes = [f"BENCH-{i:05d}" for i in range(n, min(n + 2 * BLOCK, 2 * CHECKOUTS))]
        for k in range(0, len(barcodes) - 1, 2):
            first, second = barcodes[k], barcodes[k + 1]
            if k % 4 == 0:
                bare_times.append(bare.roundtrip(checkout_message(first)))
            started = time.perf_counter()
            answer = client.checkout(CARD, second)
            client_times.append(time.perf_counter() - started)
            assert answer["ok"], answer
            if k % 4 != 0:
                bare_times.append(bare.roundtrip(checkout_message(first)))
        for barcode in barcodes:  # untimed: keep the peer's patron record small
            client.checkin(barcode)
        n += len(barcodes)
    client.close()
    return {"bare": bare_times, "client": client_times}


def report_client(times: dict) -> bool:
    bare, client = times["bare"], times["client"]
    print(f"SIP2 checkout round trip against the peer ({len(client)} checkouts each way)")
    print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, values in (("peer (bare socket)", bare), ("through SIP2Client", client)):
        print(f"{name:24}{pct(values, .5):10.2f}{pct(values, .95):10.2f}"
              f"{statistics.mean(values) * 1000:10.2f}")
    overhead_p50 = pct(client, .5) - pct(bare, .5)
    overhead_p95 = pct(client, .95) - pct(bare, .95)
    ok = overhead_p95 <= 5.0
    print(f"client overhead: p50 {overhead_p50:+.2f} ms, p95 {overhead_p95:+.2f} ms "
          f"(target <= 5 ms at p95: {'met' if ok else 'NOT met'})")
    return ok


# ============================================================================
# SIP2 SERVER PART: transactions/s of Pindai's own SIP2 server with 8 concurrent
# clients, and exactly one loan per copy under 8 racing clients. Added by the SIP2
# server work (branch sip2server): define bench_server() -> bool here; main() runs it
# when it exists.
# ============================================================================


def bench_server() -> bool:
    """Checkouts/s of ``flask sip2-server`` with 8 machines, and 8 machines racing
    for each of 30 copies (exactly one loan per copy, asserted): see
    benchmarks/sip2_server_load.py, which also runs on its own."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import sip2_server_load

    return sip2_server_load.main() == 0


def main() -> int:
    if not PEER.exists():
        print("needs ../shared/peers/sip2-peer (the SIP2 test peer)")
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        process, port = start_peer(Path(folder), 2 * CHECKOUTS + 2 * BLOCK)
        try:
            ok = report_client(bench_client(port))
        finally:
            os.killpg(process.pid, 15)
            process.wait(10)
    server = globals().get("bench_server")
    if server is not None:
        ok = server() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
