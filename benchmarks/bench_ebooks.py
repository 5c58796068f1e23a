"""E-books benchmark: what the upload check costs on realistic e-books (an
EPUB of 300 chapters with 40 images, about 20 MB; a 400-page PDF) and what
the OPDS feeds cost over a catalogue of 2,000 titles with e-resources
(the root, a page of 25 newest with facets, a search; Atom and JSON), on
SQLite and (with BENCH_DATABASE_URL) PostgreSQL.

Run: make bench  (or .venv/bin/python benchmarks/bench_ebooks.py)
Targets: either e-book checked in under 3 s; an OPDS page in under 0.5 s.
Times on a shared machine vary with its load: the load average is printed."""
from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TITLES = int(os.environ.get("BENCH_EBOOK_TITLES", "2000"))


def big_epub() -> bytes:
    from PIL import Image

    from tests.content_service.staff import samples

    rng = np.random.default_rng(3)
    images = {}
    for n in range(40):
        out = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (700, 700, 3), dtype=np.uint8)).save(out, "JPEG", quality=85)
        images[f"OEBPS/img{n}.jpg"] = out.getvalue()
    text = "<p>" + "Kalimat contoh dalam bab buku ini. " * 200 + "</p>"
    chapters = [(f"Bab {n}", f"<h1>Bab {n}</h1>{text * 3}") for n in range(1, 301)]
    manifest = "".join(f'<item id="i{n}" href="img{n}.jpg" media-type="image/jpeg"/>' for n in range(40))
    return samples.epub(chapters=chapters, extra_manifest=manifest, extra=images)


def big_pdf() -> bytes:
    from tests.content_service.staff import samples

    return samples.pdf(400, "Halaman buku elektronik yang cukup panjang")


def timed(fn, runs=5) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def bench_checks(app) -> None:
    from content_service.media import checks

    for name, data in (("EPUB, 300 chapters + 40 images", big_epub()), ("PDF, 400 pages", big_pdf())):
        with app.test_request_context("/"):
            p50, worst = timed(lambda d=data: checks.check("ebook", d), runs=3)
        print(f"check {name} ({len(data) / 1e6:.1f} MB): p50 {p50:.2f} s, max {worst:.2f} s")


def seed(app) -> None:
    from content_service.catalogue.models import Asset, Book, Isbn
    from content_service.db import get_session
    from content_service.isbn import isbn13_check_digit
    from content_service.media import storage
    from tests.content_service.staff import samples

    with app.app_context():
        session = get_session()
        digest = storage().put(samples.epub())
        subjects = ["Fiksi", "Sejarah", "Sains", "Anak", "Agama", "Teknologi", "Geografi", "Bahasa"]
        for n in range(TITLES):
            core = f"978602{n:06d}"
            book = Book(title=f"Buku Elektronik {n}", authors=[f"Penulis {n % 97}"], subjects=[subjects[n % 8]],
                        language="id" if n % 3 else "en", summary="Ringkasan singkat buku ini.")
            book.isbns.append(Isbn(isbn13=core + isbn13_check_digit(core)))
            session.add(book)
            session.flush()
            if n % 2 == 0:
                session.add(Asset(book_id=book.id, kind="ebook", title="EPUB", media_hash=digest,
                                  media_type="application/epub+zip", language="both", audience="all"))
            if n % 3 == 0:
                session.add(Asset(book_id=book.id, kind="online", title="iPusnas", url=f"https://ipusnas.id/b/{n}",
                                  provider="iPusnas", language="both", audience="all"))
        session.commit()


def bench_feeds(app, label: str) -> None:
    client = app.test_client()
    for path in ("/opds", "/opds/new", "/opds/new?kind=ebook&subject=Fiksi", "/opds/search?q=elektronik",
                 "/opds/v2/new", "/opds/v2/search?query=elektronik"):
        assert client.get(path).status_code == 200, path
        p50, worst = timed(lambda p=path: client.get(p), runs=7)
        print(f"{label} {path}: p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms")


def main() -> None:
    from content_service import create_app
    from content_service.db import get_engine, upgrade

    print(f"load average {os.getloadavg()[0]:.1f}, {TITLES} titles")
    with tempfile.TemporaryDirectory() as folder:
        urls = [("SQLite", f"sqlite:///{folder}/bench.db")]
        if os.environ.get("BENCH_DATABASE_URL"):
            urls.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
        for index, (label, url) in enumerate(urls):
            app = create_app({"ENV": "test", "DATABASE_URL": url, "MEDIA_ROOT": f"{folder}/media",
                              "SEARCH_INDEX": f"{folder}/index-{label}", "RATE_LIMITS": False})
            with app.app_context():
                upgrade(get_engine())
            if index == 0:
                bench_checks(app)
            seed(app)
            bench_feeds(app, label)
            app.extensions["pindai.engine"].dispose()


if __name__ == "__main__":
    main()
