"""PNG chunks walked before Pillow sees the file: each chunk's length and
CRC, and every compressed ancillary chunk (zTXt, iCCP, compressed iTXt)
inflated with a budget, so a 60 KB chunk claiming gigabytes of text or
colour profile is refused with a reason instead of raising deep inside
Pillow. The picture itself (IDAT) is bounded by the pixel limit."""
from __future__ import annotations

import struct
import zlib

from flask_babel import lazy_gettext as _l

from .base import MB, DecompressionBomb, UploadRefused, refuse

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What one compressed chunk may inflate to, and all of them together: text
# and colour profiles are dropped when the image is re-encoded anyway.
CHUNK_INFLATE_LIMIT = 1 * MB
TOTAL_INFLATE_LIMIT = 4 * MB
MAX_CHUNKS = 10_000


def _inflated_size(stream: bytes, budget: int) -> int | None:
    """Bytes ``stream`` inflates to, or None once it passes ``budget``
    (never inflating more than budget + 64 KB in memory)."""
    inflater = zlib.decompressobj()
    total, data = 0, stream
    while data:
        try:
            out = inflater.decompress(data, 64 * 1024)
        except zlib.error:
            _damaged()
        total += len(out)
        if total > budget:
            return None
        data = inflater.unconsumed_tail
        if inflater.eof:
            break
    return total


def _payload(kind: bytes, body: bytes) -> bytes | None:
    """The zlib stream inside a compressed ancillary chunk, if it has one."""
    if kind in (b"zTXt", b"iCCP"):
        name_end = body.find(b"\x00")
        return body[name_end + 2:] if name_end != -1 else b""
    if kind == b"iTXt":
        name_end = body.find(b"\x00")
        if name_end == -1 or len(body) < name_end + 3 or body[name_end + 1] != 1:
            return None  # not compressed
        rest = body[name_end + 3:]
        lang_end = rest.find(b"\x00")
        key_end = rest.find(b"\x00", lang_end + 1) if lang_end != -1 else -1
        return rest[key_end + 1:] if key_end != -1 else b""
    return None


def _damaged():
    refuse(UploadRefused, _l("The image is damaged or incomplete (a PNG chunk is broken)."))


def check_chunks(data: bytes) -> None:
    """Refuse a PNG with a broken chunk or a compressed chunk that inflates too far."""
    offset, inflated, count = len(SIGNATURE), 0, 0
    while offset < len(data):
        if offset + 12 > len(data):
            _damaged()
        length, kind = struct.unpack_from(">I4s", data, offset)
        end = offset + 12 + length
        if end > len(data):
            _damaged()
        body = data[offset + 8: offset + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            _damaged()
        count += 1
        if count > MAX_CHUNKS:
            refuse(UploadRefused, _l("The PNG has more than %(max_chunks)s chunks.", max_chunks=format(MAX_CHUNKS, ',')))
        stream = _payload(kind, body)
        if stream is not None:
            size = _inflated_size(stream, min(CHUNK_INFLATE_LIMIT, TOTAL_INFLATE_LIMIT - inflated))
            if size is None:
                name = kind.decode("latin-1")
                refuse(DecompressionBomb,
                       _l("The %(name)s chunk of this PNG inflates to more than %(value)s MB (at most %(value2)s MB of text and colour profile in all): a decompression bomb.", name=name, value=CHUNK_INFLATE_LIMIT // MB, value2=TOTAL_INFLATE_LIMIT // MB),
                       chunk=name)
            inflated += size
        offset = end
        if kind == b"IEND":
            break
