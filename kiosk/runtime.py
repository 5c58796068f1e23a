"""What runs beside the kiosk web app: the scanner, the resolver and the
service watch.

scanner thread --ScanEvent--> queue --> resolver thread --> service (resolve)
                                                   \\--> hub (SSE "scan" message)

- Every scan event is resolved through `/api/v1/resolve` with the kiosk's
  key and published as `{"type": "scan", "seq", "payload", "outcome", ...}`:
  outcome "ok" (with `resolution`; `cached` when it came from the offline
  cache), "error" (the service's refusal, e.g. code `not_ours`) or
  "offline" (service down and the book not cached).
- `{"type": "service", "state": "up"|"slow"|"down"}` when the service
  answers late (after `slow_after` s), goes away or comes back (probed every `health_interval` s; every second while down).
- `{"type": "camera", "state": "running"|"reconnecting"|"stopped"}` from the
  scanner.

Frame read times are kept (`frame_times`) so tests and the benchmark can
measure from a label's first frame to the title on screen.
"""

from __future__ import annotations

import collections
import itertools
import logging
import queue
import threading
import time

from kiosk.scan.debounce import Debouncer, ScanEvent
from kiosk.hub import Hub
from kiosk.preview import Preview, decode_overlay
from kiosk.scan.scanner import Scanner
from kiosk.service import BookCache, ServiceClient, ServiceDown, book_view
from kiosk.scan.sources import FrameSource

log = logging.getLogger(__name__)

BOOK_TYPES = ("book", "item")


class TimedSource:
    """A frame source that remembers when each frame was read."""

    def __init__(self, source: FrameSource, keep: int = 4000):
        self._source = source
        self.read_count = 0
        self.times: collections.deque[tuple[int, float]] = collections.deque(maxlen=keep)

    def read(self):
        frame = self._source.read()
        self.times.append((self.read_count, time.time()))
        self.read_count += 1
        return frame

    def __getattr__(self, name):
        return getattr(self._source, name)


class KioskRuntime:
    """Scanner + resolver + service watch for one kiosk (start/stop)."""

    def __init__(self, client: ServiceClient, source: FrameSource | None, *,
                 gone_after: float = 1.0, health_interval: float = 5.0, slow_after: float = 1.0,
                 hub: Hub | None = None, cache: BookCache | None = None):
        self.client = client
        self.hub = hub or Hub()
        self.cache = cache or BookCache()
        self.preview = Preview()
        self.health_interval = health_interval
        self.slow_after = slow_after  # an answer later than this (s) makes the service "slow"
        self._slow_at = 0.0
        self.service_state = "unknown"
        self.camera_state = "stopped"
        self.seq = 0
        self._seq = itertools.count(1)  # scans come from the resolver and from submit()
        self.recent: collections.deque[dict] = collections.deque(maxlen=50)
        self._scans: queue.Queue[ScanEvent | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._overlay_urls: dict[str, str] = {}
        self.source = TimedSource(source) if source is not None else None
        self.scanner = None
        if self.source is not None:
            self.scanner = Scanner(self.source, self._on_scan, on_frame=self.preview.on_frame,
                                   on_state=self._on_camera, debouncer=Debouncer(gone_after=gone_after))

    # --- control ------------------------------------------------------------
    def start(self, scan: bool = True) -> None:
        """Start the resolver, the service watch and (with a source and
        `scan`) the scanner; `scanner.start()` starts it later."""
        self._stop.clear()
        self.preview.reopen()
        for target, name in ((self._resolve_loop, "kiosk-resolver"), (self._watch_loop, "kiosk-service-watch")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        if scan and self.scanner is not None:
            self.scanner.start()

    def stop(self) -> None:
        self._stop.set()
        self.preview.close()
        self._scans.put(None)
        if self.scanner is not None:
            self.scanner.stop()
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()

    def status(self) -> dict:
        """What the page needs on connecting (and a health page shows)."""
        last = self.recent[-1] if self.recent else None
        if last is not None:
            book = (last.get("resolution") or {}).get("book") or {}
            last = {"seq": last["seq"], "payload": last["payload"], "outcome": last["outcome"],
                    "title": book.get("title"), "error": (last.get("error") or {}).get("code")}
        return {"type": "hello", "service": self.service_state, "camera": self.camera_state,
                "scanner": self.scanner.status() if self.scanner else None, "seq": self.seq, "last_scan": last}

    # --- scanning thread ------------------------------------------------------
    def _on_scan(self, event: ScanEvent) -> None:
        # Runs in the scanning thread: note the frame that fired and hand over.
        frame = self.scanner.frames - 1 if self.scanner else None
        self._scans.put((event, frame, time.time()))

    def _on_camera(self, state: str, status: dict) -> None:
        self.camera_state = state
        self.hub.publish({"type": "camera", "state": state, "error": status.get("last_error")})

    def submit(self, payload: str) -> dict:
        """Resolve a payload as if scanned now (a desk scanner typing into the
        kiosk) and publish the result; returns the published message."""
        return self._handle(payload, None, time.time())

    # --- resolver thread ------------------------------------------------------
    def _resolve_loop(self) -> None:
        while not self._stop.is_set():
            job = self._scans.get()
            if job is None:
                break
            event, frame, seen_at = job
            try:
                self._handle(event.scan.text, frame, seen_at, event)
            except Exception:  # a bad answer must not stop the kiosk from scanning
                log.exception("resolving %r failed", event.scan.text)

    def _handle(self, payload: str, frame: int | None, seen_at: float, event: ScanEvent | None = None) -> dict:
        self.seq = seq = next(self._seq)
        message = {"type": "scan", "seq": seq, "payload": payload, "frame": frame,
                   "seen_at": seen_at, "symbology": event.scan.symbology if event else None}
        asked = time.monotonic()
        try:
            answer = self.client.resolve(payload)
        except ServiceDown as exc:
            self._service(False, str(exc))
            cached = self.cache.by_payload(payload)
            if cached is not None:
                message.update(outcome="ok", cached=True, resolution={"type": "book", **cached})
            else:
                message.update(outcome="offline")
        else:
            slow = time.monotonic() - asked > self.slow_after
            if slow:
                self._slow_at = time.monotonic()
            self._service(True, slow=slow)
            if answer.ok:
                resolution = answer.data
                message.update(outcome="ok", cached=False, resolution=resolution)
            else:
                message.update(outcome="error", status=answer.status, error=answer.error)
        message["resolved_at"] = time.time()
        self.recent.append(message)
        self.hub.publish(message)  # the screen first; the cache and the AR overlay after
        resolution = message.get("resolution") or {}
        if message["outcome"] == "ok" and not message.get("cached") and resolution.get("type") in BOOK_TYPES \
                and resolution.get("book"):
            self.cache.remember(book_view(resolution), payload)
            self._load_overlay(payload, resolution.get("assets") or [])
        return message

    def _load_overlay(self, payload: str, assets: list[dict]) -> None:
        url = next((a.get("url") for a in assets if a.get("kind") == "ar_overlay" and a.get("url")), None)
        if url is None:
            self.preview.set_overlay(payload, None)
            return
        if self._overlay_urls.get(payload) == url:
            return
        try:
            overlay = decode_overlay(self.client.media(url))
        except ServiceDown:
            return
        self._overlay_urls[payload] = url
        self.preview.set_overlay(payload, overlay)

    # --- service watch --------------------------------------------------------
    def _service(self, up: bool, reason: str | None = None, slow: bool = False) -> None:
        state = ("slow" if slow else "up") if up else "down"
        if state != self.service_state:
            self.service_state = state
            if not up:
                log.warning("content service down: %s", reason)
            self.hub.publish({"type": "service", "state": state})

    def service_failed(self, reason: str) -> None:
        """Note a failed call to the service (the watch confirms recovery)."""
        self._service(False, reason)

    def _watch_loop(self) -> None:
        while not self._stop.is_set():
            asked = time.monotonic()
            alive = self.client.alive()
            slow = time.monotonic() - asked > self.slow_after
            # /ping skips the database: a quick ping does not undo a slow scan answer at once.
            if alive and self.service_state == "slow" and time.monotonic() - self._slow_at < 30:
                slow = True
            self._service(alive, f"no answer from {self.client.base_url}/ping", slow=slow)
            self._stop.wait(1.0 if self.service_state == "down" else self.health_interval)

    def book(self, book_id: int) -> tuple[int, dict]:
        """A book view by id for the page (search results, "more like this"),
        from the service or, while it is down, the offline cache."""
        try:
            answer = self.client.book(book_id)
        except ServiceDown as exc:
            self._service(False, str(exc))
            cached = self.cache.by_id(book_id)
            if cached is None:
                return 503, {"error": {"code": "service_down", "message": "The library service is not reachable.",
                                       "message_id": "Layanan perpustakaan tidak dapat dihubungi."}}
            return 200, {**cached, "cached": True}
        self._service(True)
        if not answer.ok:
            return answer.status, answer.data or {"error": answer.error}
        view = book_view(answer.data)
        self.cache.remember(view)
        return 200, {**view, "cached": False}
