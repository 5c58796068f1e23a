"""Search benchmark at 100,000 titles: index build rate, query and
autocomplete latency with a warm searcher.

The corpus is goodbooks-10k ten times over (each copy with its own ids,
years and shelf status) plus the Indonesian catalogues (gramedia, kamisdata),
read with the project's own CSV importer and written to a SQLite database
with Core inserts. Then:

- build: ``flask reindex``'s path (documents read from the database, then
  the index written from scratch), titles/s, both steps and their sum;
- query: a fixed mix of visitor queries (title words, authors, Indonesian
  words, misspellings, ISBNs, filters) through ``search.search``, the
  function behind /api/v1/search, p50/p95 per query;
- autocomplete: every prefix a visitor types on the way to a title, p50/p95;
- api: the same query mix through /api/v1/search (Flask, SQLite), p50/p95.

Both backends of the registry are measured on the same corpus.

Run: make bench  (or .venv/bin/python benchmarks/bench_search.py)
Targets: query p95 <= 10 ms, autocomplete p95 <= 5 ms, build >= 5,000 titles/s.
BENCH_SEARCH_COPIES (default 10) sets how many times goodbooks is repeated,
BENCH_SEARCH_BACKENDS (default whoosh,tantivy) which backends run."""
from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "catalog"
COPIES = int(os.environ.get("BENCH_SEARCH_COPIES", "10"))
BACKENDS = os.environ.get("BENCH_SEARCH_BACKENDS", "whoosh,tantivy").split(",")
SOURCES = [
    SHARED / "goodbooks-10k" / "books.csv",
    SHARED / "gramedia-bestsellers-id" / "gramedia_books.csv",
    SHARED / "kamisdata-buku-indonesia" / "bukuindonesia.csv",
]
TARGETS = {"query": 10.0, "autocomplete": 5.0, "build": 5000.0}

sys.path.insert(0, str(REPO))


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
    from sqlalchemy import insert

    from content_service.catalogue.models import Book, Isbn, Item

    rng = random.Random(8)
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
                              "status": rng.choice(statuses), "location": "Lantai 1"})
    with engine.begin() as conn:
        for table, rows in ((Book, books), (Isbn, isbns), (Item, items)):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table.__table__), rows[start:start + 5000])
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


def measure(name: str, workdir: Path, records, titles: int) -> list[tuple[str, str, str, str]]:
    """Build and query one backend's index over the benchmark database."""
    from content_service import create_app
    from content_service.search import Filters, get_backend, parse, search
    from content_service.search.documents import iter_documents

    rng = random.Random(2026)
    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "SEARCH_BACKEND": name,
                      "SEARCH_INDEX": str(workdir / f"index-{name}"), "MEDIA_ROOT": str(workdir / "media")})
    backend = get_backend(app)
    with app.extensions["pindai.sessionmaker"]() as session:
        started = time.perf_counter()
        documents = list(iter_documents(session))
        read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    backend.rebuild(iter(documents))
    write_seconds = time.perf_counter() - started
    reindex_seconds = read_seconds + write_seconds  # what `flask reindex` does

    started = time.perf_counter()
    lexicon = backend.lexicon()
    warm_seconds = time.perf_counter() - started
    mix = query_mix(records, rng)
    parsed_mix = [(parse(q), Filters(**f)) for q, f in mix]
    for parsed, filters in parsed_mix[:50]:  # warm caches (stems, OS pages)
        search(parsed, filters, 1, 20, backend=backend)
    query_ms = timed(lambda pf: search(pf[0], pf[1], 1, 20, backend=backend), parsed_mix)
    prefixes = typed_prefixes(records, rng)
    complete_ms = timed(lambda text: lexicon.complete(text, 8), prefixes)
    client = app.test_client()
    api_ms = timed(lambda qf: client.get("/api/v1/search", query_string={"q": qf[0], **{
        k: (int(v) if isinstance(v, bool) else v) for k, v in qf[1].items()}}), mix[:200])
    app.extensions["pindai.engine"].dispose()
    slowest = sorted(zip(query_ms, mix), key=lambda pair: -pair[0])[:3]
    print(f"{name}: {len(query_ms)} queries, {len(complete_ms)} autocomplete prefixes, {len(api_ms)} API requests; "
          f"p99 query {percentile(query_ms, 99):.2f} ms; slowest: "
          + "; ".join(f"{q!r} {f or ''} {ms:.1f} ms" for ms, (q, f) in slowest))
    return [
        (f"{name}: index build (write)", f"{titles / write_seconds:,.0f} titles/s", f"{write_seconds:.1f} s", ">= 5,000/s"),
        (f"{name}: reindex (db + write)", f"{titles / reindex_seconds:,.0f} titles/s", f"{reindex_seconds:.1f} s", ""),
        (f"{name}:   of which db read", f"{titles / read_seconds:,.0f} titles/s", f"{read_seconds:.1f} s", ""),
        (f"{name}: warm-up (lexicon)", "", f"{warm_seconds:.2f} s", ""),
        (f"{name}: query (search())", f"p50 {statistics.median(query_ms):.2f} ms",
         f"p95 {percentile(query_ms, 95):.2f} ms", "p95 <= 10 ms"),
        (f"{name}: autocomplete", f"p50 {statistics.median(complete_ms):.2f} ms",
         f"p95 {percentile(complete_ms, 95):.2f} ms", "p95 <= 5 ms"),
        (f"{name}: /api/v1/search", f"p50 {statistics.median(api_ms):.2f} ms", f"p95 {percentile(api_ms, 95):.2f} ms", ""),
    ]


def main() -> int:
    from sqlalchemy import create_engine

    from content_service.db import Base

    if not SOURCES[0].exists():
        print("bench_search: needs ../shared/data/catalog (goodbooks-10k); skipped")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="pindai-bench-search-"))
    started = time.perf_counter()
    records = read_records()
    engine = create_engine(f"sqlite:///{workdir / 'bench.db'}")
    Base.metadata.create_all(engine)
    titles = fill_database(engine, records)
    engine.dispose()
    print(f"corpus: {titles:,} titles ({len(records):,} records read, goodbooks x{COPIES}) "
          f"in {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rows = []
    for name in BACKENDS:
        rows += measure(name, workdir, records, titles)
    print(f"{'measure':32} {'rate / p50':>20} {'time / p95':>14}  target")
    for name, first, second, target in rows:
        print(f"{name:32} {first:>20} {second:>14}  {target}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
