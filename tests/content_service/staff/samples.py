"""Real media files for upload tests, made on the spot: images with Pillow,
videos with OpenCV, audio with PyAV (FFmpeg), GLB and USDZ by their specs."""
from __future__ import annotations

import io
import json
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPT = b"<script>alert(document.cookie)</script>"


def jpeg(size=(640, 480), *, gps=True) -> bytes:
    """A JPEG photo with EXIF (camera and GPS position) like phones write."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 9"  # Model
    if gps:
        exif[0x8825] = {1: "N", 2: (1.0, 7.0, 30.0), 3: "E", 4: (104.0, 2.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def png(size=(300, 200), mode="RGB") -> bytes:
    color = (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def webp(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 160, 60)).save(out, "WEBP")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 8, 9)  # a few rows: the rest would inflate to 10 GB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def video(suffix=".mp4", frames=30, fps=10, size=(160, 120)) -> bytes:
    """A clip browsers play: H.264 in MP4 or VP8 in WebM (FFmpeg through PyAV)."""
    import av

    buffer = io.BytesIO()
    out = av.open(buffer, "w", format="mp4" if suffix == ".mp4" else "webm")
    stream = out.add_stream("libx264" if suffix == ".mp4" else "libvpx", rate=fps)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
    for i in range(frames):
        pixels = np.full((size[1], size[0], 3), (i * 8) % 255, np.uint8)
        pixels[10:40, 10 + i:40 + i] = 255  # something moves
        for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buffer.getvalue()


def video_mp4v(frames=30, fps=10, size=(160, 120)) -> bytes:
    """An MP4 with MPEG-4 Part 2 video (OpenCV's default): valid, but no browser plays it."""
    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        for i in range(frames):
            writer.write(np.full((size[1], size[0], 3), (i * 8) % 255, np.uint8))
        writer.release()
        return path.read_bytes()


def audio(fmt: str, seconds=0.5) -> bytes:
    """mp3, ogg (Opus) or m4a (AAC), a tone encoded by FFmpeg through PyAV."""
    import av

    container, codec, rate = {"mp3": ("mp3", "libmp3lame", 44100), "ogg": ("ogg", "libopus", 48000),
                              "m4a": ("ipod", "aac", 44100)}[fmt]
    buffer = io.BytesIO()
    out = av.open(buffer, "w", format=container)
    stream = out.add_stream(codec, rate=rate)
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 0.3).astype(np.float32).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
    frame.sample_rate = rate
    for packet in stream.encode(frame):
        out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buffer.getvalue()


def glb(*, gltf: dict | None = None, version=2, fix_length=True) -> bytes:
    """A binary glTF 2.0 with one triangle."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    doc = gltf or {
        "asset": {"version": "2.0", "generator": "pindai-tests"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": len(positions)}],
        "bufferViews": [{"buffer": 0, "byteLength": len(positions)}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
    }
    body = json.dumps(doc).encode()
    body += b" " * (-len(body) % 4)
    binary = positions + b"\x00" * (-len(positions) % 4)
    chunks = struct.pack("<II", len(body), 0x4E4F534A) + body + struct.pack("<II", len(binary), 0x004E4942) + binary
    length = 12 + len(chunks)
    return struct.pack("<4sII", b"glTF", version, length if fix_length else length + 100) + chunks


def usdz() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("model.usda", '#usda 1.0\ndef Xform "Root" {}\n')
    return out.getvalue()


def svg() -> bytes:
    return b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def html() -> bytes:
    return b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"


# --- e-books ------------------------------------------------------------------

EPUB_FIRST_PAGE = "Di sebuah pulau kecil bernama Belitung, sepuluh anak belajar di sekolah yang hampir roboh."


def xhtml(title: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="id">'
            f'<head><title>{title}</title><link rel="stylesheet" type="text/css" href="style.css"/></head>'
            f'<body>{body}</body></html>').encode()


def epub_entries(title: str = "Laskar Pelangi (contoh)", chapters: list[tuple[str, str]] | None = None,
                 *, extra_manifest: str = "", extra: dict[str, bytes] | None = None) -> list[tuple[str, bytes]]:
    """The files of a small real EPUB 3 (mimetype, container, OPF, nav, chapters, CSS), in order."""
    chapters = chapters or [("Bab 1", f"<h1>Bab 1</h1><p>{EPUB_FIRST_PAGE}</p>"),
                            ("Bab 2", "<h1>Bab 2</h1><p>Ikal dan Lintang berjalan ke sekolah.</p>")]
    items = "".join(f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
                    for i in range(1, len(chapters) + 1))
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(1, len(chapters) + 1))
    nav = "".join(f'<li><a href="c{i}.xhtml">{name}</a></li>' for i, (name, _b) in enumerate(chapters, start=1))
    opf = (f'<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           f'unique-identifier="uid" xml:lang="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f'<dc:identifier id="uid">urn:uuid:5f0c6f55-1d0b-4d55-9a39-1f6b7f2c2a11</dc:identifier>'
           f'<dc:title>{title}</dc:title><dc:language>id</dc:language><dc:creator>Perpustakaan Kota Batam</dc:creator>'
           f'<meta property="dcterms:modified">2026-12-01T00:00:00Z</meta></metadata><manifest>'
           f'<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           f'<item id="css" href="style.css" media-type="text/css"/>{items}{extra_manifest}</manifest>'
           f'<spine>{spine}</spine></package>').encode()
    container = (b'<?xml version="1.0"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                 b'<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                 b'</rootfiles></container>')
    files = [("mimetype", b"application/epub+zip"), ("META-INF/container.xml", container), ("OEBPS/content.opf", opf),
             ("OEBPS/nav.xhtml", xhtml("Daftar isi", f'<nav epub:type="toc"><ol>{nav}</ol></nav>')),
             ("OEBPS/style.css", b"body { font-family: serif; line-height: 1.5 }")]
    files += [(f"OEBPS/c{i}.xhtml", xhtml(name, body)) for i, (name, body) in enumerate(chapters, start=1)]
    files += list((extra or {}).items())
    return files


def zip_of(files: list[tuple[str, bytes]], *, stored_first: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(files):
            method = zipfile.ZIP_STORED if index == 0 and stored_first else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0)), data, compress_type=method)
    return out.getvalue()


def epub(title: str = "Laskar Pelangi (contoh)", chapters=None, **options) -> bytes:
    """A small real EPUB 3 whose first chapter's text is ``EPUB_FIRST_PAGE``."""
    return zip_of(epub_entries(title, chapters, **options))


def pdf(pages: int = 2, text: str = "Buku elektronik contoh") -> bytes:
    """A plain PDF (reportlab) with ``pages`` pages of text."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    for page in range(1, pages + 1):
        sheet.drawString(72, 720, f"{text}, halaman {page}")
        sheet.showPage()
    sheet.save()
    return out.getvalue()
