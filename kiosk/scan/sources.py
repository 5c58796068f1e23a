"""Frame sources: camera, video file, stream URL, folder of images.

All share one small interface (`open()`, `read()`, `close()`) and are picked
from `SOURCES` by a source string (`open_source("0")`, `"demo.mp4"`,
`"rtsp://..."`, `"photos/"`, or explicit `"camera:0"`, `"file:x.mp4"`, ...).

`read()` returns a BGR frame, or raises:
- `SourceUnavailable` when the device or stream failed (unplugged camera,
  dropped stream): the scanner reopens it with backoff;
- `SourceEnded` when a finite source (file without loop, folder) is done.

Every source gives frames no faster than its frame rate (`Pacer`): a camera's
own, a video file's, a stream's, or `fps` for a folder of images. Without it
a looping folder or a stream that bursts would spin a whole core decoding the
same pictures; `realtime=False` (benchmarks, `--no-realtime`) opts out for
files and folders.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}
# A folder of stills has no frame rate of its own: this is a camera's pace
# for a slide show, ample for the debouncer and a few ms of decoding each.
FOLDER_FPS = 10.0
# What a capture that reports no frame rate (many streams) is paced at.
DEFAULT_FPS = 30.0


class Pacer:
    """Hands out frame slots `1/fps` apart on the monotonic clock: `wait()`
    sleeps until the next slot. A reader that falls behind (a slow decode)
    is not made to catch up in a burst: slots never lag more than one
    period behind now."""

    def __init__(self, fps: float | None):
        self.period = 1.0 / fps if fps and fps > 0 else 0.0
        self._next_at: float | None = None

    def reset(self) -> None:
        """Start again from now (after an open)."""
        self._next_at = None

    def wait(self) -> None:
        """Block until the next frame is due (returns at once with no rate)."""
        if not self.period:
            return
        now = time.monotonic()
        if self._next_at is None:
            self._next_at = now
        delay = self._next_at - now
        if delay > 0:
            time.sleep(delay)
        self._next_at = max(self._next_at + self.period, time.monotonic() - self.period)


class SourceError(Exception):
    """Base class of frame source errors."""


class SourceUnavailable(SourceError):
    """The source cannot give frames now; reopening may help."""


class SourceEnded(SourceError):
    """A finite source has no more frames."""


class FrameSource:
    """Interface and shared behaviour. `live` sources (cameras, streams) are
    worth reopening after a failure; files and folders are not."""

    kind = "source"
    live = False
    # Seconds on the source's own clock of the frame last read, for sources
    # read faster than real time (a video file without `realtime`); None
    # means "now" (the scanner's clock) is the frame's time.
    frame_time: float | None = None
    # Frames per second the source gives (known once open, for captures).
    fps: float | None = None

    def __init__(self, target):
        self.target = target

    def open(self) -> None:
        """Acquire the device/file; raise SourceUnavailable if impossible."""

    def read(self) -> np.ndarray:
        """The next BGR frame (see module docstring for the exceptions)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the device/file; safe to call twice."""

    def describe(self) -> str:
        return f"{self.kind}:{self.target}"

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()


class CaptureSource(FrameSource):
    """Anything cv2.VideoCapture opens."""

    def __init__(self, target, *, backend: int = cv2.CAP_ANY):
        super().__init__(target)
        self.backend = backend
        self._capture = None
        self.pacer = Pacer(None)

    def open(self) -> None:
        self.close()
        capture = cv2.VideoCapture(self.target, self.backend)
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable(f"cannot open {self.describe()}")
        self._capture = capture
        self.fps = self._capture.get(cv2.CAP_PROP_FPS) or DEFAULT_FPS
        if self.live:
            # A camera's read already blocks until its next frame; a stream
            # that bursts (buffered MJPEG, a server sending as fast as it
            # can) is held to the rate it announces.
            self.pacer = Pacer(self.fps)

    def read(self) -> np.ndarray:
        if self._capture is None:
            raise SourceUnavailable(f"{self.describe()} is not open")
        self.pacer.wait()
        ok, frame = self._capture.read()
        if not ok or frame is None:
            raise self._read_failure()
        return frame

    def _read_failure(self) -> SourceError:
        return SourceUnavailable(f"{self.describe()} stopped giving frames")

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class CameraSource(CaptureSource):
    """A local camera by index (0 = first /dev/video device)."""

    kind = "camera"
    live = True

    def __init__(self, index: int | str, *, width: int | None = None,
                 height: int | None = None):
        super().__init__(int(index))
        self.size = (width, height)

    def open(self) -> None:
        super().open()
        width, height = self.size
        if width and height:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)


class StreamSource(CaptureSource):
    """A network stream (RTSP, HTTP MJPEG, ...) by URL."""

    kind = "stream"
    live = True


class VideoFileSource(CaptureSource):
    """A video file; with `loop` it restarts at the end (demos), with
    `realtime` it is paced at its own frame rate (as a camera would be)."""

    kind = "file"

    def __init__(self, path, *, loop: bool = False, realtime: bool = False):
        super().__init__(str(path))
        self.loop = loop
        self.realtime = realtime
        self._frames_read = 0
        self._file_pacer = Pacer(None)

    def open(self) -> None:
        if not Path(self.target).is_file():
            raise SourceEnded(f"no such video file: {self.target}")
        super().open()
        self._period = 1.0 / self.fps
        if self.realtime and not self._file_pacer.period:
            self._file_pacer = Pacer(self.fps)

    def read(self) -> np.ndarray:
        # The slot is kept across a loop's reopen: no burst at the rewind.
        self._file_pacer.wait()
        try:
            frame = super().read()
        except SourceEnded:
            if not self.loop:
                raise
            # Reopening rewinds reliably with every container; seeking does not.
            self.open()
            frame = super().read()
        self._frames_read += 1
        if not self.realtime:
            self.frame_time = self._frames_read * self._period
        return frame

    def _read_failure(self) -> SourceError:
        # A file that stops giving frames has reached its end.
        return SourceEnded(f"end of {self.target}")


class ImageFolderSource(FrameSource):
    """Every image in a folder, in name order, each read as one frame, `fps`
    frames a second (none with `realtime=False`)."""

    kind = "folder"

    def __init__(self, path, *, loop: bool = False, fps: float = FOLDER_FPS,
                 realtime: bool = True):
        super().__init__(str(path))
        self.loop = loop
        self.fps = fps
        self.pacer = Pacer(fps if realtime else None)
        self._files: list[Path] = []
        self._index = 0

    def open(self) -> None:
        folder = Path(self.target)
        if not folder.is_dir():
            raise SourceEnded(f"no such folder: {folder}")
        self._files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        self._index = 0
        self.pacer.reset()

    def read(self) -> np.ndarray:
        self.pacer.wait()
        while True:
            if self._index >= len(self._files):
                if not (self.loop and self._files):
                    raise SourceEnded(f"end of {self.target}")
                self._index = 0
            path = self._files[self._index]
            self._index += 1
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is not None:  # skip files that are not decodable images
                self.current = path
                return frame


SOURCES: dict[str, type[FrameSource]] = {
    "camera": CameraSource,
    "file": VideoFileSource,
    "stream": StreamSource,
    "folder": ImageFolderSource,
}

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def classify(spec: str) -> tuple[str, str]:
    """Split a source string into (kind, target): "2" -> ("camera", "2"),
    "rtsp://cam/1" -> ("stream", ...), a directory -> ("folder", ...),
    anything else -> ("file", ...). A "kind:" prefix overrides the guess."""
    kind, sep, rest = spec.partition(":")
    if sep and kind in SOURCES and not rest.startswith("//"):
        return kind, rest
    if spec.isdigit():
        return "camera", spec
    if _URL.match(spec):
        return "stream", spec
    if Path(spec).is_dir():
        return "folder", spec
    return "file", spec


def open_source(spec: str, *, loop: bool = False, realtime: bool = True,
                fps: float = FOLDER_FPS) -> FrameSource:
    """Build (not yet open) the frame source a source string names.
    `loop` and `realtime` (paced; `False` reads as fast as decoding goes)
    apply to files and folders, `fps` to folders."""
    kind, target = classify(spec)
    if kind == "file":
        return VideoFileSource(target, loop=loop, realtime=realtime)
    if kind == "folder":
        return ImageFolderSource(target, loop=loop, fps=fps, realtime=realtime)
    return SOURCES[kind](target)
