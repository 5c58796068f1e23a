"""Opening uploaded audio and video with FFmpeg (through PyAV), bounded:
one decoding thread (a decoder's memory grows with its threads), only the
demuxer the sniffed type names, and every FFmpeg error turned into a
refusal instead of an exception the request would answer 500 to."""
from __future__ import annotations

import io
from typing import Any

from .base import UploadRefused, refuse

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
        refuse(UploadRefused, f"The {what_en} cannot be played: its container is not valid.",
               f"{what_id} ini tidak dapat diputar: wadahnya tidak valid.")
    for stream in container.streams:
        stream.thread_type = "SLICE"
        stream.thread_count = 1
    return container
