"""Opening uploaded audio and video with FFmpeg (through PyAV), bounded:
one decoding thread (a decoder's memory grows with its threads), only the
demuxer the sniffed type names, and every FFmpeg error turned into a
refusal instead of an exception the request would answer 500 to. And the
containers' outer layer read by hand: MP4 top-level boxes (``mp4_boxes``)
and the size of a WebM's segment (``webm_segment_end``), which say whether
the file ends where it says it does."""
from __future__ import annotations

import io
import struct
from typing import Any

from flask_babel import lazy_gettext as _l

from .base import UploadRefused, refuse, either

# The demuxer for each sniffed type: FFmpeg never guesses another format.
DEMUXERS = {"video/mp4": "mov", "audio/mp4": "mov", "video/webm": "matroska", "audio/mpeg": "mp3", "audio/ogg": "ogg"}


def av_errors() -> tuple[type[BaseException], ...]:
    import av

    return (av.error.FFmpegError, ValueError, OverflowError, MemoryError, UnicodeDecodeError, IndexError)


def open_container(data: bytes, found: str, what_en: str, what_id: str) -> Any:
    """An input container for ``data`` read as ``found``; refuses what FFmpeg cannot open."""
    import av

    try:
        container = av.open(io.BytesIO(data), format=DEMUXERS[found], options={"probesize": str(5 << 20)})
    except av_errors():
        refuse(UploadRefused, _l("The %(what)s cannot be played: its container is not valid.", what=either(what_en, what_id)))
    for stream in container.streams:
        stream.thread_type = "SLICE"
        stream.thread_count = 1
    return container


MP4_TOP = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"udta", b"meta", b"uuid", b"pdin", b"sidx",
           b"moof", b"mfra", b"styp", b"emsg", b"prft"}


class BoxError(Exception):
    """The top-level boxes do not cover the file: ``cut`` when a box runs past its end."""

    def __init__(self, at: int, cut: bool):
        super().__init__(at)
        self.at, self.cut = at, cut


def mp4_boxes(data: bytes) -> list[tuple[bytes, int, int, int]]:
    """(type, start, header length, size) of each top-level box, which must cover the
    file exactly; raises ``BoxError`` where they stop doing so."""
    at, boxes = 0, []
    while at < len(data):
        if at + 8 > len(data):
            raise BoxError(at, cut=True)
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if at + 16 > len(data):
                raise BoxError(at, cut=True)
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = len(data) - at
        if kind not in MP4_TOP or size < header:
            raise BoxError(at, cut=False)
        if at + size > len(data):
            raise BoxError(at, cut=True)
        boxes.append((kind, at, header, size))
        at += size
    return boxes


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at ``at``: (value, length, all ones = unknown size)."""
    first = data[at]
    length = 9 - first.bit_length() if first else 9
    if length > 8 or at + length > len(data):
        raise ValueError("bad EBML number")
    value = int.from_bytes(data[at:at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, length, value == (1 << (7 * length)) - 1


def webm_segment_end(data: bytes) -> int | None:
    """Where a WebM's Segment says it ends (None when written with an unknown size,
    as browsers' MediaRecorder does). Raises ValueError on a broken header."""
    at = 0
    for wanted in (0x1A45DFA3, 0x18538067):  # the EBML header, then the Segment
        element, length, _ = _vint(data, at, keep_marker=True)
        size, size_length, unknown = _vint(data, at + length, keep_marker=False)
        if element != wanted:
            raise ValueError("not a WebM")
        body = at + length + size_length
        if wanted == 0x18538067:
            return None if unknown else body + size
        at = body + size
    return None
