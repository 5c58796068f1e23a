"""The PostgreSQL part of the benchmarks that run on both databases: the server
named by ``BENCH_DATABASE_URL`` (or ``TEST_DATABASE_URL``, as CI sets it), and
a schema of the run's own on it, dropped afterwards. Not a benchmark itself
(``make bench`` runs ``bench_*.py`` only)."""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator


def postgres_base() -> str | None:
    """The PostgreSQL server to measure on, or None (SQLite only)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


@contextlib.contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL to a fresh schema on ``base``, dropped when the block ends."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
