"""Search benchmark at 100,000 titles over 5 libraries: index build rate,
query and autocomplete latency, the RSS of a real gunicorn worker, and (on
PostgreSQL) how soon a change made through one server is seen through another.

The corpus is goodbooks-10k ten times over (each copy with its own ids,
years and shelf status) plus the Indonesian catalogues (gramedia, kamisdata),
read with the project's own CSV importer and written with Core inserts, the
copies spread over 5 libraries. On PostgreSQL (``BENCH_DATABASE_URL`` or
``TEST_DATABASE_URL``, a fresh schema of the run's own) when one is named,
else on SQLite. Then, per backend (``postgres`` on PostgreSQL only):

- build: ``flask reindex``'s path (documents read from the database, then
  the index written from scratch; the postgres backend computes its
  documents in the database), titles/s;
- query: a fixed mix of visitor queries (title words, authors, Indonesian
  words, misspellings, ISBNs, filters) through ``search.search``, the
  function behind /api/v1/search, p50/p95 per query;
- autocomplete: every prefix a visitor types on the way to a title, p50/p95;
- api: the same query mix through /api/v1/search (Flask test client), p50/p95;
- rss: gunicorn with 2 workers on the database, each worker's resident
  memory after /ping only and after the query mix through HTTP (read from
  /proc), and the difference: what search holds per worker;
- visibility (postgres): two gunicorn instances on the database, a title
  added through the staff form of one, the time until the other's search
  finds it.

Run: make bench  (or .venv/bin/python benchmarks/bench_search.py)
Targets: query p95 <= 10 ms (postgres backend), autocomplete p95 <= 5 ms,
search memory <= 100 MB per worker, worker RSS <= 250 MB, a change visible
on the other server within 1 s.
BENCH_SEARCH_COPIES (default 10) sets how many times goodbooks is repeated,
BENCH_SEARCH_BACKENDS (default: postgres,tantivy,whoosh) which backends run."""
from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PINDAI_SHARED_DATA") or REPO.parent / "shared" / "data") / "catalog"
COPIES = int(os.environ.get("BENCH_SEARCH_COPIES", "10"))
BACKENDS = os.environ.get("BENCH_SEARCH_BACKENDS", "postgres,tantivy,whoosh").split(",")
LIBRARIES = 5
SOURCES = [
    SHARED / "goodbooks-10k" / "books.csv",
    SHARED / "gramedia-bestsellers-id" / "gramedia_books.csv",
    SHARED / "kamisdata-buku-indonesia" / "bukuindonesia.csv",
]
VISIBILITY_CHANGES = 20

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_schema import postgres_base, postgres_schema  # noqa: E402  (benchmarks/: beside this file)


def read_records() -> list[tuple[str, object]]:
    from content_service.imports import tabular

    records = []
    for path in SOURCES:
        if not path.exists():
            continue
        for _position, _label, record in tabular.read(path):
            if not isinstance(record, Exception) and record.title:
                records.append((path.parent.name, record))
    return records


def fill_database(engine, records) -> int:
    """Write the corpus with Core inserts; returns the number of titles."""
    from sqlalchemy import insert, select

    from content_service.catalogue.models import Book, Isbn, Item
    from content_service.libraries.models import Library

    rng = random.Random(8)
    libraries = [{"id": n, "code": f"cabang{n}", "name": f"Perpustakaan Cabang {n}", "kind": "branch",
                  "is_default": n == 1, "active": True} for n in range(1, LIBRARIES + 1)]
    books, isbns, items = [], [], []
    seen_isbns: set[str] = set()
    book_id = item_id = 0
    statuses = ["available"] * 5 + ["on_loan"] * 3 + ["reference", "missing"]
    for source, record in records:
        copies = COPIES if source == "goodbooks-10k" else 1
        for copy in range(copies):
            book_id += 1
            year = record.year
            if year and copy:
                year = max(1800, year + rng.randint(-15, 15))
            books.append({
                "id": book_id, "title": record.title, "subtitle": record.subtitle, "authors": record.authors,
                "subjects": record.subjects, "summary": record.summary, "publisher": record.publisher, "year": year,
                "language": record.language, "audience": rng.choice(["all", "all", "adults", "teens", "children"]),
                "cover_url": record.cover_url, "call_number": record.call_number,
            })
            for position, isbn13 in enumerate(record.isbns):
                if isbn13 not in seen_isbns:
                    seen_isbns.add(isbn13)
                    isbns.append({"isbn13": isbn13, "book_id": book_id, "position": position})
            for _ in range(rng.randint(0, 2)):
                item_id += 1
                items.append({"id": item_id, "book_id": book_id, "barcode": f"B{item_id:08d}",
                              "status": rng.choice(statuses), "location": "Lantai 1",
                              "library_id": rng.randint(1, LIBRARIES)})
    with engine.begin() as conn:
        have = set(conn.scalars(select(Library.id)))  # the schema comes with the default library
        conn.execute(insert(Library.__table__), [row for row in libraries if row["id"] not in have])
        for table, rows in ((Book, books), (Isbn, isbns), (Item, items)):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table.__table__), rows[start:start + 5000])
        if conn.dialect.name == "postgresql":  # ids were given: the sequences go on after them
            for table in ("book", "item"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return book_id


def query_mix(records, rng: random.Random) -> list[tuple[str, dict]]:
    """Visitor queries with their filters, fixed by the seed."""
    from content_service.search.analysis import words

    titles = [r.title for _s, r in records]
    authors = [r.authors[0] for _s, r in records if r.authors]
    isbns = [r.isbns[0] for _s, r in records if r.isbns]
    indonesian = ["membaca", "bacaan anak", "cerita rakyat", "sejarah indonesia", "resep masakan", "pendidikan agama",
                  "laskar pelangi", "bumi manusia", "kisah nabi", "belajar bahasa inggris", "novel remaja", "dongeng"]
    misspelt = ["harry poter", "hunger gmes", "laskar pelang", "tolkein hobbit", "sherlok holmes", "pramudya",
                "cinderela", "dinosaurs encyclopdia", "gramatika bahasa", "agatha christy"]
    mix = []
    for _ in range(200):
        title_words = words(rng.choice(titles))
        if title_words:
            start = rng.randrange(len(title_words))
            mix.append((" ".join(title_words[start:start + rng.randint(1, 3)]), {}))
    mix += [(rng.choice(authors), {}) for _ in range(60)]
    mix += [(q, {}) for q in indonesian * 3]
    mix += [(q, {}) for q in misspelt * 3]
    mix += [(rng.choice(isbns), {}) for _ in range(20)]
    filters = [{"audience": "children"}, {"language": "id"}, {"available": True}, {"year_from": 2000, "year_to": 2009}]
    mix += [(rng.choice(["harry", "sejarah", "love", "anak", "the", ""]), rng.choice(filters)) for _ in range(40)]
    rng.shuffle(mix)
    return mix


def typed_prefixes(records, rng: random.Random) -> list[str]:
    """Everything a visitor's screen asks for while typing 60 titles."""
    prefixes = []
    for _ in range(60):
        title = rng.choice(records)[1].title.lower()[:24]
        prefixes += [title[:n] for n in range(1, len(title) + 1) if not title[:n].endswith(" ")]
    return prefixes


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, inputs) -> list[float]:
    samples = []
    for value in inputs:
        started = time.perf_counter()
        fn(value)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def app_config(name: str, url: str, workdir: Path) -> dict:
    return {"ENV": "test", "DATABASE_URL": url, "SEARCH_BACKEND": name, "SEARCH_INDEX": str(workdir / f"index-{name}"),
            "MEDIA_ROOT": str(workdir / "media")}


def measure(name: str, url: str, workdir: Path, records, titles: int) -> list[tuple[str, str, str, str]]:
    """Build and query one backend's index over the benchmark database."""
    from content_service import create_app
    from content_service.search import Filters, get_backend, parse, rebuild, search
    from content_service.search.documents import iter_documents

    rng = random.Random(2026)
    app = create_app(app_config(name, url, workdir))
    backend = get_backend(app)
    rows = []
    if backend.in_transaction:
        started = time.perf_counter()
        rebuild(app)
        reindex_seconds = time.perf_counter() - started
        rows.append((f"{name}: reindex (in the database)", f"{titles / reindex_seconds:,.0f} titles/s",
                     f"{reindex_seconds:.1f} s", ">= 5,000/s"))
    else:
        with app.extensions["pindai.sessionmaker"]() as session:
            started = time.perf_counter()
            documents = list(iter_documents(session))
            read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        backend.rebuild(iter(documents))
        write_seconds = time.perf_counter() - started
        del documents
        reindex_seconds = read_seconds + write_seconds  # what `flask reindex` does
        rows += [
            (f"{name}: index build (write)", f"{titles / write_seconds:,.0f} titles/s", f"{write_seconds:.1f} s",
             ">= 5,000/s"),
            (f"{name}: reindex (db + write)", f"{titles / reindex_seconds:,.0f} titles/s", f"{reindex_seconds:.1f} s", ""),
        ]
        started = time.perf_counter()
        backend.lexicon()
        rows.append((f"{name}: warm-up (lexicon)", "", f"{time.perf_counter() - started:.2f} s", ""))
    mix = query_mix(records, rng)
    parsed_mix = [(parse(q), Filters(**f)) for q, f in mix]
    with app.app_context():
        for parsed, filters in parsed_mix[:50]:  # warm caches (stems, OS pages, the planner's statistics)
            search(parsed, filters, 1, 20, backend=backend)
        query_ms = timed(lambda pf: search(pf[0], pf[1], 1, 20, backend=backend), parsed_mix)
    prefixes = typed_prefixes(records, rng)
    complete_ms = timed(lambda text: backend.autocomplete(text, 8), prefixes)
    client = app.test_client()
    api_ms = timed(lambda qf: client.get("/api/v1/search", query_string={"q": qf[0], **{
        k: (int(v) if isinstance(v, bool) else v) for k, v in qf[1].items()}}), mix[:200])
    app.extensions["pindai.engine"].dispose()
    slowest = sorted(zip(query_ms, mix), key=lambda pair: -pair[0])[:3]
    print(f"{name}: {len(query_ms)} queries, {len(complete_ms)} autocomplete prefixes, {len(api_ms)} API requests; "
          f"p99 query {percentile(query_ms, 99):.2f} ms; slowest: "
          + "; ".join(f"{q!r} {f or ''} {ms:.1f} ms" for ms, (q, f) in slowest), flush=True)
    return rows + [
        (f"{name}: query (search())", f"p50 {statistics.median(query_ms):.2f} ms",
         f"p95 {percentile(query_ms, 95):.2f} ms", "p95 <= 10 ms"),
        (f"{name}: autocomplete", f"p50 {statistics.median(complete_ms):.2f} ms",
         f"p95 {percentile(complete_ms, 95):.2f} ms", "p95 <= 5 ms"),
        (f"{name}: /api/v1/search", f"p50 {statistics.median(api_ms):.2f} ms", f"p95 {percentile(api_ms, 95):.2f} ms", ""),
    ]


# -- real servers -----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(name: str, url: str, workdir: Path, machine: str = "a", env_name: str = "production"):
    """gunicorn -w 2 on the benchmark database with one backend; yields
    (base URL, the master's pid)."""
    folder = workdir / f"machine-{machine}-{name}"
    (folder / "instance").mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "PINDAI_ENV": env_name, "PINDAI_SECRET_KEY": "bench-" + "k" * 32,
           "PINDAI_DATABASE_URL": url, "PINDAI_SEARCH_BACKEND": name,
           "PINDAI_SEARCH_INDEX": str(workdir / f"index-{name}"), "PINDAI_INSTANCE_PATH": str(folder / "instance"),
           "PINDAI_MEDIA_ROOT": str(folder / "media"), "PINDAI_PUBLIC_BASE_URL": "http://127.0.0.1",
           "PYTHONPATH": str(REPO)}
    log = open(folder / "gunicorn.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "300",
                             "content_service:create_app()"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {(folder / 'gunicorn.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/ping", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=300) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def measure_rss(name: str, url: str, workdir: Path, records) -> list[tuple[str, str, str, str]]:
    """Each worker's RSS after /ping only, then after the query mix (every
    worker answers some: new connections are spread over them)."""
    mix = query_mix(records, random.Random(7))
    with gunicorn(name, url, workdir) as (base, master):
        pids = workers(master)
        for _ in range(20):
            get(base + "/ping")
        time.sleep(1)  # a first request's warm-up thread (embedded backends) has started by now
        idle = {pid: rss_mb(pid) for pid in pids}
        statuses = [get(base + "/api/v1/search?" + urllib.parse.urlencode(
            {"q": q, **{k: (int(v) if isinstance(v, bool) else v) for k, v in f.items()}})) for q, f in mix]
        for text in ("har", "laskar pel", "bumi"):
            get(base + "/api/v1/search/autocomplete?" + urllib.parse.urlencode({"q": text}))
        warm = {pid: rss_mb(pid) for pid in pids}
    errors = sum(1 for status in statuses if status != 200)
    grown = [warm[pid] - idle[pid] for pid in pids]
    print(f"{name}: worker RSS idle {', '.join(f'{idle[p]:.0f}' for p in pids)} MB, after {len(mix)} searches "
          f"{', '.join(f'{warm[p]:.0f}' for p in pids)} MB; {errors} non-200 answers", flush=True)
    return [
        (f"{name}: worker RSS (searched)", f"max {max(warm.values()):.0f} MB", f"idle {max(idle.values()):.0f} MB",
         "<= 250 MB"),
        (f"{name}: search memory/worker", f"+{max(grown):.0f} MB", "", "<= 100 MB"),
    ]


class Librarian:
    """A staff account logged in through one server's login form."""

    _TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
        token = self.token("/staff/login")
        self.post("/staff/login", {"username": username, "password": password, "csrf_token": token})

    def token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as page:
            return self._TOKEN.search(page.read().decode()).group(1)

    def post(self, path: str, form: dict) -> str:
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as answer:
                return answer.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            if exc.code in (302, 303):
                return exc.headers.get("Location", "")
            raise


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def measure_visibility(url: str, workdir: Path) -> list[tuple[str, str, str, str]]:
    """Titles added through server A's staff form; how long until server B's
    search finds each (polled every 2 ms from A's answer on)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from content_service.staff.access import create_staff

    engine = create_engine(url)
    with Session(engine) as session:
        create_staff(session, "bench-librarian", "bench password 123", "admin", "Bench", method="pbkdf2:sha256:1000")
        session.commit()
    engine.dispose()
    delays = []
    # ENV test: the staff cookie over plain HTTP on the loopback.
    with gunicorn("postgres", url, workdir, "a", "test") as (a, _), gunicorn("postgres", url, workdir, "b", "test") as (b, _):
        staff = Librarian(a, "bench-librarian", "bench password 123")
        for n in range(VISIBILITY_CHANGES):
            word = "zzvis" + "".join(chr(ord("a") + int(d)) for d in f"{n:04d}")
            token = staff.token("/staff/books")
            staff.post("/staff/books/new", {"csrf_token": token, "title": f"Hikayat {word}", "authors": "Bench",
                                            "language": "id"})
            started = time.perf_counter()
            while True:
                with urllib.request.urlopen(b + "/api/v1/search?q=" + word, timeout=30) as answer:
                    # Its title among the items (another made-up word may share its stem).
                    if f'"Hikayat {word}"'.encode() in answer.read():
                        break
                if time.perf_counter() - started > 10:
                    break
                time.sleep(0.002)
            delays.append((time.perf_counter() - started) * 1000)
            if delays[-1] > 10_000:
                print(f"visibility: {word!r} not seen on B after 10 s", flush=True)
    return [("postgres: change seen on B", f"p50 {statistics.median(delays):.1f} ms",
             f"max {max(delays):.1f} ms", "<= 1,000 ms")]


def main() -> int:
    from sqlalchemy import create_engine

    from content_service import create_app
    from content_service.db import Base

    if not SOURCES[0].exists():
        print("bench_search: needs ../shared/data/catalog (goodbooks-10k; or PINDAI_SHARED_DATA); skipped")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="pindai-bench-search-"))
    pg = postgres_base()
    with (postgres_schema(pg) if pg else contextlib.nullcontext(f"sqlite:///{workdir / 'bench.db'}")) as url:
        started = time.perf_counter()
        records = read_records()
        engine = create_engine(url)
        create_app({"ENV": "test", "DATABASE_URL": url}).extensions["pindai.engine"].dispose()  # every model registered
        Base.metadata.create_all(engine)
        titles = fill_database(engine, records)
        engine.dispose()
        database = "PostgreSQL" if pg else "SQLite"
        print(f"corpus: {titles:,} titles ({len(records):,} records read, goodbooks x{COPIES}, {LIBRARIES} libraries) "
              f"on {database} in {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores", flush=True)
        backends = [name for name in BACKENDS if name != "postgres" or pg]
        rows = []
        for name in backends:
            rows += measure(name, url, workdir, records, titles)
            rows += measure_rss(name, url, workdir, records)
        if "postgres" in backends:
            rows += measure_visibility(url, workdir)
    print(f"\n{'measure':34} {'rate / p50':>20} {'time / p95':>14}  target")
    for name, first, second, target in rows:
        print(f"{name:34} {first:>20} {second:>14}  {target}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
