"""Upload checks: every file is judged by its bytes, never by its name.

``check(kind, data)`` sniffs the bytes, opens the container with a real
parser (Pillow, OpenCV, mutagen, our GLB reader) and answers what to store,
or raises ``UploadRefused`` saying why. Images are decoded and re-encoded,
which drops metadata and anything hidden after or inside the image
(polyglots). Nothing is written anywhere until a file has passed."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

from .. import errors

MB = 1024 * 1024
# Per-kind size limits (bytes); the app's UPLOAD_LIMITS mapping overrides them.
LIMITS = {"video": 60 * MB, "audio": 20 * MB, "image": 15 * MB, "model3d": 30 * MB, "ar_overlay": 5 * MB,
          "usdz": 30 * MB}
MAX_PIXELS = 40_000_000  # decoded size an image may claim (a 10-byte PNG can claim 4 GB)
MAX_SIDE = 2560  # images are scaled down to this for phones and kiosks
THUMB_SIDE = 320
# Video codecs (as OpenCV's FOURCC reports them) that phone and kiosk browsers play.
WEB_VIDEO_CODECS = {"h264", "avc1", "x264", "vp80", "vp08", "vp90", "vp09", "av01", "hev1", "hvc1"}
FILE_KINDS = ("video", "audio", "image", "model3d", "ar_overlay")


class UploadRefused(errors.PindaiError):
    status = 422
    code = "upload_refused"
    message_id = "Berkas ini tidak dapat diterima."
    message_en = "This file cannot be accepted."


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


def refuse(cls, en: str, id_: str, **details):
    """Raise ``cls`` with an English and an Indonesian reason."""
    raise cls(en, message_id=id_, **details)


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
    return None


def _looks_like_markup(data: bytes) -> bool:
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") or b"<svg" in text or b"<html" in text or b"<script" in text


def check(kind: str, data: bytes, limits: dict | None = None) -> Checked:
    """Validate ``data`` as an asset of ``kind``; raises ``UploadRefused``."""
    if kind not in FILE_KINDS and kind != "usdz":
        refuse(UploadRefused, f"Unknown asset kind {kind!r}.", f"Jenis konten {kind!r} tidak dikenal.")
    limit = {**LIMITS, **(limits or {})}[kind]
    if len(data) > limit:
        refuse(UploadTooLarge, f"The file is {len(data) / MB:.1f} MB; a {kind} may be at most {limit / MB:.0f} MB.",
                f"Berkas berukuran {len(data) / MB:.1f} MB; batas untuk {kind} adalah {limit / MB:.0f} MB.",
                limit_bytes=limit)
    if not data:
        refuse(UploadRefused, "The file is empty.", "Berkas kosong.")
    if _looks_like_markup(data):
        refuse(UnsupportedType, "SVG, HTML and other markup files are not accepted.",
                "Berkas SVG, HTML dan markup lain tidak diterima.")
    found = sniff(data)
    return _CHECKS[kind](data, found)


def wrong_type(kind: str, found: str | None, wanted: str):
    """Refuse a file whose bytes are not what the kind needs (its name is never asked)."""
    what = found or "unknown"
    refuse(UnsupportedType, f"This file is not {wanted} (its content is {what}, whatever its name says).",
            f"Berkas ini bukan {wanted} (isinya {what}, apa pun namanya).", found=what, kind=kind)


# --- images -----------------------------------------------------------------

_PIL_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _open_image(data: bytes, kind: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        _bomb()
    except (UnidentifiedImageError, OSError):
        refuse(UnsupportedType, "This file is not an image we can read (JPEG, PNG or WebP).",
                "Berkas ini bukan gambar yang dapat dibaca (JPEG, PNG atau WebP).")
    if image.format not in _PIL_TYPES:
        wrong_type(kind, f"image/{(image.format or 'unknown').lower()}", "JPEG, PNG or WebP")
    if image.size[0] * image.size[1] > MAX_PIXELS:
        _bomb(image.size)
    try:
        image.load()
    except Image.DecompressionBombError:
        _bomb(image.size)
    except (OSError, SyntaxError, ValueError):
        refuse(UploadRefused, "The image is damaged or incomplete.", "Gambar ini rusak atau tidak lengkap.")
    return image


def _bomb(size=None):
    claims = f" claims {size[0]} x {size[1]} pixels" if size else " claims too many pixels"
    claims_id = f" mengaku {size[0]} x {size[1]} piksel" if size else " mengaku terlalu banyak piksel"
    refuse(DecompressionBomb, f"The image{claims}; at most {MAX_PIXELS // 1_000_000} megapixels are accepted.",
            f"Gambar ini{claims_id}; paling banyak {MAX_PIXELS // 1_000_000} megapiksel.")


def _pixels_only(image: Image.Image) -> Image.Image:
    # A new image from the raw pixels: Pillow would otherwise carry the
    # original's EXIF, comments and text chunks into the saved file.
    return Image.frombytes(image.mode, image.size, image.tobytes())


def encode_image(image: Image.Image, fmt: str) -> bytes:
    """Pixels to JPEG, PNG or WebP bytes."""
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def thumbnail_of(image: Image.Image) -> bytes:
    """A WebP at most THUMB_SIDE pixels on its longer side (staff lists, kiosk menus)."""
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "A" in thumb.getbands() or "transparency" in thumb.info else "RGB")
    return encode_image(thumb, "WEBP")


def _check_image(data: bytes, found: str | None) -> Checked:
    if found not in _PIL_TYPES.values():
        wrong_type("image", found, "a JPEG, PNG or WebP image")
    image = _open_image(data, "image")
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or "A" in image.getbands() else "RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Re-encoding writes only pixels: EXIF/GPS, comments and anything appended are gone.
    clean = encode_image(_pixels_only(image), fmt)
    return Checked(_PIL_TYPES[fmt], clean, image.width, image.height, thumbnail=thumbnail_of(image))


def _check_overlay(data: bytes, found: str | None) -> Checked:
    if found != "image/png":
        wrong_type("ar_overlay", found, "a PNG image with transparency")
    image = _open_image(data, "ar_overlay")
    if not ("A" in image.getbands() or "transparency" in image.info):
        refuse(UploadRefused, "An AR overlay must be a PNG with transparency (an alpha channel).",
                "Overlay AR harus PNG dengan latar transparan (kanal alfa).")
    image = image.convert("RGBA")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return Checked("image/png", encode_image(_pixels_only(image), "PNG"), image.width, image.height, thumbnail=thumbnail_of(image))


# The container checks use this module's helpers, so they are imported last.
from .containers import check_audio, check_glb, check_usdz, check_video  # noqa: E402

_CHECKS = {
    "image": _check_image,
    "ar_overlay": _check_overlay,
    "video": check_video,
    "audio": check_audio,
    "model3d": check_glb,
    "usdz": check_usdz,
}


def check_link(url: str) -> str:
    """An external link must be an absolute http(s) URL."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 1000:
        refuse(UploadRefused, "A link must be a full http:// or https:// address.",
                "Tautan harus berupa alamat lengkap http:// atau https://.")
    return url
