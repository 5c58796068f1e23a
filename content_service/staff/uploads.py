"""Upload checks: every file is judged by its bytes, never by its name.

``check(kind, data)`` sniffs the bytes, opens the container with a real
parser (Pillow, OpenCV, mutagen, our GLB reader) and answers what to store,
or raises ``UploadRefused`` saying why. Images are decoded and re-encoded,
which drops metadata and anything hidden after or inside the image
(polyglots). Nothing is written anywhere until a file has passed."""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
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


def _refuse(cls, en: str, id_: str, **details):
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
        _refuse(UploadRefused, f"Unknown asset kind {kind!r}.", f"Jenis konten {kind!r} tidak dikenal.")
    limit = {**LIMITS, **(limits or {})}[kind]
    if len(data) > limit:
        _refuse(UploadTooLarge, f"The file is {len(data) / MB:.1f} MB; a {kind} may be at most {limit / MB:.0f} MB.",
                f"Berkas berukuran {len(data) / MB:.1f} MB; batas untuk {kind} adalah {limit / MB:.0f} MB.",
                limit_bytes=limit)
    if not data:
        _refuse(UploadRefused, "The file is empty.", "Berkas kosong.")
    if _looks_like_markup(data):
        _refuse(UnsupportedType, "SVG, HTML and other markup files are not accepted.",
                "Berkas SVG, HTML dan markup lain tidak diterima.")
    found = sniff(data)
    return _CHECKS[kind](data, found)


def _wrong_type(kind: str, found: str | None, wanted: str):
    what = found or "unknown"
    _refuse(UnsupportedType, f"This file is not {wanted} (its content is {what}, whatever its name says).",
            f"Berkas ini bukan {wanted} (isinya {what}, apa pun namanya).", found=what, kind=kind)


# --- images -----------------------------------------------------------------

_PIL_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _open_image(data: bytes, kind: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        _bomb()
    except (UnidentifiedImageError, OSError):
        _refuse(UnsupportedType, "This file is not an image we can read (JPEG, PNG or WebP).",
                "Berkas ini bukan gambar yang dapat dibaca (JPEG, PNG atau WebP).")
    if image.format not in _PIL_TYPES:
        _wrong_type(kind, f"image/{(image.format or 'unknown').lower()}", "JPEG, PNG or WebP")
    if image.size[0] * image.size[1] > MAX_PIXELS:
        _bomb(image.size)
    try:
        image.load()
    except Image.DecompressionBombError:
        _bomb(image.size)
    except (OSError, SyntaxError, ValueError):
        _refuse(UploadRefused, "The image is damaged or incomplete.", "Gambar ini rusak atau tidak lengkap.")
    return image


def _bomb(size=None):
    claims = f" claims {size[0]} x {size[1]} pixels" if size else " claims too many pixels"
    claims_id = f" mengaku {size[0]} x {size[1]} piksel" if size else " mengaku terlalu banyak piksel"
    _refuse(DecompressionBomb, f"The image{claims}; at most {MAX_PIXELS // 1_000_000} megapixels are accepted.",
            f"Gambar ini{claims_id}; paling banyak {MAX_PIXELS // 1_000_000} megapiksel.")


def _pixels_only(image: Image.Image) -> Image.Image:
    # A new image from the raw pixels: Pillow would otherwise carry the
    # original's EXIF, comments and text chunks into the saved file.
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "A" in thumb.getbands() or "transparency" in thumb.info else "RGB")
    return _encode(thumb, "WEBP")


def _check_image(data: bytes, found: str | None) -> Checked:
    if found not in _PIL_TYPES.values():
        _wrong_type("image", found, "a JPEG, PNG or WebP image")
    image = _open_image(data, "image")
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or "A" in image.getbands() else "RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Re-encoding writes only pixels: EXIF/GPS, comments and anything appended are gone.
    clean = _encode(_pixels_only(image), fmt)
    return Checked(_PIL_TYPES[fmt], clean, image.width, image.height, thumbnail=_thumbnail(image))


def _check_overlay(data: bytes, found: str | None) -> Checked:
    if found != "image/png":
        _wrong_type("ar_overlay", found, "a PNG image with transparency")
    image = _open_image(data, "ar_overlay")
    if not ("A" in image.getbands() or "transparency" in image.info):
        _refuse(UploadRefused, "An AR overlay must be a PNG with transparency (an alpha channel).",
                "Overlay AR harus PNG dengan latar transparan (kanal alfa).")
    image = image.convert("RGBA")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return Checked("image/png", _encode(_pixels_only(image), "PNG"), image.width, image.height, thumbnail=_thumbnail(image))


# --- video ------------------------------------------------------------------

def _check_video(data: bytes, found: str | None) -> Checked:
    if found not in ("video/mp4", "video/webm"):
        _wrong_type("video", found, "an MP4 or WebM video")
    import cv2

    fd, path = tempfile.mkstemp(suffix=".mp4" if found == "video/mp4" else ".webm")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        capture = cv2.VideoCapture(path)
        try:
            ok, frame = capture.read() if capture.isOpened() else (False, None)
            if not ok or frame is None:
                _refuse(UploadRefused, "The video cannot be played: no picture could be decoded from it.",
                        "Video ini tidak dapat diputar: tidak ada gambar yang dapat dibaca.")
            codec = int(capture.get(cv2.CAP_PROP_FOURCC) or 0).to_bytes(4, "little").decode("latin-1").strip("\x00 ")
            if codec.lower() not in WEB_VIDEO_CODECS:
                # OpenCV reads more than browsers play: a clip phones cannot play is refused now,
                # not discovered by a visitor.
                _refuse(UnsupportedType,
                        f"This video uses the {codec or 'unknown'} codec, which browsers cannot play. "
                        "Export it as MP4 (H.264) or WebM (VP8/VP9).",
                        f"Video ini memakai codec {codec or 'tak dikenal'} yang tidak dapat diputar browser. "
                        "Ekspor ulang sebagai MP4 (H.264) atau WebM (VP8/VP9).", codec=codec)
            fps = capture.get(cv2.CAP_PROP_FPS) or 0
            frames = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0
            duration = round(frames / fps, 2) if fps > 0 and frames > 0 else None
            # The poster is a frame about a second in (the first is often black).
            if duration and duration > 2:
                capture.set(cv2.CAP_PROP_POS_FRAMES, int(fps))
                ok, later = capture.read()
                if ok and later is not None:
                    frame = later
        finally:
            capture.release()
    finally:
        os.unlink(path)
    height, width = frame.shape[:2]
    poster_image = Image.fromarray(frame[:, :, ::-1].copy())
    poster = _encode(poster_image, "JPEG")
    return Checked(found, data, width, height, duration, thumbnail=_thumbnail(poster_image), poster=poster)


# --- audio ------------------------------------------------------------------

def _check_audio(data: bytes, found: str | None) -> Checked:
    if found not in ("audio/mpeg", "audio/ogg", "audio/mp4", "video/mp4"):
        _wrong_type("audio", found, "an MP3, Ogg or M4A audio file")
    import mutagen
    from mutagen.mp3 import MP3

    try:
        parsed = MP3(io.BytesIO(data)) if found == "audio/mpeg" else mutagen.File(io.BytesIO(data))
    except Exception:  # mutagen raises many kinds of errors on broken files
        parsed = None
    info = getattr(parsed, "info", None)
    length = getattr(info, "length", 0) or 0
    if parsed is None or length <= 0:
        _refuse(UploadRefused, "The audio cannot be played: its container or frames are not valid.",
                "Audio ini tidak dapat diputar: wadah atau bingkai datanya tidak valid.")
    if found == "video/mp4":
        # An MP4 that mutagen reads as audio only is an M4A with another brand.
        if not str(getattr(info, "codec", "")).startswith(("mp4a", "alac")):
            _wrong_type("audio", found, "an MP3, Ogg or M4A audio file")
        found = "audio/mp4"
    return Checked(found, data, duration=round(length, 2))


# --- 3D models ----------------------------------------------------------------

_JSON_CHUNK = 0x4E4F534A  # later chunks (BIN, extensions) are the viewer's business


def _check_glb(data: bytes, found: str | None) -> Checked:
    if found != "model/gltf-binary":
        _wrong_type("model3d", found, "a GLB 3D model (binary glTF 2.0)")
    bad = ("The GLB file is not valid: {}.", "Berkas GLB tidak valid: {}.")

    def fail(why_en: str, why_id: str):
        _refuse(UploadRefused, bad[0].format(why_en), bad[1].format(why_id))

    if len(data) < 20:
        fail("it is too short", "terlalu pendek")
    _magic, version, length = struct.unpack_from("<4sII", data, 0)
    if version != 2:
        fail(f"glTF version {version}, expected 2", f"glTF versi {version}, seharusnya 2")
    if length != len(data):
        fail("its header length does not match the file", "panjang di header tidak sesuai dengan berkas")
    offset, chunks = 12, []
    while offset < length:
        if offset + 8 > length:
            fail("a chunk header is cut off", "header chunk terpotong")
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        if chunk_length % 4 or offset + 8 + chunk_length > length:
            fail("a chunk runs past the end of the file", "sebuah chunk melewati akhir berkas")
        chunks.append((chunk_type, data[offset + 8: offset + 8 + chunk_length]))
        offset += 8 + chunk_length
    if not chunks or chunks[0][0] != _JSON_CHUNK:
        fail("the first chunk must be JSON", "chunk pertama harus JSON")
    try:
        gltf = json.loads(chunks[0][1].decode("utf-8").rstrip(" \x00"))
    except (UnicodeDecodeError, ValueError):
        fail("its JSON chunk cannot be read", "chunk JSON-nya tidak dapat dibaca")
    if not isinstance(gltf, dict) or str((gltf.get("asset") or {}).get("version", "")) != "2.0":
        fail("asset.version must be 2.0", "asset.version harus 2.0")
    # A model must be self-contained: no fetching from other servers when a visitor opens it.
    for group in ("buffers", "images"):
        for entry in gltf.get(group) or []:
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if uri and not uri.startswith("data:"):
                fail(f"it refers to an outside file ({group}: {uri[:60]})",
                     f"merujuk ke berkas di luar ({group}: {uri[:60]})")
    return Checked("model/gltf-binary", data)


def _check_usdz(data: bytes, found: str | None) -> Checked:
    if found != "application/zip":
        _wrong_type("usdz", found, "a USDZ model (for iPhone AR)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile:
        infos = []
    if not infos or not infos[0].filename.lower().endswith((".usda", ".usdc", ".usd")):
        _refuse(UploadRefused, "A USDZ must start with a USD layer (.usda/.usdc).",
                "USDZ harus diawali lapisan USD (.usda/.usdc).")
    for info in infos:
        # USDZ files are stored, never compressed, and may not point outside themselves.
        if info.compress_type != zipfile.ZIP_STORED or info.filename.startswith("/") or ".." in info.filename.split("/"):
            _refuse(UploadRefused, "This USDZ is not a valid package (compressed or escaping entries).",
                    "USDZ ini bukan paket yang valid (entri terkompresi atau keluar dari paket).")
    return Checked("model/vnd.usdz+zip", data)


_CHECKS = {
    "image": _check_image,
    "ar_overlay": _check_overlay,
    "video": _check_video,
    "audio": _check_audio,
    "model3d": _check_glb,
    "usdz": _check_usdz,
}


def check_link(url: str) -> str:
    """An external link must be an absolute http(s) URL."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 1000:
        _refuse(UploadRefused, "A link must be a full http:// or https:// address.",
                "Tautan harus berupa alamat lengkap http:// atau https://.")
    return url
