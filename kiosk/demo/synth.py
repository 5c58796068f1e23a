"""Generated demo media: a book cover carrying a QR label, moved in front of
the camera with perspective and motion blur, written as a video with its
ground truth. Nothing is downloaded; everything is drawn with OpenCV/numpy.

`render_book_video()` is what demos and browser tests play through the
kiosk; `place()` and `scene()` are the pieces tests use for still frames.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from kiosk.demo.symbols import render_barcode, render_qr, render_symbol  # noqa: F401 (re-exported)

Quad = list[tuple[float, float]]


def scene(size=(1280, 720), seed=0) -> np.ndarray:
    """An empty 'counter' as a camera sees it: a wall, a desk edge, shelves
    and clutter, so detectors have edges and texture to reject."""
    width, height = size
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None, None]
    top, bottom = rng.integers(120, 220, 3), rng.integers(40, 120, 3)
    image = (top * (1 - y) + bottom * y).repeat(width, axis=1).astype(np.uint8)
    for _ in range(14):  # shelves and boxes
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(width // 20, width // 4)), int(rng.integers(height // 30, height // 5))
        color = tuple(int(c) for c in rng.integers(20, 235, 3))
        cv2.rectangle(image, (x0, y0), (x0 + w, y0 + h), color, -1)
    for _ in range(6):  # signage text
        org = (int(rng.integers(0, width - 200)), int(rng.integers(30, height)))
        cv2.putText(image, "PERPUSTAKAAN", org, cv2.FONT_HERSHEY_SIMPLEX,
                    float(rng.uniform(0.6, 1.6)), (20, 20, 20), 2, cv2.LINE_AA)
    desk = int(height * 0.82)
    cv2.rectangle(image, (0, desk), (width, height), (60, 90, 130), -1)
    image = cv2.GaussianBlur(image, (0, 0), 1.2)
    return _noise(image, rng)


def _noise(image, rng, sigma=3.0):
    noisy = image.astype(np.float32) + rng.normal(0, sigma, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def book_cover(payload: str, title: str, *, height=560, seed=0):
    """A BGR book cover with a white QR label sticker near the bottom.

    Returns (cover, label_quad): the sticker's corners in cover pixels,
    clockwise from its top-left.
    """
    rng = np.random.default_rng(seed)
    width = int(height * 0.7)
    base = rng.integers(40, 200, 3)
    cover = np.empty((height, width, 3), np.uint8)
    cover[:] = base
    for _ in range(5):  # a simple printed design
        color = tuple(int(c) for c in (base + rng.integers(-60, 60, 3)).clip(0, 255))
        center = (int(rng.integers(0, width)), int(rng.integers(0, height // 2)))
        cv2.circle(cover, center, int(rng.integers(20, width // 2)), color, -1)
    scale = height / 560
    for i, line in enumerate(_wrap(title, 14)[:3]):
        cv2.putText(cover, line, (int(18 * scale), int((60 + 42 * i) * scale)),
                    cv2.FONT_HERSHEY_DUPLEX, 1.1 * scale, (255, 255, 255), max(1, int(2 * scale)),
                    cv2.LINE_AA)
    qr = render_qr(payload, module_px=1, border=3)
    side = int(width * 0.5)
    label = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    x0, y0 = int(width * 0.46), int(height * 0.56)
    cover[y0:y0 + side, x0:x0 + side] = label[:, :, None]
    quad = [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]
    return cover, [(float(x), float(y)) for x, y in quad]


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def place(frame: np.ndarray, item: np.ndarray, quad: Quad, *, blur=(0.0, 0.0)) -> np.ndarray:
    """Paste `item` (gray or BGR) into `frame` (BGR) warped onto `quad`
    (clockwise from the item's top-left), with motion blur of `blur` =
    (dx, dy) pixels. Returns a new frame."""
    if item.ndim == 2:
        item = cv2.cvtColor(item, cv2.COLOR_GRAY2BGR)
    out = frame.copy()
    kernel = _motion_kernel(*blur)
    margin = 2 + (kernel.shape[0] if kernel is not None else 0)
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    x0, y0 = max(0, int(min(xs)) - margin), max(0, int(min(ys)) - margin)
    x1 = min(frame.shape[1], int(math.ceil(max(xs))) + margin)
    y1 = min(frame.shape[0], int(math.ceil(max(ys))) + margin)
    if x1 <= x0 or y1 <= y0:
        return out  # entirely outside the frame
    # Work in the quad's bounding box only: whole-frame warps and blurs
    # would make a 10 s video take minutes to render.
    h, w = item.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([(x - x0, y - y0) for x, y in quad])
    matrix = cv2.getPerspectiveTransform(src, dst)
    size = (x1 - x0, y1 - y0)
    layer = cv2.warpPerspective(item, matrix, size, flags=cv2.INTER_AREA).astype(np.float32)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, size, flags=cv2.INTER_LINEAR)
    if kernel is not None:  # blur premultiplied colour and coverage alike
        layer, mask = cv2.filter2D(layer, -1, kernel), cv2.filter2D(mask, -1, kernel)
    roi = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = np.clip(roi * (1 - mask[:, :, None]) + layer, 0, 255).astype(np.uint8)
    return out


def _motion_kernel(dx, dy):
    length = math.hypot(dx, dy)
    if length < 1.5:
        return None
    size = int(math.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    cv2.line(kernel, (int(round(c - dx / 2)), int(round(c - dy / 2))),
             (int(round(c + dx / 2)), int(round(c + dy / 2))), 1.0, 1)
    return kernel / kernel.sum()


def book_quad(center, height, yaw=0.0, roll=0.0) -> Quad:
    """Corners of a 0.7:1 book at `center`, turned `yaw` degrees about its
    vertical axis (near edge taller: perspective) and `roll` degrees in plane."""
    width = height * 0.7
    t = math.sin(math.radians(yaw))
    half_w = width * math.cos(math.radians(yaw)) / 2
    left_h, right_h = height * (1 - 0.22 * t) / 2, height * (1 + 0.22 * t) / 2
    pts = [(-half_w, -left_h), (half_w, -right_h), (half_w, right_h), (-half_w, left_h)]
    cr, sr = math.cos(math.radians(roll)), math.sin(math.radians(roll))
    return [(center[0] + x * cr - y * sr, center[1] + x * sr + y * cr) for x, y in pts]


def map_quad(quad_from: Quad, quad_to: Quad, points: Quad) -> Quad:
    """Carry `points` through the homography taking quad_from onto quad_to."""
    matrix = cv2.getPerspectiveTransform(np.float32(quad_from), np.float32(quad_to))
    mapped = cv2.perspectiveTransform(np.float32([points]), matrix)[0]
    return [(float(x), float(y)) for x, y in mapped]


# Phase lengths of one pass, in frames at 30 fps: empty counter, the book
# coming in (decelerating), held up (wobbling), taken away (accelerating).
_PASS = {"gap": 45, "enter": 30, "hold": 45, "leave": 20}
_EXPOSURE = 0.5  # shutter open for half a frame: typical indoor webcam
_MAX_STEP = 60.0  # px per frame at 720p: a brisk hand
_SETTLE = 20.0  # frames: time constant of the hand slowing to a stop


def render_book_video(path, payload: str, *, title: str = "Cerita Rakyat Nusantara",
                      frames: int | None = None, fps: int = 30, size=(1280, 720),
                      seed: int = 0, passes: int = 2, rest: float = 0.0, codec: str | None = None) -> dict:
    """Write a video of a book with a QR label for `payload` shown `passes`
    times to the camera (enter, hold, leave, then an empty counter).

    `rest` seconds of empty counter follow each pass (on top of `frames`):
    a demo kiosk left alone that long goes back to its attract screen.

    The codec follows the suffix: MJPG for .avi, mp4v otherwise; `codec="h264"`
    writes H.264 through PyAV instead, where a long rest costs next to nothing
    (mp4v spends ~90 KB on every second of an empty 720p counter). Returns the
    ground truth: {"path", "fps", "size", "frames", "payload", "passes":
    [{"enter", "first_visible", "last_visible", "leave", "blur_px"} per pass]
    (blur_px: motion blur length at first_visible),
    "label_corners": per frame the label's 4 corners, or None when it is
    wholly out of the frame}. A label is
    "visible" when all four corners of its white sticker are in the frame.
    """
    path = Path(path)
    width, height = size
    rng = np.random.default_rng(seed)
    plan = _plan(frames, passes)
    background = scene(size, seed)
    # Sensor noise changes every frame; a small bank of noisy copies is
    # indistinguishable from fresh noise and keeps rendering fast.
    noisy = [_noise(background, rng, 2.0) for _ in range(7)]
    cover, label_in_cover = book_cover(payload, title, height=int(height * 0.62), seed=seed)
    cover_rect = [(0.0, 0.0), (float(cover.shape[1]), 0.0),
                  (float(cover.shape[1]), float(cover.shape[0])), (0.0, float(cover.shape[0]))]
    book_h = cover.shape[0]

    writer = _writer(path, fps, size, codec)
    rest_frames = round(rest * fps)
    truth = {"path": str(path), "fps": fps, "size": [width, height], "payload": payload,
             "passes": [], "label_corners": []}
    index = 0
    previous_center = None
    try:
        for phases in plan:
            centers = _trajectory(phases, rng, size, book_h) + [(None, 0.0, 0.0)] * rest_frames
            record = {"enter": None, "first_visible": None, "last_visible": None, "leave": None}
            for center, yaw, roll in centers:
                frame = noisy[index % len(noisy)]
                still: int | None = index % len(noisy)
                label = None
                if center is not None:
                    quad = book_quad(center, book_h, yaw, roll)
                    blur = (0.0, 0.0) if previous_center is None else (
                        (center[0] - previous_center[0]) * _EXPOSURE,
                        (center[1] - previous_center[1]) * _EXPOSURE)
                    frame, still = place(frame, cover, quad, blur=blur), None
                    label = map_quad(cover_rect, quad, label_in_cover)
                    if not _overlaps(label, size):
                        label = None
                    if _overlaps(quad, size):
                        record["enter"] = index if record["enter"] is None else record["enter"]
                        record["leave"] = index + 1
                    if label and _inside(label, size):
                        if record["first_visible"] is None:
                            record["first_visible"] = index
                            record["blur_px"] = round(math.hypot(*blur), 1)
                        record["last_visible"] = index
                previous_center = center
                truth["label_corners"].append(
                    [[round(x, 1), round(y, 1)] for x, y in label] if label else None)
                writer.write(frame, still)
                index += 1
            truth["passes"].append(record)
    finally:
        writer.release()
    truth["frames"] = index
    return truth


class _OpenCVWriter:
    """cv2.VideoWriter: MJPG for .avi, mp4v otherwise."""

    def __init__(self, path: Path, fps: int, size):
        fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
        self._writer = cv2.VideoWriter(str(path), fourcc, fps, size)
        if not self._writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {path} here")

    def write(self, frame: np.ndarray, still: int | None = None) -> None:
        self._writer.write(frame)

    def release(self) -> None:
        self._writer.release()


class _H264Writer:
    """H.264 through PyAV's libx264: a keyframe every 10 s and no B-frames,
    so an unchanging stretch is a run of tiny frames. ``still`` names a frame
    that comes back (one of the empty counter's noisy copies): converted to
    YUV once, not on every use."""

    def __init__(self, path: Path, fps: int, size):
        import av

        if "libx264" not in av.codecs_available:
            raise RuntimeError("PyAV's FFmpeg has no libx264 here")
        self._av = av
        self._out = av.open(str(path), "w")
        self._stream = self._out.add_stream("libx264", rate=fps, options={
            "crf": "23", "preset": "veryfast", "g": str(fps * 10), "bf": "0"})
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        self._stills: dict[int, object] = {}
        self._pts = 0

    def write(self, frame: np.ndarray, still: int | None = None) -> None:
        converted = self._stills.get(still) if still is not None else None
        if converted is None:
            converted = self._av.VideoFrame.from_ndarray(frame, format="bgr24").reformat(format="yuv420p")
            if still is not None:
                self._stills[still] = converted
        converted.pts = self._pts  # a reused frame gets its new time
        self._pts += 1
        for packet in self._stream.encode(converted):
            self._out.mux(packet)

    def release(self) -> None:
        for packet in self._stream.encode(None):
            self._out.mux(packet)
        self._out.close()


def _writer(path: Path, fps: int, size, codec: str | None):
    if codec == "h264":
        return _H264Writer(path, fps, size)
    if codec is not None:
        raise ValueError(f"unknown codec {codec!r} (None or 'h264')")
    return _OpenCVWriter(path, fps, size)


def _plan(frames, passes):
    per_pass = sum(_PASS.values())
    if frames is None:
        return [dict(_PASS) for _ in range(passes)]
    scale = frames / (per_pass * passes)
    plan = []
    for _ in range(passes):
        phases = {k: max(2, int(v * scale)) for k, v in _PASS.items()}
        plan.append(phases)
    # Give rounding leftovers to the last gap so the total is exactly `frames`.
    plan[-1]["hold"] += frames - sum(sum(p.values()) for p in plan)
    if plan[-1]["hold"] < 2:
        raise ValueError(f"{frames} frames are too few for {passes} passes")
    return plan


def _trajectory(phases, rng, size, book_h):
    """Per frame (center or None, yaw, roll) for one pass.

    The book is lifted from the desk (bottom of the frame) the way a hand
    brings it to a target: each frame it covers a fraction 1/_SETTLE of what
    is left (at most _MAX_STEP px), so it sweeps in fast and slows as it
    arrives, and then wobbles while held. It leaves by accelerating away to
    a side or back down.
    """
    width, height = size
    scale = height / 720
    hold = (width * rng.uniform(0.38, 0.62), height * rng.uniform(0.42, 0.52))
    off = book_h * 0.8
    start = (hold[0] + width * rng.uniform(-0.1, 0.1), height + off)
    go_to = [(-off, hold[1]), (width + off, hold[1]), (hold[0], height + off)][rng.integers(3)]
    yaw_sign = 1 if rng.random() < 0.5 else -1
    out = [(None, 0.0, 0.0)] * phases["gap"]
    x, y = start
    for i in range(phases["enter"] + phases["hold"]):
        dx, dy = hold[0] - x, hold[1] - y
        left = math.hypot(dx, dy)
        step = min(_MAX_STEP * scale, left / _SETTLE)
        if left > 0:
            x, y = x + dx / left * step, y + dy / left * step
        settled = 1 - min(1.0, left / (height * 0.5))
        w = math.sin(2 * math.pi * i / 40) * settled  # hand tremor once held
        out.append(((x + 6 * scale * w, y + 3 * scale * w),
                    yaw_sign * (35 - 23 * settled + 4 * w), 8 * (1 - settled) + 2 * w))
    n = phases["leave"]
    for i in range(n):
        e = ((i + 1) / n) ** 2  # ease-in: away faster and faster
        c = (x + (go_to[0] - x) * e, y + (go_to[1] - y) * e)
        out.append((c, yaw_sign * (12 + 25 * e), -6 * e))
    return out


def _inside(quad, size):
    return all(0 <= x <= size[0] - 1 and 0 <= y <= size[1] - 1 for x, y in quad)


def _overlaps(quad, size):
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return max(xs) >= 0 and min(xs) < size[0] and max(ys) >= 0 and min(ys) < size[1]
