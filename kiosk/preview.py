"""The live camera preview (MJPEG) and the AR overlay drawn on it.

The scanning thread only hands over its latest frame and scans
(`Preview.on_frame`); each preview client's own thread does the drawing and
JPEG encoding, at most `fps` times a second, so a preview costs the scanner
nothing and nothing at all when nobody watches.

AR: a book's `ar_overlay` asset (a PNG with alpha) is warped onto the four
corners the decoder reported for its QR label (a homography), so it follows
the book as it moves and turns.
"""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np

BOUNDARY = "pindaiframe"


def decode_overlay(png: bytes) -> np.ndarray | None:
    """A BGRA image from PNG bytes (opaque images get a full alpha)."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    return image


def draw_overlay(frame: np.ndarray, overlay: np.ndarray, corners) -> None:
    """Alpha-blend `overlay` (BGRA) onto `frame` (BGR, in place), warped onto
    `corners` (4 points clockwise from the label's top-left)."""
    h, w = overlay.shape[:2]
    dst = np.float32(corners)
    x0, y0 = np.floor(dst.min(axis=0)).astype(int)
    x1, y1 = np.ceil(dst.max(axis=0)).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, frame.shape[1]), min(y1, frame.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    # Warp into the corners' bounding box only: a whole-frame warp per frame is wasted work.
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(src, dst - np.float32([x0, y0]))
    layer = cv2.warpPerspective(overlay, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    alpha = layer[:, :, 3:4].astype(np.float32) / 255.0
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = (roi * (1 - alpha) + layer[:, :, :3] * alpha).astype(np.uint8)


class Preview:
    """Latest frame + scans, rendered on demand as JPEG with AR overlays."""

    def __init__(self, width: int = 640, fps: float = 15.0, quality: int = 70):
        self.width, self.period, self.quality = width, 1.0 / fps, quality
        self.overlays: dict[str, np.ndarray] = {}  # scanned text -> BGRA overlay
        self._frame: np.ndarray | None = None
        self._scans: list = []
        self._seq = 0
        self._cond = threading.Condition()
        self._closed = False

    def on_frame(self, frame: np.ndarray, scans: list) -> None:
        """Scanner callback: keep a reference (no copy, no work)."""
        with self._cond:
            self._frame, self._scans = frame, scans
            self._seq += 1
            self._cond.notify_all()

    def close(self) -> None:
        """End every stream (the kiosk is stopping); `reopen()` undoes it."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False

    def set_overlay(self, text: str, overlay: np.ndarray | None) -> None:
        """Draw `overlay` wherever a code reading `text` is seen (None: stop)."""
        if overlay is None:
            self.overlays.pop(text, None)
        else:
            self.overlays[text] = overlay

    def render(self, frame: np.ndarray, scans: list) -> np.ndarray:
        """A preview-sized copy of `frame` with the overlays of `scans` drawn."""
        scale = min(1.0, self.width / frame.shape[1])
        out = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame.copy()
        for scan in scans:
            overlay = self.overlays.get(scan.text)
            if overlay is not None:
                draw_overlay(out, overlay, [(x * scale, y * scale) for x, y in scan.corners])
        return out

    def jpeg(self, frame: np.ndarray, scans: list) -> bytes:
        ok, data = cv2.imencode(".jpg", self.render(frame, scans), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return data.tobytes() if ok else b""

    def stream(self):
        """MJPEG parts (multipart/x-mixed-replace) until `close()`."""
        seen = -1
        while not self._closed:
            with self._cond:
                # No new frame (none yet, or the camera is lost): wait for one and keep the
                # connection. Never spin: a busy loop here takes the GIL from every request.
                if (self._seq == seen or self._frame is None) and not self._closed:
                    self._cond.wait(1.0)
                if self._closed:
                    break
                if self._seq == seen or self._frame is None:
                    continue
                frame, scans, seen = self._frame, self._scans, self._seq
            started = time.monotonic()
            data = self.jpeg(frame, scans)
            yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
                   .encode() + data + b"\r\n")
            rest = self.period - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)  # frame-rate cap of the preview, not a wait for an event
