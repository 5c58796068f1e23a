"""What every upload check shares: the per-kind limits, the refusals
(``UploadRefused`` and its kinds, each with an Indonesian and an English
reason), ``Checked`` (what passed), ``sniff`` (the type the leading bytes
announce) and ``wrong_type``."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale, lazy_gettext as _l
from flask_babel.speaklater import LazyString

from ... import errors

MB = 1024 * 1024
# A 3D model above this loads on a phone only when tapped, and staff are told
# to make it smaller (mobile data in Batam is paid by the megabyte).
MODEL_BUDGET = 5 * MB
# Per-kind size limits (bytes); the app's UPLOAD_LIMITS mapping overrides them.
LIMITS = {"video": 60 * MB, "audio": 20 * MB, "image": 15 * MB, "model3d": 30 * MB, "ar_overlay": 5 * MB,
          "usdz": 30 * MB, "ebook": 50 * MB}
MAX_PIXELS = 40_000_000  # decoded size an image may claim (a 10-byte PNG can claim 4 GB)
MAX_SIDE = 2560  # images are scaled down to this for phones and kiosks
THUMB_SIDE = 320
FILE_KINDS = ("video", "audio", "image", "model3d", "ar_overlay", "ebook")
# What people call each kind, in the refusals: (Indonesian, English with its article).
KIND_NAMES = {"video": ("video", "a video"), "audio": ("audio", "an audio file"), "image": ("gambar", "an image"),
              "model3d": ("model 3D", "a 3D model"), "ar_overlay": ("overlay AR", "an AR overlay"),
              "usdz": ("model iPhone (USDZ)", "an iPhone model (USDZ)"), "ebook": ("e-book", "an e-book")}


def human_size(n: int) -> str:
    """Bytes as people read them: 64 MB, 1.5 MB, 900 KB."""
    if n >= MB:
        return f"{n / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


class UploadRefused(errors.PindaiError):
    status = 422
    code = "upload_refused"
    message_en = _l("This file cannot be accepted.")


class UploadTooLarge(UploadRefused):
    status = 413
    code = "upload_too_large"


class DecompressionBomb(UploadRefused):
    code = "decompression_bomb"


class UnsupportedType(UploadRefused):
    status = 415
    code = "unsupported_type"


@dataclass
class Checked:
    """A file that passed: the bytes to store and what was learnt on the way."""

    media_type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    thumbnail: bytes | None = None  # webp
    poster: bytes | None = None  # jpeg, videos
    notes: list[str] = field(default_factory=list)


def either(en: str, id_: str) -> LazyString:
    """A fragment worded in the page's language when shown (Indonesian or English),
    for the reasons built from parts (``%(what)s``) inside an ``_l()`` message."""
    return LazyString(lambda: id_ if get_locale() is not None and get_locale().language == "id" else en)


def refuse(cls, message, **details):
    """Raise ``cls`` with its reason (an ``_l()`` message: the catalogues word it)."""
    raise cls(message, **details)


def sniff(data: bytes) -> str | None:
    """The media type the leading bytes announce, or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"glTF":
        return "model/gltf-binary"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def wrong_type(kind: str, found: str | None, wanted: str):
    """Refuse a file whose bytes are not what the kind needs (its name is never asked)."""
    what = found or "unknown"
    refuse(UnsupportedType, _l("This file is not %(wanted)s (its content is %(what)s, whatever its name says).", wanted=wanted, what=what), found=what, kind=kind)
