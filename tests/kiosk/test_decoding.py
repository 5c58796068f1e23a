"""decode(): the contract, the real photo corpus, charsets, and every symbology."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from kiosk.demo.symbols import ean13_check_digit, render_barcode, render_qr
from kiosk.demo.synth import place, scene
from kiosk.scan.decoding import DECODERS, Scan, decode, to_gray

from .conftest import MANIFEST_ERRATA

URL = "http://127.0.0.1:5000/q/ABCD2345"


def _texts(image, **kwargs):
    return [s.text for s in decode(image, **kwargs)]


# --- the shared corpus ------------------------------------------------------
@pytest.mark.shared_data
def test_corpus_pipeline_reads_every_photo_right(corpus):
    correct, wrong, failed = [], [], []
    for row in corpus:
        expected = MANIFEST_ERRATA.get(row["file"], row["expected_text"])
        texts = [s.text for s in decode(row["gray"]) if s.symbology == "qr"]
        # zxing-qrcode-2-16 holds two codes; any match counts (corpus README).
        (correct if expected in texts else wrong if texts else failed).append(row["file"])
    assert wrong == [], f"wrong texts: {wrong}"
    assert len(correct) >= 111, f"failed: {failed}"


def _zxing_default_qr(gray) -> set[bytes]:
    """What zxing-cpp reads on its own, called with its default options."""
    return {bytes(b.bytes) for b in zxingcpp.read_barcodes(gray)
            if b.valid and b.format == zxingcpp.BarcodeFormat.QRCode}


@pytest.mark.shared_data
@pytest.mark.parametrize("polarity", ["as printed", "inverted"])
def test_corpus_pipeline_reads_whatever_zxing_defaults_read(corpus, polarity):
    """The pipeline reads at least every QR code its best decoder, zxing-cpp
    with its defaults, reads alone: on every photo and on every photo
    inverted (light modules on dark, as on some posters and screens)."""
    missed, correct = [], 0
    for row in corpus:
        gray = row["gray"] if polarity == "as printed" else 255 - row["gray"]
        scans = [s for s in decode(gray) if s.symbology == "qr"]
        got = {s.raw for s in scans}
        if _zxing_default_qr(gray) - got:
            missed.append(row["file"])
        expected = MANIFEST_ERRATA.get(row["file"], row["expected_text"])
        correct += expected in [s.text for s in scans]
    assert missed == []
    assert correct >= 111


@pytest.mark.parametrize("module_px, angle", [(2, 0), (3, 20), (5, 90), (8, 200)])
def test_inverted_qr_codes_read(module_px, angle):
    """Light-on-dark QR codes: alone, and placed in a 720p scene."""
    symbol = 255 - render_qr(URL, module_px=module_px)
    assert _texts(symbol) == [URL]
    side = symbol.shape[0]
    frame = _in_scene(symbol, _quad(640, 360, side, side, angle, 0.08), seed=module_px)
    assert _texts(frame) == [URL]


def test_inverted_frames_read_like_the_originals():
    """A whole inverted camera frame (a negative) reads as the positive does."""
    frame = _in_scene(render_qr(URL, module_px=4), _quad(500, 300, 200, 200, 15, 0.1))
    assert _texts(frame) == [URL]
    assert _texts(255 - frame) == [URL]


@pytest.mark.shared_data
def test_corpus_manifest_erratum(corpus):
    """Two independent decoders agree on the text of zxing-qrcode-2-13."""
    (row,) = [r for r in corpus if r["file"] == "zxing-qrcode-2-13.png"]
    small = cv2.resize(row["gray"], None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    expected = MANIFEST_ERRATA[row["file"]]
    assert expected != row["expected_text"]
    assert _texts(small, decoders=("pyzbar",)) == [expected]
    assert expected in _texts(row["gray"])  # zxing-cpp, via the pipeline


@pytest.mark.shared_data
def test_corpus_japanese_payloads_decode_to_the_right_text(corpus):
    """Shift_JIS (and other non-ASCII) payloads: the pipeline reads all of
    them right; zbar and OpenCV, whose own charset guesses are wrong here,
    are never wrong through our adapters either."""
    non_ascii = [r for r in corpus if not r["expected_text"].isascii()]
    assert len(non_ascii) == 14
    for row in non_ascii:
        assert row["expected_text"] in _texts(row["gray"]), row["file"]
    for name, at_least in (("pyzbar", 12), ("opencv", 9)):
        right = 0
        for row in non_ascii:
            texts = _texts(row["gray"], decoders=(name,))
            assert not texts or row["expected_text"] in texts, (name, row["file"], texts)
            right += bool(texts)
        assert right >= at_least, name


@pytest.mark.shared_data
def test_colour_input_reads_like_grayscale(corpus):
    colour = [r for r in corpus if r["file"].startswith("zxing-qrcode-1-")][:6]
    for row in colour:
        bgr = cv2.imread(str(row["path"]), cv2.IMREAD_COLOR)
        assert bgr.ndim == 3
        assert row["expected_text"] in _texts(bgr)


# --- charsets on generated codes -------------------------------------------
@pytest.mark.parametrize("payload, eci, expected", [
    ("ﾃﾞｻﾞｲﾝQR 図書館".encode("shift_jis"), None, "ﾃﾞｻﾞｲﾝQR 図書館"),
    ("Café Ñandú".encode("iso-8859-1"), None, "Café Ñandú"),
    ("Perpustakaan Ñandú 図書館".encode("utf-8"), None, "Perpustakaan Ñandú 図書館"),
    ("Perpustakaan Ñandú 図書館".encode("utf-8"), 26, "Perpustakaan Ñandú 図書館"),
    # Latin-1 that would pass for half-width katakana without its ECI.
    ("ÃÞ»Þ²Ý".encode("iso-8859-1"), 3, "ÃÞ»Þ²Ý"),
])
@pytest.mark.parametrize("decoder", ["pipeline", "pyzbar", "opencv"])
def test_charsets(payload, eci, expected, decoder):
    image = render_qr(payload, eci=eci)
    scans = decode(image, decoders=(decoder,))
    assert [s.text for s in scans] == [expected]
    if eci is None:
        assert scans[0].raw == payload


# --- every symbology, in a scene, turned and in perspective ----------------
ONE_D = [
    ("ean13", "978602033295", "9786020332956"),  # ISBN-13, check digit added
    ("ean13", "9790260000438", "9790260000438"),  # 979 (music) prefix
    ("code128", "31234000567890", "31234000567890"),
    ("codabar", "A31234000567890B", "31234000567890"),  # start/stop stripped
    ("code39", "LIB-00123", "LIB-00123"),
]


def _in_scene(symbol, quad, seed=0, blur=(0.0, 0.0)):
    return place(scene(seed=seed), symbol, quad, blur=blur)


def _quad(cx, cy, w, h, angle, keystone=0.0):
    """Corners clockwise from the symbol's top-left, rotated by `angle`
    degrees, the right edge `keystone` taller (perspective)."""
    pts = [(-w / 2, -h / 2 * (1 - keystone)), (w / 2, -h / 2 * (1 + keystone)),
           (w / 2, h / 2 * (1 + keystone)), (-w / 2, h / 2 * (1 - keystone))]
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]


@pytest.mark.parametrize("symbology, text, expected", ONE_D)
@pytest.mark.parametrize("angle", [0, 8, 90, 180, 265])
def test_one_d_symbologies(symbology, text, expected, angle):
    symbol = render_barcode(text, symbology, module_px=4, height_px=160)
    w = 0.75 * symbol.shape[1]  # 3 px per module: an ISBN held at the counter
    quad = _quad(640, 360, w, w * symbol.shape[0] / symbol.shape[1], angle, 0.06)
    scans = decode(_in_scene(symbol, quad, seed=angle))
    assert [(s.text, s.symbology) for s in scans] == [(expected, symbology)]
    # The reported box lies on the symbol.
    cx, cy = np.mean(scans[0].corners, axis=0)
    assert abs(cx - 640) < w / 2 and abs(cy - 360) < w / 2


def test_ean13_check_digit_is_the_isbn_one():
    assert ean13_check_digit("978030640615") == "7"  # ISBN 978-0-306-40615-7


@pytest.mark.parametrize("decoder", ["pipeline", "pyzbar", "opencv"])
@pytest.mark.parametrize("angle", [0, 30, 90, 180, 270])
def test_qr_in_scene_with_corners_clockwise_from_symbol_top_left(angle, decoder):
    quad = _quad(600, 380, 220, 220, angle, keystone=0.12)
    image = _in_scene(render_qr(URL, module_px=4), quad, seed=angle)
    (scan,) = decode(image, decoders=(decoder,))
    assert (scan.text, scan.symbology, scan.raw) == (URL, "qr", URL.encode())
    # render_qr includes a 4-module quiet zone: the symbol's own corners sit
    # 4/37 of the way in from the label's.
    inner = _inner(quad, 4 / 37)
    for got, want in zip(scan.corners, inner):
        assert np.hypot(got[0] - want[0], got[1] - want[1]) < 12, (scan.corners, inner)


def _inner(quad, f):
    (a, b, c, d) = [np.array(p) for p in quad]
    def at(u, v):
        return (1 - v) * ((1 - u) * a + u * b) + v * ((1 - u) * d + u * c)
    return [tuple(at(u, v)) for u, v in ((f, f), (1 - f, f), (1 - f, 1 - f), (f, 1 - f))]


def test_several_codes_in_one_frame():
    frame = scene()
    frame = place(frame, render_qr(URL, module_px=3), _quad(300, 300, 180, 180, 10))
    frame = place(frame, render_qr(URL[:-1] + "6", module_px=3), _quad(900, 300, 180, 180, -5))
    frame = place(frame, render_barcode("978602033295", "ean13", module_px=2, height_px=70),
                  _quad(640, 600, 260, 100, 0))
    got = sorted((s.symbology, s.text) for s in decode(frame))
    assert got == [("ean13", "9786020332956"), ("qr", URL), ("qr", URL[:-1] + "6")]


def test_empty_and_degenerate_images():
    assert decode(scene()) == []
    assert decode(np.zeros((1, 1), np.uint8)) == []
    assert decode(np.full((720, 1280, 3), 255, np.uint8)) == []
    with pytest.raises(ValueError):
        decode(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError):
        to_gray(np.zeros((10, 10, 2), np.uint8))


def test_bgr_is_converted_not_read_as_one_channel():
    # A code printed in pure blue on white: invisible in the blue channel
    # (which is what zbar would read from a raw BGR buffer), dark in gray.
    qr = render_qr(URL, module_px=4)
    bgr = np.full(qr.shape + (3,), 255, np.uint8)
    bgr[qr == 0] = (255, 0, 0)
    assert _texts(bgr) == [URL]
    assert _texts(bgr[:, :, 0]) == []


def test_registry_and_scan_shape():
    assert {"pipeline", "zxing", "pyzbar", "opencv"} <= set(DECODERS)
    (scan,) = decode(render_qr(URL))
    assert isinstance(scan, Scan) and len(scan.corners) == 4
    d = scan.to_dict()
    assert d["text"] == URL and bytes.fromhex(d["raw"]) == URL.encode()
