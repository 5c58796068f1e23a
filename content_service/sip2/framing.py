"""SIP2 framing and sequence numbers (re-exported by ``protocol``).

Contents:
- ``Sequence``: AY sequence numbers 0..9, wrapping (one counter per connection).
- ``FrameReader``: cuts a byte stream into messages; CR ends one, and LF alone or
  after CR is accepted too (some servers and telnet-style clients send CRLF or LF).
"""
from __future__ import annotations

from .errors import MalformedMessage


class Sequence:
    """AY sequence numbers: 0, 1, ..., 9, 0, ... (one counter per connection)."""

    def __init__(self, start: int = 0) -> None:
        self._next = start % 10

    def next(self) -> int:
        value = self._next
        self._next = (value + 1) % 10
        return value

    __next__ = next

    def __iter__(self) -> "Sequence":
        return self


class FrameReader:
    """Cuts a byte stream into messages. CR ends a message; LF alone or after CR is
    also accepted (some servers and telnet-style clients send CRLF or LF)."""

    def __init__(self, max_length: int = 65536) -> None:
        self._buffer = bytearray()
        self.max_length = max_length

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return every message now complete."""
        self.push(data)
        frames: list[bytes] = []
        while (frame := self.pop()) is not None:
            frames.append(frame)
        return frames

    def push(self, data: bytes) -> None:
        """Add bytes without taking messages out (see ``pop``)."""
        self._buffer.extend(data)

    def pop(self) -> bytes | None:
        """The next complete message (without its terminator), or None."""
        while True:
            cut = min((i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n"))
                       if i >= 0), default=-1)
            if cut < 0:
                if len(self._buffer) > self.max_length:
                    self._buffer.clear()
                    raise MalformedMessage(
                        f"no message terminator within {self.max_length} bytes")
                return None
            frame = bytes(self._buffer[:cut])
            del self._buffer[:cut + 1]
            if frame.strip(b"\x00 "):
                return frame

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)
