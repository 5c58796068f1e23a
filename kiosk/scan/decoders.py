"""Adapters from the three decoding libraries to one `Scan` type.

Each adapter takes a grayscale uint8 image and returns `Scan`s in that
image's pixel coordinates. Every call into a library is guarded: a payload
that makes a library raise costs us that library's answer, never the frame.
`DECODERS` is the registry the pipeline and the benchmark pick from by name.
"""

from __future__ import annotations

import logging
from ctypes import c_void_p, cast, string_at
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.charset import text_from_bytes

log = logging.getLogger(__name__)

Point = tuple[float, float]


@dataclass(frozen=True)
class Scan:
    """One symbol read from one image.

    `corners` are four (x, y) image points, clockwise from the symbol's own
    top-left (for a QR code: the corner whose finder pattern is top-left when
    the code is upright), so a homography can anchor an overlay to the label.
    `decoder` names the adapter that read it (for the benchmark and logs).
    """

    text: str
    raw: bytes
    symbology: str
    corners: tuple[Point, Point, Point, Point]
    decoder: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict (raw bytes as hex)."""
        return {
            "text": self.text,
            "raw": self.raw.hex(),
            "symbology": self.symbology,
            "corners": [[round(x, 1), round(y, 1)] for x, y in self.corners],
            "decoder": self.decoder,
        }


# Symbologies a library prints: QR labels, ISBN (EAN-13) on back covers, and
# item / card barcodes in Codabar, Code 128 or Code 39.
_ZX = zxingcpp.BarcodeFormat
ZXING_SYMBOLOGY = {
    _ZX.QRCode: "qr",
    _ZX.EAN13: "ean13",
    _ZX.Code128: "code128",
    _ZX.Codabar: "codabar",
    _ZX.Code39: "code39",
}
ZXING_MATRIX = (_ZX.QRCode,)
ZXING_LINEAR = (_ZX.EAN13, _ZX.Code128, _ZX.Codabar, _ZX.Code39)


def _symbology_name(fmt) -> str:
    name = ZXING_SYMBOLOGY.get(fmt)
    if name is None:  # a format family member (Code39Ext, ...): use its family
        name = fmt.name.lower()
        for family in ("code39", "ean13", "code128", "codabar"):
            if name.startswith(family):
                return family
    return name


def _codabar_text(raw: str) -> str:
    # Libraries print (and desk scanners type) card numbers without the
    # A/B/C/D start and stop characters; `raw` keeps them.
    if len(raw) >= 2 and raw[0] in "ABCD" and raw[-1] in "ABCD":
        return raw[1:-1]
    return raw


def read_zxing(gray: np.ndarray, formats=ZXING_MATRIX + ZXING_LINEAR, *,
               binarizer=zxingcpp.Binarizer.LocalAverage, try_rotate=True,
               try_downscale=True, try_invert=True, return_errors=False):
    """Run zxing-cpp once; return (scans, error_boxes).

    `error_boxes` are the corner quads of symbols zxing located but could not
    decode (only with `return_errors`): the pipeline's cue that a fallback
    decoder is worth its cost on that patch.
    """
    try:
        found = zxingcpp.read_barcodes(
            gray, formats=formats, text_mode=zxingcpp.TextMode.Plain,
            binarizer=binarizer, try_rotate=try_rotate,
            try_downscale=try_downscale, try_invert=try_invert,
            return_errors=return_errors)
    except Exception:  # a library bug must not stop the camera loop
        log.exception("zxing-cpp failed on a %s image", gray.shape)
        return [], []
    scans, errors = [], []
    for b in found:
        p = b.position
        corners = tuple((float(q.x), float(q.y)) for q in
                        (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
        if not b.valid:
            errors.append(corners)
            continue
        symbology = _symbology_name(b.format)
        raw = bytes(b.bytes)
        text = b.text
        if symbology == "codabar":
            text = _codabar_text(text)
        scans.append(Scan(text, raw, symbology, corners, "zxing"))
    return scans, errors


def zxing_decode(gray: np.ndarray) -> list[Scan]:
    """zxing-cpp in one pass at its default settings (our formats only)."""
    return read_zxing(gray)[0]


# --- zbar, through pyzbar's ctypes bindings -------------------------------
# pyzbar.decode() returns zbar's text, already transcoded with zbar's charset
# guess (wrong for Japanese payloads). zbar >= 0.23 has a "binary" option that
# returns the payload bytes untouched; pyzbar does not expose it, so we drive
# the same bindings ourselves and guess the charset in kiosk.scan.charset.
_ZBAR_CFG_ENABLE = 0
_ZBAR_CFG_BINARY = 4  # zbar.h: ENABLE, ADD_CHECK, EMIT_CHECK, ASCII, BINARY
_ZBAR_SYMBOLOGY = {64: "qr", 13: "ean13", 128: "code128", 38: "codabar", 39: "code39"}
_ZBAR_FOURCC_Y800 = 808466521


def pyzbar_decode(gray: np.ndarray) -> list[Scan]:
    """zbar (via pyzbar's bindings), QR payloads as raw bytes. Returns []
    when libzbar is not installed (it is an apt package, libzbar0)."""
    try:
        from pyzbar import pyzbar as pz
        from pyzbar import wrapper as zw
    except ImportError:
        log.warning("pyzbar/libzbar unavailable; zbar fallback disabled", exc_info=True)
        return []

    gray = np.ascontiguousarray(gray)
    height, width = gray.shape
    scans = []
    try:
        with pz._image_scanner() as scanner:
            zw.zbar_image_scanner_set_config(scanner, 0, _ZBAR_CFG_ENABLE, 0)
            for sym in _ZBAR_SYMBOLOGY:
                zw.zbar_image_scanner_set_config(scanner, sym, _ZBAR_CFG_ENABLE, 1)
            zw.zbar_image_scanner_set_config(scanner, 64, _ZBAR_CFG_BINARY, 1)
            with pz._image() as image:
                zw.zbar_image_set_format(image, _ZBAR_FOURCC_Y800)
                zw.zbar_image_set_size(image, width, height)
                buf = gray.tobytes()
                zw.zbar_image_set_data(image, cast(buf, c_void_p), len(buf), None)
                if zw.zbar_scan_image(scanner, image) < 0:
                    return []
                for sym in pz._symbols_for_image(image):
                    kind = _ZBAR_SYMBOLOGY.get(sym.contents.type)
                    if kind is None:
                        continue
                    raw = string_at(zw.zbar_symbol_get_data(sym),
                                    zw.zbar_symbol_get_data_length(sym))
                    pts = [(float(zw.zbar_symbol_get_loc_x(sym, i)),
                            float(zw.zbar_symbol_get_loc_y(sym, i)))
                           for i in range(zw.zbar_symbol_get_loc_size(sym))]
                    scans.append(_zbar_scan(kind, raw, pts))
    except Exception:
        log.exception("zbar failed on a %s image", gray.shape)
        return []
    return [s for s in scans if s is not None]


def _zbar_scan(kind: str, raw: bytes, pts: list[Point]) -> Scan | None:
    if kind == "qr":
        text = text_from_bytes(raw)
        # zbar lists a QR's corners starting at the symbol's top-left,
        # counter-clockwise; reverse to clockwise.
        corners = (pts[0], pts[3], pts[2], pts[1]) if len(pts) == 4 else _box(pts)
    else:
        text = raw.decode("latin-1")
        corners = _box(pts)
        if kind == "codabar":
            text = _codabar_text(text)
    if not pts:
        return None
    return Scan(text, raw, kind, corners, "pyzbar")


def _box(pts: list[Point]) -> tuple[Point, Point, Point, Point]:
    """The upright bounding box of scan-line points (1-D symbols)."""
    xs = [p[0] for p in pts] or [0.0]
    ys = [p[1] for p in pts] or [0.0]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


# --- OpenCV ---------------------------------------------------------------
def opencv_decode(gray: np.ndarray) -> list[Scan]:
    """OpenCV's QRCodeDetector (QR only), payloads as raw bytes."""
    detector = cv2.QRCodeDetector()
    try:
        # detectAndDecodeBytes skips OpenCV's own charset guess (which raises
        # UnicodeDecodeError on Shift_JIS); "mode 13" (Hanzi) still raises.
        ok, payloads, points, _ = detector.detectAndDecodeBytesMulti(gray)
    except Exception:
        return []
    if not ok or points is None:
        return []
    scans = []
    for index, (payload, quad) in enumerate(zip(payloads, points)):
        if not payload:  # located but not decoded
            continue
        try:
            eci = detector.getEncoding(index)  # 0 when the code has no ECI
        except Exception:
            eci = 0
        # With an ECI OpenCV passes the bytes through untouched.
        raw = bytes(payload) if eci else _opencv_raw(bytes(payload))
        corners = tuple((float(x), float(y)) for x, y in quad)
        scans.append(Scan(text_from_bytes(raw, eci), raw, "qr", corners, "opencv"))
    return scans


def _opencv_raw(payload: bytes) -> bytes:
    """Undo OpenCV's transcoding: it returns a byte segment that is not valid
    UTF-8 as the UTF-8 of its ISO-8859-1 reading (so Shift_JIS arrives as
    Latin-1 mojibake). Recover the original bytes when that is what happened."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload
    if text.isascii() or any(ord(ch) > 0xFF for ch in text):
        return payload
    original = text.encode("iso-8859-1")
    try:
        original.decode("utf-8")
    except UnicodeDecodeError:
        return original  # could not have been kept as UTF-8: it was transcoded
    return payload


Decoder = Callable[[np.ndarray], list[Scan]]

DECODERS: dict[str, Decoder] = {
    "zxing": zxing_decode,
    "pyzbar": pyzbar_decode,
    "opencv": opencv_decode,
}
