"""Container checks for uploads that are stored as sent (after passing):
video (OpenCV must decode a picture; the codec must be one browsers play),
audio (mutagen must parse the stream), GLB (glTF 2.0 by its spec) and USDZ."""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile

from PIL import Image

from .base import WEB_VIDEO_CODECS, Checked, UnsupportedType, UploadRefused, refuse, wrong_type
from .images import encode_image, thumbnail_of


# --- video ------------------------------------------------------------------

def check_video(data: bytes, found: str | None) -> Checked:
    """MP4/WebM that OpenCV decodes, in a codec browsers play; poster frame and duration."""
    if found not in ("video/mp4", "video/webm"):
        wrong_type("video", found, "an MP4 or WebM video")
    import cv2

    fd, path = tempfile.mkstemp(suffix=".mp4" if found == "video/mp4" else ".webm")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        capture = cv2.VideoCapture(path)
        try:
            ok, frame = capture.read() if capture.isOpened() else (False, None)
            if not ok or frame is None:
                refuse(UploadRefused, "The video cannot be played: no picture could be decoded from it.",
                        "Video ini tidak dapat diputar: tidak ada gambar yang dapat dibaca.")
            codec = int(capture.get(cv2.CAP_PROP_FOURCC) or 0).to_bytes(4, "little").decode("latin-1").strip("\x00 ")
            if codec.lower() not in WEB_VIDEO_CODECS:
                # OpenCV reads more than browsers play: a clip phones cannot play is refused now,
                # not discovered by a visitor.
                refuse(UnsupportedType,
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
    poster = encode_image(poster_image, "JPEG")
    return Checked(found, data, width, height, duration, thumbnail=thumbnail_of(poster_image), poster=poster)


# --- audio ------------------------------------------------------------------

def check_audio(data: bytes, found: str | None) -> Checked:
    """MP3, Ogg or M4A whose stream mutagen parses, with a length."""
    if found not in ("audio/mpeg", "audio/ogg", "audio/mp4", "video/mp4"):
        wrong_type("audio", found, "an MP3, Ogg or M4A audio file")
    import mutagen
    from mutagen.mp3 import MP3

    try:
        parsed = MP3(io.BytesIO(data)) if found == "audio/mpeg" else mutagen.File(io.BytesIO(data))
    except Exception:  # mutagen raises many kinds of errors on broken files
        parsed = None
    info = getattr(parsed, "info", None)
    length = getattr(info, "length", 0) or 0
    if parsed is None or length <= 0:
        refuse(UploadRefused, "The audio cannot be played: its container or frames are not valid.",
                "Audio ini tidak dapat diputar: wadah atau bingkai datanya tidak valid.")
    if found == "video/mp4":
        # An MP4 that mutagen reads as audio only is an M4A with another brand.
        if not str(getattr(info, "codec", "")).startswith(("mp4a", "alac")):
            wrong_type("audio", found, "an MP3, Ogg or M4A audio file")
        found = "audio/mp4"
    return Checked(found, data, duration=round(length, 2))


# --- 3D models ----------------------------------------------------------------

_JSON_CHUNK = 0x4E4F534A  # later chunks (BIN, extensions) are the viewer's business


def check_glb(data: bytes, found: str | None) -> Checked:
    """A self-contained binary glTF 2.0: header, chunk table and JSON checked."""
    if found != "model/gltf-binary":
        wrong_type("model3d", found, "a GLB 3D model (binary glTF 2.0)")
    bad = ("The GLB file is not valid: {}.", "Berkas GLB tidak valid: {}.")

    def fail(why_en: str, why_id: str):
        refuse(UploadRefused, bad[0].format(why_en), bad[1].format(why_id))

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


def check_usdz(data: bytes, found: str | None) -> Checked:
    """A USDZ package: a stored (uncompressed) zip led by a USD layer."""
    if found != "application/zip":
        wrong_type("usdz", found, "a USDZ model (for iPhone AR)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile:
        infos = []
    if not infos or not infos[0].filename.lower().endswith((".usda", ".usdc", ".usd")):
        refuse(UploadRefused, "A USDZ must start with a USD layer (.usda/.usdc).",
                "USDZ harus diawali lapisan USD (.usda/.usdc).")
    for info in infos:
        # USDZ files are stored, never compressed, and may not point outside themselves.
        if info.compress_type != zipfile.ZIP_STORED or info.filename.startswith("/") or ".." in info.filename.split("/"):
            refuse(UploadRefused, "This USDZ is not a valid package (compressed or escaping entries).",
                    "USDZ ini bukan paket yang valid (entri terkompresi atau keluar dari paket).")
    return Checked("model/vnd.usdz+zip", data)
