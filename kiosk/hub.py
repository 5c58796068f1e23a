"""Fan-out of kiosk events to the pages listening (Server-Sent Events).

The kiosk page holds one `EventSource("/events")`; every message is one JSON
object with a `type` ("hello", "scan", "service", "camera"). A slow or gone
page never blocks the scanner: each listener has a bounded queue and loses
its oldest messages first.
"""

from __future__ import annotations

import json
import queue
import threading


class Hub:
    """Publish JSON messages to every subscriber's queue."""

    def __init__(self, backlog: int = 100):
        self.backlog = backlog
        self._listeners: set[queue.Queue] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> queue.Queue:
        listener: queue.Queue = queue.Queue(self.backlog)
        with self._lock:
            self._listeners.add(listener)
        return listener

    def unsubscribe(self, listener: queue.Queue) -> None:
        with self._lock:
            self._listeners.discard(listener)

    @property
    def listeners(self) -> int:
        with self._lock:
            return len(self._listeners)

    def publish(self, message: dict) -> None:
        """Send `message` (a dict with a "type") to every listener."""
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            while True:
                try:
                    listener.put_nowait(text)
                    break
                except queue.Full:
                    try:
                        listener.get_nowait()
                    except queue.Empty:
                        pass


def sse(text: str) -> str:
    """One Server-Sent Events frame carrying `text` (no newlines in JSON)."""
    return f"data: {text}\n\n"
