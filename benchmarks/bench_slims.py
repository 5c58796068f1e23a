"""SLiMS connector benchmark, against a real SLiMS 9 database on the local
MariaDB: ``flask slims sync`` of a library of BENCH_SLIMS_TITLES titles (two
copies each, one member per two titles) the first time and the second time
(nothing changed), and the kiosk API's checkout round-trip with
``PINDAI_CIRCULATION=slims`` (p50/p95, each a real loan written into SLiMS).

Skips (exit 0) when ../shared/peers/slims or MariaDB is missing.
Run: make bench  (or .venv/bin/python benchmarks/bench_slims.py)"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TITLES = int(os.environ.get("BENCH_SLIMS_TITLES", "3000"))
CHECKOUTS = int(os.environ.get("BENCH_SLIMS_CHECKOUTS", "100"))


def build(conn) -> None:
    """A bigger library in SLiMS's tables, with SQL as SLiMS's forms write it."""
    from tests.slims_library import _bcrypt_php

    with conn.cursor() as cur:
        cur.execute("UPDATE mst_member_type SET loan_limit = 100000, loan_periode = 14 WHERE member_type_id = 1")
        cur.executemany("INSERT INTO biblio (biblio_id, gmd_id, title, call_number, language_id, input_date, last_update)"
                        " VALUES (%s, 1, %s, %s, 'id', NOW(), NOW())",
                        [(1000 + n, f"Cerita rakyat Nusantara jilid {n} : kumpulan dongeng", f"398.2 CER {n}")
                         for n in range(TITLES)])
        cur.executemany("INSERT INTO mst_author (author_id, author_name, input_date) VALUES (%s, %s, CURDATE())",
                        [(1000 + n, f"Penulis {n}, Budi") for n in range(TITLES // 10)])
        cur.executemany("INSERT INTO biblio_author (biblio_id, author_id, level) VALUES (%s, %s, 1)",
                        [(1000 + n, 1000 + n // 10) for n in range(TITLES)])
        cur.executemany("INSERT INTO item (item_id, biblio_id, item_code, location_id, item_status_id, input_date)"
                        " VALUES (%s, %s, %s, 'SL', '0', NOW())",
                        [(1000 + n, 1000 + n // 2, f"K{n:06d}") for n in range(TITLES * 2)])
        password = _bcrypt_php("2468")
        cur.executemany("INSERT INTO member (member_id, member_name, gender, member_type_id, expire_date, mpasswd)"
                        " VALUES (%s, %s, 0, 1, CURDATE() + INTERVAL 1 YEAR, %s)",
                        [(f"A{n:05d}", f"Anggota Uji {n}", password) for n in range(TITLES // 2)])


def main() -> int:
    from tests.slims_library import PEER, _connect, _run_script

    if not (PEER / "senayan.sql").exists():
        print("bench_slims: skipped (needs ../shared/peers/slims)")
        return 0
    try:
        admin = _connect()
    except Exception as exc:  # noqa: BLE001
        print(f"bench_slims: skipped (no MariaDB at 127.0.0.1:3306: {exc})")
        return 0
    name = f"bench_slims_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8 COLLATE utf8_unicode_ci")
    try:
        conn = _connect(name, multi=True)
        for script in ("senayan.sql", "sampledata.sql"):
            _run_script(conn, (PEER / script).read_text(encoding="utf-8"))
        build(conn)
        conn.close()
        return run(f"mysql+pymysql://root@127.0.0.1:3306/{name}")
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def run(url: str) -> int:
    from content_service import create_app
    from content_service.db import get_session, upgrade
    from content_service.kiosks import create_kiosk

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{folder}/pindai.db", "MEDIA_ROOT": f"{folder}/media",
                          "SEARCH_INDEX": f"{folder}/index", "CIRCULATION": "slims", "SLIMS_DATABASE_URL": url})
        with app.app_context():
            upgrade(app.extensions["pindai.engine"])
        runner = app.test_cli_runner()
        rows = []
        for label in ("first sync", "second sync (no change)"):
            start = time.perf_counter()
            result = runner.invoke(args=["slims", "sync"])
            elapsed = time.perf_counter() - start
            assert result.exit_code == 0, result.output
            rows.append((label, f"{elapsed:.2f} s", result.output.strip().splitlines()[0].split("] ", 1)[1]))
        with app.app_context():
            session = get_session()
            _, key = create_kiosk(session, "Kios bench")
            session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        login = client.post("/api/v1/circulation/sessions", json={"card": "A00001", "pin": "2468"}, headers=headers)
        assert login.status_code == 201, login.get_json()
        auth = {**headers, "X-Patron-Session": login.get_json()["session"]}
        times = []
        for n in range(CHECKOUTS):
            start = time.perf_counter()
            res = client.post("/api/v1/circulation/checkouts", json={"payload": f"K{n:06d}"}, headers=auth)
            times.append((time.perf_counter() - start) * 1000)
            assert res.status_code == 201, res.get_json()
        app.extensions["pindai.circulation"].engine.dispose()
        app.extensions["pindai.engine"].dispose()
    quantiles = statistics.quantiles(times, n=20)
    print(f"SLiMS connector ({TITLES} titles, {TITLES * 2} copies, {TITLES // 2} members)")
    print(f"{'run':<28} {'time':>9}  summary")
    for label, took, summary in rows:
        print(f"{label:<28} {took:>9}  {summary}")
    print(f"{'kiosk checkout into SLiMS':<28} p50 {statistics.median(times):.1f} ms, p95 {quantiles[18]:.1f} ms "
          f"({CHECKOUTS} loans)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
