"""The scanning loop: source -> decode -> debounce -> callback.

`Scanner` runs in its own thread (the kiosk web app starts it) and is
stopped from any other thread. Its `state` is one of:

- "stopped": not running (before `start`, after `stop`, or after a finite
  source ended);
- "running": frames are being read and decoded;
- "reconnecting": a live source (camera, stream) failed; it is reopened
  after 0.5 s, 1 s, 2 s, ... (capped at `max_backoff`) until it comes back
  or the scanner is stopped. Codes in view are forgotten on reconnect.

`on_state(state, status)` is called on every change; `status()` returns a
snapshot dict for health pages. Event timestamps are `clock()` (wall time)
or, for a video file read faster than real time, seconds into the video.
Callbacks run in the scanning thread: keep
them short (hand events to a queue).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import numpy as np

from kiosk.scan.debounce import Debouncer, ScanEvent
from kiosk.scan.decoders import Scan
from kiosk.scan.decoding import decode
from kiosk.scan.sources import FrameSource, SourceEnded, SourceUnavailable, open_source

log = logging.getLogger(__name__)

STOPPED, RUNNING, RECONNECTING = "stopped", "running", "reconnecting"


class Scanner:
    """Reads frames from `source` until stopped, calling `on_event` for each
    scan event and `on_frame(frame, scans)` (if given) for every frame."""

    def __init__(self, source: FrameSource | str,
                 on_event: Callable[[ScanEvent], None], *,
                 debouncer: Debouncer | None = None,
                 decoder: Callable[[np.ndarray], list[Scan]] = decode,
                 on_frame: Callable[[np.ndarray, list[Scan]], None] | None = None,
                 on_state: Callable[[str, dict], None] | None = None,
                 first_backoff: float = 0.5, max_backoff: float = 10.0,
                 clock: Callable[[], float] = time.time):
        self.source = open_source(source) if isinstance(source, str) else source
        self.on_event = on_event
        self.on_frame = on_frame
        self.on_state = on_state
        self.debouncer = debouncer or Debouncer()
        self.decoder = decoder
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.clock = clock
        self.state = STOPPED
        self.frames = 0
        self.events = 0
        self.reconnects = 0
        self.last_error: str | None = None
        self.ended = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- control (any thread) ---------------------------------------------
    def start(self) -> threading.Thread:
        """Run the loop in a daemon thread and return it."""
        if self._thread and self._thread.is_alive():
            raise RuntimeError("scanner already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="kiosk-scanner", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the loop to finish and wait for it (up to `timeout`)."""
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def status(self) -> dict:
        """A snapshot: state, source, counters, last error."""
        return {"state": self.state, "source": self.source.describe(),
                "frames": self.frames, "events": self.events,
                "reconnects": self.reconnects, "last_error": self.last_error,
                "ended": self.ended}

    # --- the loop (scanning thread) ---------------------------------------
    def run(self) -> None:
        """Scan until `stop()` or the end of a finite source (blocking)."""
        self.ended = False
        try:
            if self._open():
                while not self._stop.is_set():
                    try:
                        frame = self.source.read()
                    except SourceEnded as exc:
                        self.ended, self.last_error = True, str(exc)
                        break
                    except SourceUnavailable as exc:
                        if not self._reconnect(str(exc)):
                            break
                        continue
                    self._process(frame)
        finally:
            self.source.close()
            self._set_state(STOPPED)

    def _process(self, frame: np.ndarray) -> None:
        self.frames += 1
        scans = self.decoder(frame)
        height, width = frame.shape[:2]
        # A file read faster than real time keeps its own clock, so "gone
        # for a second" means a second of video.
        now = self.source.frame_time
        now = self.clock() if now is None else now
        for event in self.debouncer.update(scans, now, (width, height)):
            self.events += 1
            self._call(self.on_event, event)
        if self.on_frame:
            self._call(self.on_frame, frame, scans)

    def _open(self) -> bool:
        try:
            self.source.open()
        except SourceEnded as exc:
            self.ended, self.last_error = True, str(exc)
            return False
        except SourceUnavailable as exc:
            return self._reconnect(str(exc))
        self._set_state(RUNNING)
        return True

    def _reconnect(self, reason: str) -> bool:
        """Reopen a failed live source with backoff; False if we should stop."""
        self.last_error = reason
        if not self.source.live:
            self.ended = True
            return False
        log.warning("%s: %s; reconnecting", self.source.describe(), reason)
        self.source.close()
        self.debouncer.reset()
        self._set_state(RECONNECTING)
        delay = self.first_backoff
        while not self._stop.wait(delay):
            try:
                self.source.open()
            except SourceUnavailable as exc:
                self.last_error = str(exc)
                delay = min(delay * 2, self.max_backoff)
                continue
            self.reconnects += 1
            self._set_state(RUNNING)
            return True
        return False

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            if self.on_state:
                self._call(self.on_state, state, self.status())

    def _call(self, callback, *args) -> None:
        # A failing consumer must not kill the camera loop.
        try:
            callback(*args)
        except Exception:
            log.exception("scanner callback %r failed", callback)
