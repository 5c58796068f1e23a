"""Import benchmark: the goodbooks-10k CSV (10,000 rows, with the repairs its
spreadsheet damage needs) and the largest MARC file, first run and re-run,
on SQLite and (with BENCH_DATABASE_URL) PostgreSQL.

Run: make bench  (or .venv/bin/python benchmarks/bench_import.py)
Target: the 10,000-row CSV in under a minute."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))


def run(url: str) -> list[tuple[str, str, int, float]]:
    from content_service import create_app
    from content_service.db import get_engine, get_session, upgrade
    from content_service.imports import import_file

    app = create_app({"ENV": "test", "DATABASE_URL": url, "MEDIA_ROOT": tempfile.mkdtemp()})
    rows = []
    with app.app_context():
        upgrade(get_engine())
        files = [
            ("csv", SHARED / "catalog" / "goodbooks-10k" / "books.csv"),
            ("marc", SHARED / "marc" / "utf8" / "marc4j__pride-and-prejudice-fixed.mrc"),
        ]
        for kind, path in files:
            for attempt in ("first run", "re-run"):
                started = time.perf_counter()
                report = import_file(get_session(), path, kind)
                rows.append((path.name, attempt, len(report.outcomes), time.perf_counter() - started))
    app.extensions["pindai.engine"].dispose()
    return rows


def main() -> int:
    if not (SHARED / "catalog").exists():
        print("skipped: ../shared/data is not here")
        return 0
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
    print(f"{'database':<12}{'file':<42}{'run':<11}{'records':>8}{'seconds':>9}{'records/s':>11}")
    met = True
    for name, url in targets:
        for file, attempt, count, seconds in run(url):
            print(f"{name:<12}{file:<42}{attempt:<11}{count:>8}{seconds:>9.1f}{count / seconds:>11.0f}")
            if file == "books.csv" and seconds >= 60:
                met = False
    print(f"goodbooks 10,000 rows under a minute: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
