"""Turning per-frame reads into scan events.

A camera sees the same label in thirty frames a second; the kiosk wants one
event when it appears. Rules (`Debouncer.update`):

- a code (same symbology and text) fires one event on the frame it appears;
- no repeat while it stays in view, even if a few frames miss it (blur, a
  finger): it counts as gone only after `gone_after` seconds unseen;
- once gone, its next appearance fires a new event;
- several codes in one frame fire separate events, in reading order;
- symbologies without a mandatory check digit (Codabar, Code 39) must be
  read in `confirm[symbology]` frames within `gone_after` before they fire,
  so one noisy misread never becomes an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.scan.decoders import Scan

DEFAULT_CONFIRM = {"codabar": 2, "code39": 2}


@dataclass(frozen=True)
class ScanEvent:
    """A code coming into view: when (`timestamp`, the caller's clock,
    seconds), what (`scan`), and the `frame_size` (width, height) its corners
    refer to."""

    timestamp: float
    scan: Scan
    frame_size: tuple[int, int]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"timestamp": self.timestamp, "frame_size": list(self.frame_size),
                **self.scan.to_dict()}


@dataclass
class _Seen:
    last: float
    count: int = 1
    fired: bool = False


@dataclass
class Debouncer:
    """Stateful filter; call `update` once per decoded frame, from one thread."""

    gone_after: float = 1.0
    confirm: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CONFIRM))
    _seen: dict[tuple[str, str], _Seen] = field(default_factory=dict, repr=False)

    def update(self, scans: list[Scan], now: float,
               frame_size: tuple[int, int]) -> list[ScanEvent]:
        """Feed one frame's scans; return the events it causes."""
        self._forget(now)
        events = []
        for scan in scans:
            key = (scan.symbology, scan.text)
            seen = self._seen.get(key)
            if seen is None:
                seen = self._seen[key] = _Seen(last=now)
            elif seen.last != now:  # the same code twice in one frame counts once
                seen.last = max(seen.last, now)
                seen.count += 1
            if not seen.fired and seen.count >= self.confirm.get(scan.symbology, 1):
                seen.fired = True
                events.append(ScanEvent(now, scan, (int(frame_size[0]), int(frame_size[1]))))
        return events

    def in_view(self) -> list[tuple[str, str]]:
        """(symbology, text) of codes fired and not yet gone."""
        return [key for key, seen in self._seen.items() if seen.fired]

    def reset(self) -> None:
        """Forget everything (e.g. after the camera was reconnected)."""
        self._seen.clear()

    def _forget(self, now: float) -> None:
        # A clock that stepped back (NTP) makes `now - last` negative: the
        # code is then simply still in view, never re-fired.
        gone = [k for k, s in self._seen.items() if now - s.last > self.gone_after]
        for key in gone:
            del self._seen[key]
