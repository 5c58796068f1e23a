"""Resolve benchmark: requests/s and latency of /api/v1/resolve under
gunicorn (2 workers), beside the same server's bare /ping, in one run.

A loopback load generator (wrk) replays a mix of real payloads: label URLs,
bare codes, ISBNs and item barcodes of the demo library plus, when
../shared/data is present, the 10,000 goodbooks titles.

With PostgreSQL (``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL``) the same is
measured again on a network of 100,000 titles over five libraries
(benchmarks/network.py; ``BENCH_NETWORK_TITLES`` sets the size).

Run: make bench  (or .venv/bin/python benchmarks/bench_resolve.py)
Targets: resolve >= 70% of /ping throughput, p99 <= 20 ms, no errors (the exit
status fails on errors only: throughput on a shared machine is reported)."""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
NETWORK_TITLES = int(os.environ.get("BENCH_NETWORK_TITLES", "100000"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> list[str]:
    """Build the database and return payloads to replay."""
    sys.path.insert(0, str(REPO))
    os.environ.update(env)
    from sqlalchemy import select

    from content_service import codes, create_app
    from content_service.db import get_session, upgrade
    from content_service.demo import seed
    from content_service.imports import import_file
    from content_service.catalogue.models import Isbn, Item
    from content_service.codes.models import Code

    app = create_app()
    with app.app_context():
        upgrade(app.extensions["pindai.engine"])
        session = get_session()
        seed(session, with_media=False)
        goodbooks = SHARED / "catalog" / "goodbooks-10k" / "books.csv"
        if goodbooks.exists():
            import_file(session, goodbooks, "csv")
        base = app.config["PUBLIC_BASE_URL"]
        payloads = [codes.label_url(base, c) for c in session.scalars(select(Code.code).where(Code.target_type == "item"))]
        payloads += list(session.scalars(select(Code.code).where(Code.target_type == "book")))
        payloads += list(session.scalars(select(Isbn.isbn13).limit(2000)))
        payloads += list(session.scalars(select(Item.barcode)))
        session.commit()
    return payloads


def wrk(url: str, script: Path | None) -> dict:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def pct(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rps": rps, "p50": pct(50), "p99": pct(99),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


@contextlib.contextmanager
def serve(env: dict, port: int):
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "content_service:create_app()"],
        cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def write_script(path: Path, endpoint: str, payloads: list[str]) -> Path:
    quoted = ",".join(json.dumps(f"{endpoint}?payload=" + urllib.parse.quote(p, safe="")) for p in payloads)
    path.write_text(
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    return path


def prepare_network(env: dict) -> list[str]:
    """The demo library plus 100,000 titles over five libraries (benchmarks/network.py);
    answers a mix of 3,000 of their label URLs, ISBNs and copy barcodes (the books
    kiosks see again and again fit the answer cache of 4,096; the "cache off" row
    is what a book seen for the first time costs)."""
    import random

    sys.path.insert(0, str(REPO))
    os.environ.update(env)
    from content_service import codes, create_app
    from content_service.db import get_session, upgrade
    from content_service.demo import seed
    from network import fill_network

    app = create_app()
    with app.app_context():
        engine = app.extensions["pindai.engine"]
        upgrade(engine)
        session = get_session()
        seed(session, with_media=False)
        session.commit()
        made = fill_network(engine, NETWORK_TITLES)
    rng = random.Random(70)
    base = env["PINDAI_PUBLIC_BASE_URL"]
    return ([codes.label_url(base, c) for c in rng.sample(made["codes"], 2000)]
            + rng.sample(made["isbns"], 500) + rng.sample(made["barcodes"], 500))


def measure(work: Path, env: dict, payloads: list[str]) -> dict[str, dict]:
    """/ping, resolve and resolve with the answer cache off under one gunicorn."""
    port = free_port()
    # All runs replay the same query strings through the same Lua script, so
    # the load generator (sharing the 2 cores) does the same work for each.
    script = write_script(work / "resolve.lua", "/api/v1/resolve", payloads)
    hello_script = write_script(work / "hello.lua", "/ping", payloads)
    with serve(env, port) as base:
        sample = urllib.request.urlopen(f"{base}/api/v1/resolve?payload=" + urllib.parse.quote(payloads[0], safe=""))
        assert sample.status == 200, sample.status
        wrk(f"{base}/", script)  # warm both workers' caches
        hello = wrk(f"{base}/", hello_script)
        resolve = wrk(f"{base}/", script)
    # The same mix with the answer cache off: what every first scan costs.
    with serve({**env, "PINDAI_ANSWER_CACHE_SIZE": "0"}, port) as base:
        cold = wrk(f"{base}/", script)
    return {"/ping (hello world)": hello, "/api/v1/resolve": resolve, "resolve, cache off": cold}


def report(title: str, rows: dict[str, dict]) -> bool:
    hello, resolve = rows["/ping (hello world)"], rows["/api/v1/resolve"]
    ratio = resolve["rps"] / hello["rps"]
    print(f"\n{title}: gunicorn 2 sync workers, wrk 1 thread x {CONNECTIONS} connections, {DURATION} s each")
    print(f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, row in rows.items():
        print(f"{name:<22}{row['rps']:>10.0f}{row['p50']:>10.2f}{row['p99']:>10.2f}{row['errors']:>10}")
    ok_ratio, ok_p99, ok_errors = ratio >= 0.70, resolve["p99"] <= 20, resolve["errors"] == 0
    print(f"resolve / hello throughput: {ratio:.0%} (target >= 70%: {'met' if ok_ratio else 'NOT met'}); "
          f"p99 {resolve['p99']:.2f} ms (target <= 20 ms: {'met' if ok_p99 else 'NOT met'}); "
          f"errors: {resolve['errors']} (target 0: {'met' if ok_errors else 'NOT met'})")
    return ok_errors


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (make bench installs it: apt-get install wrk)")
        return 1
    from pg_schema import postgres_base, postgres_schema

    work = Path(tempfile.mkdtemp(prefix="pindai-bench-"))
    env = {
        "PINDAI_ENV": "production",
        "PINDAI_SECRET_KEY": "bench-" + "k" * 32,
        "PINDAI_DATABASE_URL": f"sqlite:///{work / 'pindai.db'}",
        "PINDAI_MEDIA_ROOT": str(work / "media"),
        "PINDAI_PUBLIC_BASE_URL": "https://perpustakaan.batam.go.id",
    }
    ok = True
    try:
        started = time.perf_counter()
        payloads = prepare(env)
        print(f"SQLite: prepared {len(payloads)} payloads in {time.perf_counter() - started:.1f} s")
        ok &= report("Resolve, SQLite (the demo library and goodbooks-10k)", measure(work, env, payloads))
        base = postgres_base()
        if base:
            with postgres_schema(base) as url:
                network = {**env, "PINDAI_DATABASE_URL": url}
                started = time.perf_counter()
                payloads = prepare_network(network)
                print(f"PostgreSQL: {NETWORK_TITLES:,} titles over 5 libraries, "
                      f"{len(payloads)} payloads prepared in {time.perf_counter() - started:.1f} s")
                ok &= report(f"Resolve, PostgreSQL ({NETWORK_TITLES:,} titles over 5 libraries)",
                             measure(work, network, payloads))
        else:
            print("\nPostgreSQL run skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
