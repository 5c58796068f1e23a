"""Fixtures for the kiosk tests: the shared QR photo corpus and generated media."""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import pytest

REPO = Path(__file__).resolve().parents[2]
QR_CORPUS = REPO / ".." / "shared" / "data" / "qr-corpus"

# ZXing's expected text for qrcode-2/13.png reads "photograph"; the symbol
# itself encodes "photography" (a Reed-Solomon-checked read that zbar and
# zxing-cpp, two independent decoders, agree on: see
# test_corpus_manifest_erratum). ZXing's own suite never decodes this image,
# so the typo in its .txt went unnoticed.
MANIFEST_ERRATA = {
    "zxing-qrcode-2-13.png":
        "The 2005 USGS aerial photography of the Washington Monument is censored.",
}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.kiosk.live import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh Chromium page (1280x900 unless the module sets ``VIEWPORT``) that
    fails the test on any script error the kiosk page raised."""
    viewport = getattr(request.module, "VIEWPORT", {"width": 1280, "height": 900})
    context = browser.new_context(viewport=viewport, locale="id-ID")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"script errors on the kiosk page: {errors}"


def load_corpus() -> list[dict]:
    """Rows of the corpus manifest (file, expected_text, path), or a skip."""
    manifest = QR_CORPUS / "manifest.csv"
    if not manifest.exists():
        pytest.skip("needs ../shared/data/qr-corpus (not in a fresh clone; present in CI)")
    with open(manifest, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["path"] = QR_CORPUS / row["file"]
    return rows


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    """The corpus rows with each image loaded as grayscale (like the camera path)."""
    rows = load_corpus()
    for row in rows:
        row["gray"] = cv2.imread(str(row["path"]), cv2.IMREAD_GRAYSCALE)
    return rows


@pytest.fixture(scope="session")
def book_video(tmp_path_factory) -> dict:
    """A short generated 720p video: a QR-labelled book shown twice."""
    from kiosk.demo.synth import render_book_video

    path = tmp_path_factory.mktemp("media") / "book.mp4"
    return render_book_video(path, "http://127.0.0.1:5000/q/ABCD2345", frames=200,
                             passes=2, seed=3)
