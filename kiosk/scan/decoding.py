"""`decode(image) -> list[Scan]`: the one entry point everything else uses.

The default pipeline was chosen by measurement (see benchmarks/bench_decode.py):

1. zxing-cpp, QR only, at full resolution with zxing-cpp's own default
   options (downscaled tries, and the inverted image for light-on-dark
   codes). zxing-cpp is ~10x faster than zbar and reads more real photos;
   restricting it to QR keeps this pass ~1 ms on a 720p frame. Because this
   pass *is* zxing-cpp's default read (for QR), the pipeline reads at least
   every QR code zxing-cpp alone reads; the passes below only add to it.
2. Only when step 1 found no QR: zxing-cpp again on a half-size copy, first
   with its local binarizer (soft, noisy or textured photos resolve better
   once averaged down), then with its global-histogram binarizer (designer
   codes with pictures in the modules and no quiet zone), each on the image
   and on its inverse. A quarter of the
   pixels makes both passes cheap enough to run on every empty frame.
3. Only when zxing located a QR symbol it could not decode: zbar, then
   OpenCV, on a crop around that symbol. They are slow on whole frames
   (30-50 ms at 720p) but cheap on a crop, and that is where their
   different detectors pay. On small stills (<= `FALLBACK_MAX_PIXELS`,
   a few ms for zbar) zbar also gets the whole image when nothing was read:
   its finder reads codes zxing's misses (corpus 2-28 at full size).
   zbar and OpenCV look for dark modules on light only, so each fallback
   also gets the inverted crop or still (light-on-dark codes).
4. 1-D symbols (EAN-13/ISBN, Code 128, Codabar, Code 39): zxing-cpp's line
   scanner on every n-th row for horizontal bars and on every n-th column
   for vertical bars. A bar code needs resolution across its bars, not along
   them, so ~180 lines per direction cost a quarter of a full scan and lose
   nothing a kiosk camera would read.

Codabar and Code 39 have no mandatory check digit, so reads shorter than
`MIN_UNCHECKED_LENGTH` (the kind noise produces) are dropped.
"""

from __future__ import annotations

import itertools
from typing import Iterable, Sequence

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.decoders import (DECODERS, ZXING_LINEAR, ZXING_MATRIX, Scan,
                                 opencv_decode, pyzbar_decode, read_zxing)

__all__ = ["Scan", "decode", "to_gray", "DECODERS", "DEFAULT_CHAIN"]

# The name of the tuned pipeline; other names in DECODERS run one library.
DEFAULT_CHAIN = ("pipeline",)
LINE_COUNT = 180
MIN_UNCHECKED_LENGTH = 4
# Below this the half-size passes would shrink a code past readability.
MIN_SIDE_FOR_HALF = 200
# zbar on a whole image costs ~1 ms per 40k pixels: affordable on stills
# this small, never on every 720p camera frame.
FALLBACK_MAX_PIXELS = 640 * 480


def to_gray(image: np.ndarray) -> np.ndarray:
    """Return a uint8 single-channel view/copy of a grayscale, BGR or BGRA image."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"expected a grayscale or BGR image, got shape {image.shape}")


def decode(image: np.ndarray, *, decoders: Sequence[str] = DEFAULT_CHAIN) -> list[Scan]:
    """Read every QR code and library bar code in `image` (grayscale or BGR).

    Returns one `Scan` per distinct symbol, corners in `image` pixels.
    `decoders` names entries of `DECODERS` to run in order instead of the
    default pipeline (the benchmark uses this to compare libraries).
    """
    gray = to_gray(image)
    return _unique(scan for name in decoders for scan in DECODERS[name](gray))


def pipeline_decode(gray: np.ndarray) -> list[Scan]:
    """The measured default chain described in this module's docstring."""
    # zxing-cpp's defaults (downscale, invert, rotate, local binarizer).
    qr, located = read_zxing(gray, ZXING_MATRIX, return_errors=True)
    if not qr and min(gray.shape) >= MIN_SIDE_FOR_HALF:
        small = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2),
                           interpolation=cv2.INTER_AREA)
        sx, sy = gray.shape[1] / small.shape[1], gray.shape[0] / small.shape[0]
        # Each polarity explicitly: zxing's own try_invert is not symmetric
        # with the global-histogram binarizer (corpus 2-12 inverted).
        for binarizer, image in itertools.product(
                (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram),
                _polarities(small)):
            found, errors = read_zxing(image, ZXING_MATRIX, binarizer=binarizer,
                                       try_invert=False, return_errors=True)
            qr = [_scaled(s, sx, sy) for s in found]
            located += [_scale_quad(q, sx, sy) for q in errors]
            if qr:
                break
    if not qr:
        qr = _fallback_on_crops(gray, located)
    if not qr and gray.size <= FALLBACK_MAX_PIXELS:
        for still in _polarities(gray):
            qr = [s for s in pyzbar_decode(still) if s.symbology == "qr"]
            if qr:
                break
    return _unique(qr + _read_linear(gray))


DECODERS["pipeline"] = pipeline_decode


def _fallback_on_crops(gray, quads) -> list[Scan]:
    scans: list[Scan] = []
    for quad in _distinct_boxes(quads)[:2]:  # bounded cost on a busy frame
        x0, y0, x1, y1 = quad
        found: list[Scan] = []
        for crop in _polarities(gray[y0:y1, x0:x1]):
            for fallback in (pyzbar_decode, opencv_decode):
                found = [s for s in fallback(crop) if s.symbology == "qr"]
                if found:
                    break
            if found:
                break
        scans += [_scaled(s, 1, 1, x0, y0) for s in found]
    return scans


def _polarities(gray: np.ndarray):
    """The image as it is, then inverted (made only if asked for)."""
    yield gray
    yield cv2.bitwise_not(gray)


def _distinct_boxes(quads) -> list[tuple[int, int, int, int]]:
    """Padded integer boxes around located symbols, merging near-duplicates
    (zxing reports the same symbol from several passes)."""
    boxes: list[tuple[int, int, int, int]] = []
    for quad in quads:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        pad = 0.25 * max(max(xs) - min(xs), max(ys) - min(ys), 20)
        box = (max(0, int(min(xs) - pad)), max(0, int(min(ys) - pad)),
               int(max(xs) + pad), int(max(ys) + pad))
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes):
            boxes.append(box)
    return boxes


def _read_linear(gray: np.ndarray) -> list[Scan]:
    height, width = gray.shape
    scans = []
    step = max(1, height // LINE_COUNT)
    for s in read_zxing(gray[::step], ZXING_LINEAR, try_rotate=False,
                        try_downscale=False)[0]:
        scans.append(_scaled(s, 1, step))
    # Vertical bars: rotate (not transpose, which would mirror the symbol and
    # flip the corner order) a column-subsampled copy by 90 degrees.
    step = max(1, width // LINE_COUNT)
    cols = gray[:, ::step]
    rotated = np.ascontiguousarray(np.rot90(cols))  # rotated[i, j] = cols[j, W-1-i]
    last = cols.shape[1] - 1
    for s in read_zxing(rotated, ZXING_LINEAR, try_rotate=False,
                        try_downscale=False)[0]:
        corners = tuple(((last - y) * step, x) for x, y in s.corners)
        scans.append(_replace(s, corners))
    return [s for s in scans if _plausible(s)]


def _plausible(scan: Scan) -> bool:
    if scan.symbology in ("codabar", "code39"):
        return len(scan.text) >= MIN_UNCHECKED_LENGTH
    return True


def _scale_quad(quad, sx, sy, dx=0.0, dy=0.0):
    return tuple((x * sx + dx, y * sy + dy) for x, y in quad)


def _scaled(scan: Scan, sx, sy, dx=0.0, dy=0.0) -> Scan:
    return _replace(scan, _scale_quad(scan.corners, sx, sy, dx, dy))


def _replace(scan: Scan, corners) -> Scan:
    corners = tuple((float(x), float(y)) for x, y in corners)
    return Scan(scan.text, scan.raw, scan.symbology, corners, scan.decoder)


def _unique(scans: Iterable[Scan]) -> list[Scan]:
    """Drop repeats of the same symbol content (first reading wins)."""
    seen, out = set(), []
    for scan in scans:
        key = (scan.symbology, scan.raw)
        if key not in seen:
            seen.add(key)
            out.append(scan)
    return out
