"""Staff portal benchmark: what an upload check costs per kind on realistic
files (a 12-megapixel phone photo, a 720p H.264 clip, a minute of MP3 and a
10-minute narration, each decoded to the end, a 5 MB GLB), and what the analytics dashboard costs over a busy month of
scan logs, on SQLite and (with BENCH_DATABASE_URL) PostgreSQL.

Run: make bench  (or .venv/bin/python benchmarks/bench_staff.py)
Targets: a photo checked in under 2 s; the 30-day dashboard over 200,000
scans in under 1 s on PostgreSQL (production) and 5 s on SQLite (trials).
Times on a shared machine vary with its load: the load average is printed."""
from __future__ import annotations

import io
import os
import random
import statistics
import struct
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SCANS = int(os.environ.get("BENCH_STAFF_SCANS", "200000"))


def photo() -> bytes:
    from PIL import Image

    rng = np.random.default_rng(1)
    # Smooth gradient plus noise: compresses like a photo, not like a flat fill.
    y, x = np.mgrid[0:3000, 0:4000]
    pixels = np.stack([(x // 16) % 256, (y // 12) % 256, ((x + y) // 20) % 256], axis=-1).astype(np.int16)
    pixels += rng.integers(-12, 12, pixels.shape, dtype=np.int16)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def clip(seconds=10, fps=25, size=(1280, 720)) -> bytes:
    import av

    buffer = io.BytesIO()
    out = av.open(buffer, "w", format="mp4")
    stream = out.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
    rng = np.random.default_rng(2)
    base = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    for i in range(seconds * fps):
        frame = np.roll(base, i * 4, axis=1)
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buffer.getvalue()


def narration(seconds=60) -> bytes:
    import av

    buffer = io.BytesIO()
    out = av.open(buffer, "w", format="mp3")
    stream = out.add_stream("libmp3lame", rate=44100)
    t = np.arange(44100 * seconds) / 44100
    samples = (np.sin(2 * np.pi * 220 * t) * 0.2).astype(np.float32).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
    frame.sample_rate = 44100
    for packet in stream.encode(frame):
        out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buffer.getvalue()


def model(megabytes=5) -> bytes:
    import json

    binary = os.urandom(megabytes * 1024 * 1024)
    doc = json.dumps({"asset": {"version": "2.0"}, "buffers": [{"byteLength": len(binary)}]}).encode()
    doc += b" " * (-len(doc) % 4)
    chunks = struct.pack("<II", len(doc), 0x4E4F534A) + doc + struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def bench_uploads() -> list[tuple[str, float, float]]:
    from content_service.media import checks as uploads

    rows = []
    for kind, label, make in (("image", "12 MP JPEG photo", photo), ("video", "10 s 720p H.264 MP4", clip),
                              ("audio", "60 s MP3", narration), ("audio", "10 min MP3 narration", lambda: narration(600)),
                              ("model3d", "5 MB GLB", model)):
        data = make()
        times = []
        for _ in range(3):
            started = time.perf_counter()
            uploads.check(kind, data)
            times.append(time.perf_counter() - started)
        rows.append((label, len(data) / 1e6, statistics.median(times)))
    return rows


def bench_dashboard(url: str) -> tuple[float, float]:
    from sqlalchemy import insert

    from content_service import create_app
    from content_service.db import get_engine, get_session, upgrade
    from content_service.catalogue.models import Book
    from content_service.kiosks.models import Kiosk, ScanLog
    from content_service.staff.analytics import build_report

    app = create_app({"ENV": "test", "DATABASE_URL": url, "MEDIA_ROOT": tempfile.mkdtemp()})
    with app.app_context():
        upgrade(get_engine())
        session = get_session()
        session.execute(insert(Book), [{"title": f"Buku {n}", "authors": [], "subjects": []} for n in range(500)])
        session.execute(insert(Kiosk), [{"name": f"Kios {n}", "key_hash": f"{n:064d}"} for n in range(4)])
        session.commit()
        book_ids = [b for (b,) in session.execute(Book.__table__.select().with_only_columns(Book.id))]
        kiosk_ids = [k for (k,) in session.execute(Kiosk.__table__.select().with_only_columns(Kiosk.id))]
        rng = random.Random(3)
        end = date(2026, 5, 31)
        start_at = datetime(2026, 5, 1, tzinfo=timezone.utc) - timedelta(hours=7)
        batch = []
        for _ in range(SCANS):
            phone = rng.random() < 0.4
            batch.append({"at": start_at + timedelta(seconds=rng.randrange(31 * 86400)),
                          "channel": "phone" if phone else "kiosk",
                          "kiosk_id": None if phone else rng.choice(kiosk_ids),
                          "book_id": rng.choice(book_ids[: 50 if rng.random() < 0.5 else None]),
                          "outcome": "ok" if rng.random() < 0.97 else "not_ours"})
            if len(batch) == 20000:
                session.execute(insert(ScanLog), batch)
                batch.clear()
        if batch:
            session.execute(insert(ScanLog), batch)
        session.commit()
        times = []
        for _ in range(3):
            started = time.perf_counter()
            report = build_report(session, end - timedelta(days=29), end)
            times.append(time.perf_counter() - started)
            session.rollback()
        assert report.total > SCANS * 0.9, report.total
        first = times[0]
    app.extensions["pindai.engine"].dispose()
    return first, statistics.median(times)


def main() -> int:
    met = True
    print(f"{'upload check':<24}{'MB':>8}{'seconds':>10}")
    for label, size, seconds in bench_uploads():
        print(f"{label:<24}{size:>8.1f}{seconds:>10.2f}")
        met &= not (label.startswith("12 MP") and seconds >= 2)
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
    print(f"\n{'database':<12}{'scans':>9}{'30-day dashboard, first (s)':>30}{'median of 3 (s)':>18}")
    for name, url in targets:
        first, median = bench_dashboard(url)
        print(f"{name:<12}{SCANS:>9}{first:>30.3f}{median:>18.3f}")
        met &= median < (1.0 if name == "PostgreSQL" else 5.0)
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"photo check under 2 s, dashboard under 1 s (PostgreSQL) / 5 s (SQLite): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
