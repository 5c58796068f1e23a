"""Audio checks: MP3, Ogg (Opus/Vorbis) and M4A (AAC) must be audio from
the first byte to the last. The container is walked frame by frame (MP3
frames, Ogg pages, MP4 boxes), so bytes that are no audio (an executable
after an ID3 header or a few MPEG sync bytes, or appended to a real song)
are refused, and the whole stream is then decoded by FFmpeg: a file that
decodes to too little audio, or with broken frames, is refused too."""
from __future__ import annotations

import struct
import zlib

from flask_babel import lazy_gettext as _l

from .base import Checked, UploadRefused, refuse, wrong_type, either
from .streams import BoxError, av_errors, mp4_boxes, open_container

PLAYABLE = {"mp3", "mp3float", "opus", "libopus", "vorbis", "libvorbis", "aac", "flac", "alac"}
MIN_SECONDS = 0.1  # "audio" decoding to less than this is no narration
MAX_BROKEN_PACKETS = 0.01  # share of packets allowed to fail decoding (a scratch, not a payload)
MAX_BROKEN_BYTES = 4096  # and their bytes in all
MAX_FILLER = 64 * 1024  # free/skip boxes in an M4A (iTunes pads with a few KB)
_KBPS = {  # (MPEG-1?, layer) -> bitrate table in kbit/s
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_KBPS[(False, 3)] = _KBPS[(False, 2)]
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _junk(where_en: str, where_id: str):
    refuse(UploadRefused, _l("This is not only audio: %(where)s. Export the recording again as MP3, Ogg or M4A.",
                                 where=either(where_en, where_id)))


# Programs' signatures, looked for in a file's tags (never in the audio, where any byte
# pattern occurs by chance): ELF, Windows PE, Mach-O.
_PROGRAMS = (b"\x7fELF", b"This program cannot be run in DOS mode", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
MAX_TAGS = 4 * 1024 * 1024  # an ID3 tag or MP4 metadata: titles, lyrics, chapters and a cover picture


def _no_programs(blob: bytes, where_en: str, where_id: str, *, limit: int | None = MAX_TAGS) -> None:
    if limit is not None and len(blob) > limit:
        _junk(f"its {where_en} hold more than {MAX_TAGS // (1024 * 1024)} MB",
              f"{where_id}-nya lebih dari {MAX_TAGS // (1024 * 1024)} MB")
    if any(signature in blob for signature in _PROGRAMS):
        _junk(f"its {where_en} hold a program", f"{where_id}-nya berisi program")


def _id3_frames(tag: bytes, version: int) -> None:
    """Refuse an ID3v2 tag carrying a file (GEOB: general encapsulated object) or a program."""
    _no_programs(tag, "tags", "tag")
    at = 10
    while at + 10 <= len(tag) and tag[at:at + 4].isalnum():
        frame = tag[at:at + 4]
        raw = tag[at + 4:at + 8]
        size = ((raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]) if version == 4 else \
            struct.unpack(">I", raw)[0]
        if frame == b"GEOB":
            _junk("its tags carry an attached file (GEOB)", "tag-nya membawa berkas lampiran (GEOB)")
        at += 10 + size


def _mp3_frame_length(data: bytes, at: int) -> int | None:
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    b1, b2 = data[at + 1], data[at + 2]
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate, rate = _KBPS[(mpeg1, layer)][bitrate_index] * 1000, _RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    return (144 if mpeg1 or layer == 2 else 72) * bitrate // rate + padding


def _mp3_tail(data: bytes) -> int:
    """Where the trailing tags (ID3v1, APEv2) begin: audio frames end there."""
    end = len(data)
    if end >= 128 and data[end - 128:end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32:end - 24] == b"APETAGEX":
        (size,) = struct.unpack_from("<I", data, end - 20)
        end -= size + (32 if data[end - 32 + 23] & 0x80 else 0)
    return max(end, 0)


def walk_mp3(data: bytes) -> None:
    at = 0
    if data.startswith(b"ID3") and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        at = 10 + size + (10 if data[5] & 0x10 else 0)
        _id3_frames(data[:at], data[3])
    end, frames = _mp3_tail(data), 0
    _no_programs(data[end:], "tags", "tag")
    while at < end:
        length = _mp3_frame_length(data, at)
        if length is None:
            if not any(data[at:end]):  # zero padding after the last frame
                break
            _junk(f"{end - at:,} bytes at offset {at:,} are not MPEG audio frames",
                  f"{end - at:,} byte pada posisi {at:,} bukan bingkai audio MPEG")
        if at + length > end:
            # Bytes after the last whole frame are no audio: a cut-off upload, or something hidden.
            _junk("the last frame is cut off (was the upload interrupted?)",
                  "bingkai terakhir terpotong (unggahan terputus?)")
        at, frames = at + length, frames + 1
    if not frames:
        refuse(UploadRefused, _l("The audio cannot be played: it holds no MPEG audio frames."))


_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc(page: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, no initial value) at zlib's
    speed: zlib's reflected CRC of the bit-reversed bytes, its initial value and final
    xor cancelled by the CRC of as many zero bytes, then bit-reversed back."""
    value = zlib.crc32(page.translate(_BIT_REVERSED)) ^ zlib.crc32(bytes(len(page)))
    return int(f"{value:032b}"[::-1], 2)


def walk_ogg(data: bytes) -> None:
    """Ogg pages from the first byte to the last, each with its checksum right: FFmpeg
    skips a page whose checksum is wrong, so such a page could carry anything unseen."""
    at, pages = 0, 0
    while at < len(data):
        if data[at:at + 4] != b"OggS" or at + 27 > len(data) or data[at + 4] != 0:
            _junk(f"{len(data) - at:,} bytes at offset {at:,} are not Ogg pages",
                  f"{len(data) - at:,} byte pada posisi {at:,} bukan halaman Ogg")
        segments = data[at + 26]
        if at + 27 + segments > len(data):
            _junk("an Ogg page is cut off", "sebuah halaman Ogg terpotong")
        length = 27 + segments + sum(data[at + 27: at + 27 + segments])
        if at + length > len(data):
            _junk("an Ogg page is cut off", "sebuah halaman Ogg terpotong")
        page = bytearray(data[at:at + length])
        (stated,) = struct.unpack_from("<I", page, 22)
        page[22:26] = bytes(4)
        if ogg_crc(bytes(page)) != stated:
            _junk(f"the Ogg page at offset {at:,} has a wrong checksum",
                  f"halaman Ogg pada posisi {at:,} checksum-nya salah")
        at, pages = at + length, pages + 1


def walk_mp4(data: bytes) -> int:
    """Top-level boxes must cover the file exactly; answers the mdat payload bytes."""
    try:
        boxes = mp4_boxes(data)
    except BoxError as bad:
        if bad.cut:
            _junk("its last box runs past the end of the file (was the upload interrupted?)",
                  "box terakhirnya melewati akhir berkas (unggahan terputus?)")
        _junk(f"{len(data) - bad.at:,} bytes at offset {bad.at:,} are not MP4 boxes",
              f"{len(data) - bad.at:,} byte pada posisi {bad.at:,} bukan box MP4")
    mdat = filler = 0
    for kind, at, header, size in boxes:
        if kind == b"mdat":
            mdat += size - header
        elif kind in (b"udta", b"meta"):
            _no_programs(data[at:at + size], "tags", "tag")
        elif kind == b"moov":  # its udta/meta/ilst hold the tags and cover; the sample tables are no tags
            _no_programs(data[at:at + size], "tags", "tag", limit=None)
        elif kind in (b"free", b"skip", b"wide", b"uuid"):
            filler += size
            if filler > MAX_FILLER:
                _junk(f"more than {MAX_FILLER // 1024} KB of filler boxes", f"lebih dari {MAX_FILLER // 1024} KB box pengisi")
    return mdat


def _decode(data: bytes, found: str) -> tuple[str, float, int]:
    """Decode every packet; answers (codec, seconds decoded, packet bytes)."""
    container = open_container(data, found, "audio", "Audio")
    try:
        audio = [s for s in container.streams if s.type == "audio"]
        moving = [s for s in container.streams if s.type == "video" and not s.disposition & 0x400]  # not cover art
        if len(audio) != 1 or moving:
            wrong_type("audio", "video/mp4" if moving else found, _l("an MP3, Ogg or M4A audio file"))
        stream = audio[0]
        codec = stream.codec_context.name
        if codec not in PLAYABLE:
            refuse(UploadRefused, _l("This audio uses the %(codec)s codec, which browsers cannot play.", codec=codec), codec=codec)
        samples = packets = broken = broken_bytes = packet_bytes = 0
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            packets += 1
            packet_bytes += packet.size
            try:
                samples += sum(frame.samples for frame in packet.decode())
            except av_errors():
                broken, broken_bytes = broken + 1, broken_bytes + packet.size
        rate = stream.codec_context.sample_rate or stream.sample_rate or 0
    except av_errors():
        refuse(UploadRefused, _l("The audio cannot be played: its frames are damaged."))
    finally:
        container.close()
    # A scratch in a recording is a frame or two; a payload in one "packet" is many bytes.
    if packets and (broken > max(1, packets * MAX_BROKEN_PACKETS) or broken_bytes > MAX_BROKEN_BYTES):
        refuse(UploadRefused, _l("The audio cannot be played: %(broken)s of its %(packets)s frames are damaged.", broken=broken, packets=packets))
    return codec, samples / rate if rate else 0.0, packet_bytes


def check_audio(data: bytes, found: str | None) -> Checked:
    """MP3, Ogg or M4A that is audio throughout and decodes to the end."""
    if found not in ("audio/mpeg", "audio/ogg", "audio/mp4", "video/mp4"):
        wrong_type("audio", found, _l("an MP3, Ogg or M4A audio file"))
    mdat = 0
    try:
        if found == "audio/mpeg":
            walk_mp3(data)
        elif found == "audio/ogg":
            walk_ogg(data)
        else:
            mdat = walk_mp4(data)
    except (IndexError, struct.error):
        _junk("its frames cannot be followed to the end", "bingkainya tidak dapat diikuti sampai akhir")
    _codec, seconds, packet_bytes = _decode(data, found)
    if seconds < MIN_SECONDS:
        refuse(UploadRefused, _l("The audio cannot be played: its container or frames are not valid (less than %(min_seconds)s s of sound could be decoded).", min_seconds=MIN_SECONDS))
    if mdat and mdat - packet_bytes > MAX_FILLER:
        _junk(f"{mdat - packet_bytes:,} bytes of its media data are not audio",
              f"{mdat - packet_bytes:,} byte data medianya bukan audio")
    return Checked("audio/mp4" if found == "video/mp4" else found, data, duration=round(seconds, 2))
