"""`python -m kiosk decode` and `watch`, run as an installer would."""
from __future__ import annotations

import json
import subprocess
import sys

import cv2

from kiosk.demo.symbols import render_barcode, render_qr

from .conftest import REPO

URL = "http://127.0.0.1:5000/q/ABCD2345"


def kiosk(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def test_decode_prints_one_json_line_per_image(tmp_path):
    qr, isbn, blank = tmp_path / "qr.png", tmp_path / "isbn.png", tmp_path / "blank.png"
    cv2.imwrite(str(qr), render_qr(URL))
    cv2.imwrite(str(isbn), render_barcode("978602033295", "ean13"))
    cv2.imwrite(str(blank), render_qr(URL)[:5, :5])
    result = kiosk("decode", str(qr), str(isbn), str(blank))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["image"] for line in lines] == [str(qr), str(isbn), str(blank)]
    assert [[s["text"] for s in line["scans"]] for line in lines] == [[URL], ["9786020332956"], []]
    assert lines[1]["scans"][0]["symbology"] == "ean13"
    assert len(lines[0]["scans"][0]["corners"]) == 4


def test_decode_reports_unreadable_files(tmp_path):
    result = kiosk("decode", str(tmp_path / "missing.png"))
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"image": str(tmp_path / "missing.png"),
                                         "error": "cannot read image"}


def test_watch_prints_scan_events(book_video):
    result = kiosk("watch", "--source", book_video["path"], "--no-realtime")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["text"] for e in events] == [book_video["payload"]] * 2
    assert events[0]["frame_size"] == [1280, 720]
    states = [json.loads(line)["state"] for line in result.stderr.splitlines()
              if line.startswith("{")]
    assert states == ["running", "stopped"]


def test_watch_a_missing_source_fails_clearly(tmp_path):
    result = kiosk("watch", "--source", str(tmp_path / "nope.mp4"))
    assert result.returncode == 1
    assert "no such video file" in result.stderr
