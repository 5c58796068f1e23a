"""Malicious upload files, made with real tools: PNG chunks with Pillow and
zlib, video and audio with FFmpeg through PyAV, GLB with struct, USDZ with
zipfile. ``CASES`` lists (name, kind, maker, class); every one must be refused.

Classes: ``png_bomb`` (chunks that inflate), ``glb_types`` (JSON of the wrong
shape), ``glb_refs`` (pointers past the data or at nothing), ``usdz_names``
(names not UTF-8, escaping, too many), ``video_pixels``, ``video_truncated``,
``audio_junk`` (executables dressed as audio), ``epub_structure`` (OCF broken:
mimetype, container, package document, names, zip bombs, polyglots),
``epub_scripts`` (scripts, handlers, frames, remote resources, entities),
``pdf_active`` (JavaScript, launch and other actions, attachments, XFA, hidden
in escaped names and compressed object streams) and ``pdf_structure``
(polyglots, cut-off files, encryption, no pages)."""
from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, PngImagePlugin

from tests.content_service.staff import samples

ELF = Path("/usr/bin/true").read_bytes() if Path("/usr/bin/true").exists() else (
    b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(40000))


# --- PNG chunks that inflate ------------------------------------------------

def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_with_chunk(kind: bytes, body: bytes, mode: str = "RGBA") -> bytes:
    """A real PNG (Pillow) with one extra chunk put right after IHDR."""
    clean = samples.png(mode=mode)
    at = 8 + 25  # signature + IHDR
    return clean[:at] + _chunk(kind, body) + clean[at:]


def _zeros(n: int) -> bytes:
    packer = zlib.compressobj(9)
    block = bytes(1 << 20)
    out = b"".join(packer.compress(block) for _ in range(n >> 20))
    return out + packer.flush()


def ztxt_bomb(megabytes=64) -> bytes:
    return png_with_chunk(b"zTXt", b"Comment\x00\x00" + _zeros(megabytes << 20))


def iccp_bomb(megabytes=64) -> bytes:
    return png_with_chunk(b"iCCP", b"sRGB\x00\x00" + _zeros(megabytes << 20))


def itxt_bomb(megabytes=64) -> bytes:
    return png_with_chunk(b"iTXt", b"Description\x00\x01\x00en\x00Deskripsi\x00" + _zeros(megabytes << 20))


def many_text_chunks(count=400, each_mb=1) -> bytes:
    """Each chunk small enough for Pillow's per-chunk limit; together hundreds of MB."""
    clean = samples.png(mode="RGBA")
    body = b"k\x00\x00" + _zeros(each_mb << 20)
    return clean[:33] + _chunk(b"zTXt", body) * count + clean[33:]


def pillow_text_bomb() -> bytes:
    """zTXt written by Pillow's own PngInfo (compressed text): 30 MB of text."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * (30 << 20), zip=True)
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (1, 2, 3, 100)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


# --- GLB --------------------------------------------------------------------

def glb_raw(doc_bytes: bytes, binary: bytes | None = None) -> bytes:
    body = doc_bytes + b" " * (-len(doc_bytes) % 4)
    chunks = struct.pack("<II", len(body), 0x4E4F534A) + body
    if binary is not None:
        binary += b"\x00" * (-len(binary) % 4)
        chunks += struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def glb_doc(doc: dict, binary: bytes | None = b"\x00" * 36) -> bytes:
    return glb_raw(json.dumps(doc).encode(), binary)


def triangle(**changes) -> dict:
    """The one-triangle document of samples.glb, with parts replaced."""
    doc = {
        "asset": {"version": "2.0"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": 36}],
        "bufferViews": [{"buffer": 0, "byteLength": 36}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
    }
    doc.update(changes)
    return doc


def deep_json(depth=100_000) -> bytes:
    return glb_raw(b'{"asset":{"version":"2.0"},"extras":' + b"[" * depth + b"]" * depth + b"}")


def indexed_triangle(index: int) -> bytes:
    """A triangle drawn by indices, one of them ``index`` (3 vertices exist)."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    indices = struct.pack("<3H", 0, 1, index) + b"\x00\x00"
    doc = triangle(
        meshes=[{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        buffers=[{"byteLength": 44}],
        bufferViews=[{"buffer": 0, "byteLength": 36}, {"buffer": 0, "byteOffset": 36, "byteLength": 6}],
        accessors=[triangle()["accessors"][0], {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"}],
    )
    return glb_doc(doc, positions + indices)


# --- USDZ -------------------------------------------------------------------

def usdz_entries(names: list[str], *, first_layer=True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        if first_layer:
            archive.writestr("model.usda", '#usda 1.0\ndef Xform "Root" {}\n')
        for name in names:
            archive.writestr(name, b"x")
    return out.getvalue()


def usdz_name_bytes(raw: bytes, *, utf8_flag=True) -> bytes:
    """A USDZ whose second entry's name is ``raw`` (same length as the placeholder)."""
    placeholder = b"Q" * len(raw)
    data = bytearray(usdz_entries([placeholder.decode()]))
    at = 0
    while (at := data.find(placeholder, at)) != -1:
        data[at:at + len(raw)] = raw
        # the general-purpose flag sits 20 (local header) or 34 (central) bytes before the name
        for back in (22, 36):
            sig = bytes(data[at - back - 4: at - back]) if at - back >= 4 else b""
            if sig in (b"PK\x03\x04", b"PK\x01\x02") and utf8_flag:
                flag_at = at - back + (2 if sig == b"PK\x03\x04" else 4)
                flags = struct.unpack_from("<H", data, flag_at)[0] | 0x800
                struct.pack_into("<H", data, flag_at, flags)
        at += len(raw)
    return bytes(data)


def usdz_symlink() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("model.usda", "#usda 1.0\n")
        link = zipfile.ZipInfo("textures/kapal.png")
        link.external_attr = (0o120777 << 16)  # a symbolic link, as `zip --symlinks` stores one
        archive.writestr(link, "/etc/passwd")
    return out.getvalue()


def usdz_hidden_bytes() -> bytes:
    """An executable between two entries, where no entry (and no directory record) claims it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("model.usda", "#usda 1.0\n")
        out.write(ELF)
        archive.start_dir = out.tell()
        archive.writestr("textures/a.png", samples.png())
    return out.getvalue()


def usdz_first(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def usdz_two_names() -> bytes:
    """The directory says textures/a.png; the local header (what many unzip tools use) says ../../a.sh."""
    data = bytearray(usdz_entries(["textures/a.png"]))
    at = data.find(b"textures/a.png")  # the first occurrence is the local header's
    data[at:at + 14] = b"../../../a.sh\x00"[:14]
    return bytes(data)


def usdz_many(count=300_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("model.usda", "#usda 1.0\n")
        for n in range(count):
            archive.writestr(f"{n:x}", b"")
    return out.getvalue()


# --- video ------------------------------------------------------------------

def video_frames(width: int, height: int, frames=1, codec="libx264", fmt="mp4", options=None,
                 container_options=None) -> bytes:
    import tempfile

    import av

    # A real file, not a buffer: faststart rewrites the file to put the index first.
    folder = tempfile.TemporaryDirectory()
    target = Path(folder.name) / f"clip.{fmt}"
    out = av.open(str(target), "w", format=fmt, options=container_options or {})
    stream = out.add_stream(codec, rate=10, options=options or {})
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    pixels = np.zeros((height, width, 3), np.uint8)
    for i in range(frames):
        pixels[:16, :16] = (i * 20) % 256
        for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    with folder:
        return target.read_bytes()


def retried(make: Callable[[], bytes], tries=3) -> Callable[[], bytes]:
    """x265 on a huge frame now and then fails to write its file on a loaded
    machine (FFmpeg: "not yet implemented"); the file itself is what we test."""
    def again() -> bytes:
        import av

        for attempt in range(tries):
            try:
                return make()
            except av.error.FFmpegError:
                if attempt == tries - 1:
                    raise
        raise AssertionError("unreachable")

    return again


def huge_frame(side=8192, codec="libx264") -> bytes:
    options = {"preset": "ultrafast"} if codec == "libx264" else {}
    return video_frames(side, side, 1, codec, options=options)


def truncated(data: bytes, keep=0.6) -> bytes:
    return data[: int(len(data) * keep)]


def faststart_clip(frames=60) -> bytes:
    """An MP4 with its index (moov) first, as web exports are: cutting it keeps the index."""
    return video_frames(320, 240, frames, container_options={"movflags": "faststart"})


def hevc_clip() -> bytes:
    return retried(lambda: video_frames(160, 120, 20, "libx265", options={"x265-params": "log-level=error"}))()


# --- audio ------------------------------------------------------------------

def id3_then(payload: bytes) -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + payload


def _synchsafe(n: int) -> bytes:
    return bytes(((n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F))


def mp3_with_frame(frame_id: bytes, body: bytes) -> bytes:
    """A real MP3 whose ID3v2.4 tag carries one frame ``frame_id`` holding ``body``."""
    song = samples.audio("mp3", seconds=2)
    own_size = ((song[6] << 21) | (song[7] << 14) | (song[8] << 7) | song[9]) + 10 if song.startswith(b"ID3") else 0
    frame = frame_id + _synchsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _synchsafe(len(frame)) + frame + song[own_size:]


def ogg_with_page(payload: bytes, *, right_checksum: bool) -> bytes:
    """A real Ogg Opus file with one more page, before its last, whose packet is ``payload``."""
    from content_service.media.checks.audio import ogg_crc

    song = samples.audio("ogg", seconds=3)
    last = song.rfind(b"OggS")
    serial, sequence = struct.unpack_from("<II", song, last + 14)
    lacing = [255] * (len(payload) // 255) + [len(payload) % 255]
    pages = b""
    for start in range(0, len(lacing), 255):  # a page holds at most 255 lacing values
        part = lacing[start:start + 255]
        body = payload[start * 255: start * 255 + sum(part)]
        header = bytearray(b"OggS\x00" + (b"\x01" if start else b"\x00") + struct.pack("<qII", -1, serial, sequence)
                           + bytes(4) + bytes([len(part)]) + bytes(part))
        struct.pack_into("<I", header, 22, ogg_crc(bytes(header) + body) if right_checksum else 0x12345678)
        pages += bytes(header) + body
    return song[:last] + pages + song[last:]


def m4a_faststart(seconds=2) -> bytes:
    """AAC in an M4A with its index first (iTunes, most phone recorders)."""
    import tempfile

    import av

    folder = tempfile.TemporaryDirectory()
    target = Path(folder.name) / "a.m4a"
    out = av.open(str(target), "w", format="ipod", options={"movflags": "faststart"})
    stream = out.add_stream("aac", rate=44100)
    t = np.arange(44100 * seconds) / 44100
    frame = av.AudioFrame.from_ndarray((np.sin(2 * np.pi * 330 * t) * 0.3).astype(np.float32).reshape(1, -1),
                                       format="flt", layout="mono")
    frame.sample_rate = 44100
    for packet in [*stream.encode(frame), *stream.encode(None)]:
        out.mux(packet)
    out.close()
    with folder:
        return target.read_bytes()


def m4a_with_box(kind: bytes, body: bytes) -> bytes:
    return samples.audio("m4a", seconds=2) + struct.pack(">I", 8 + len(body)) + kind + body


# --- EPUB -------------------------------------------------------------------

def epub_with(*, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = (), add=(), first=None,
              stored_first=True, extra_manifest: str = "", chapters=None) -> bytes:
    """The sample EPUB with files replaced, dropped, added (in order) or a different first file."""
    files = [(n, (replace or {}).get(n, d)) for n, d in
             samples.epub_entries(chapters=chapters, extra_manifest=extra_manifest) if n not in drop]
    files += list(add)
    if first is not None:
        files.insert(0, first)
    return samples.zip_of(files, stored_first=stored_first)


def _patch_flags(data: bytes, name: bytes, *, set_bits: int = 0, attr: int | None = None) -> bytes:
    """Set general-purpose flag bits (local and central headers) or external attributes of entry ``name``."""
    out = bytearray(data)
    at = 0
    while (at := out.find(name, at)) != -1:
        for back, sig, flag_off in ((30, b"PK\x03\x04", 6), (46, b"PK\x01\x02", 8)):
            if out[at - back: at - back + 4] == sig:
                flags = struct.unpack_from("<H", out, at - back + flag_off)[0] | set_bits
                struct.pack_into("<H", out, at - back + flag_off, flags)
                if attr is not None and sig == b"PK\x01\x02":
                    struct.pack_into("<I", out, at - back + 38, attr)
        at += len(name)
    return bytes(out)


def _rename(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rename an entry in place (same length) in both its headers."""
    assert len(old) == len(new)
    return data.replace(old, new)


def epub_mimetype_extra_field() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("mimetype")
        info.extra = struct.pack("<HH", 0xCAFE, 4) + b"\x00" * 4
        archive.writestr(info, b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in samples.epub_entries()[1:]:
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def epub_bomb(megabytes=300) -> bytes:
    """An image entry of zeros that inflates a thousand times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(samples.epub_entries()):
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if index == 0 else zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("OEBPS/cover.png")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            chunk = bytes(1 << 20)
            for _ in range(megabytes):
                entry.write(chunk)
    return out.getvalue()


def epub_lying_size() -> bytes:
    """The directory says a chapter is 10 bytes; it inflates to far more (readers trusting either disagree)."""
    big = b"<p>" + b"a" * 400_000 + b"</p>"
    data = bytearray(epub_with(replace={"OEBPS/c2.xhtml": samples.xhtml("Bab 2", big.decode())}))
    name = b"OEBPS/c2.xhtml"
    at = 0
    while (at := data.find(name, at)) != -1:
        if data[at - 46: at - 42] == b"PK\x01\x02":
            struct.pack_into("<I", data, at - 46 + 24, 10)  # uncompressed size
        if data[at - 30: at - 26] == b"PK\x03\x04":
            struct.pack_into("<I", data, at - 30 + 22, 10)
        at += len(name)
    return bytes(data)


def epub_many(count=20_000) -> bytes:
    return epub_with(add=[(f"OEBPS/x/{n:x}.txt", b"") for n in range(count)])


def epub_prepended() -> bytes:
    return ELF + samples.epub()


def epub_duplicate_central() -> bytes:
    """Two directory records for one local entry: the overlapping-files zip bomb's trick."""
    data = samples.epub()
    at = data.find(b"PK\x01\x02", data.find(b"OEBPS/c1.xhtml"))
    cd = data.find(b"PK\x01\x02")
    eocd = data.rfind(b"PK\x05\x06")
    record_end = data.find(b"PK\x01\x02", cd + 4)
    first = data[cd:record_end]  # the mimetype's record
    twin = first.replace(b"mimetype", b"mimetypf")
    entries, size = struct.unpack_from("<HI", data, eocd + 10)[0], struct.unpack_from("<I", data, eocd + 12)[0]
    tail = bytearray(data[eocd:])
    struct.pack_into("<HHI", tail, 8, entries + 1, entries + 1, size + len(twin))
    del at
    return data[:eocd] + twin + bytes(tail)


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
                  "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) +
                  ']><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata/></package>').encode()


# --- PDF --------------------------------------------------------------------

def raw_pdf(objects: list[bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF written by hand: ``objects`` numbered from 1, a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d " % (len(objects) + 1) + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PAGES = [b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]


def pdf_catalog(extra: bytes, *more: bytes) -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>", *PAGES, *more])


def pdf_page_with(extra: bytes, *more: bytes, catalog: bytes = b"") -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>", PAGES[0],
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + extra + b" >>", *more])


def pdf_js_in_object_stream() -> bytes:
    """The JavaScript action compressed inside an object stream: its names are nowhere in the file's bytes."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in ((1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"), (2, PAGES[0]), (3, PAGES[1])):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    inner = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    head = b"4 0 "
    packed = zlib.compress(head + inner)
    offsets[5] = len(out)
    out += (b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(head), len(packed)) + packed + b"\nendstream\nendobj\n")
    offsets[6] = len(out)
    rows = b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"
    for number in range(1, 7):
        if number == 4:
            rows += b"\x02" + (5).to_bytes(4, "big") + (0).to_bytes(2, "big")
        else:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
    out += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(rows)
            + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6])
    return bytes(out)


def pdf_encrypted() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.pdf(1))))
    writer.encrypt("rahasia", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def epub2_with_ncx() -> bytes:
    """An EPUB 2 as older tools write it: XHTML 1.1 doctype, an NCX, http-equiv Content-Type, a PNG."""
    chapter = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
               '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
               '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/><title>Bab 1</title></head>'
               '<body><p>JavaScript: panduan singkat. Tulis &lt;script&gt; di halaman web.</p>'
               '<img src="gambar.png" alt="peta"/><a href="https://perpustakaan.batam.go.id/">situs</a></body></html>')
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Buku EPUB 2</dc:title>'
           '<dc:identifier id="id">isbn:9786020331607</dc:identifier><dc:language>id</dc:language></metadata>'
           '<manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
           '<item id="c1" href="bab%201.xhtml" media-type="application/xhtml+xml"/>'
           '<item id="img" href="gambar.png" media-type="image/png"/></manifest>'
           '<spine toc="ncx"><itemref idref="c1"/></spine></package>')
    ncx = ('<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/>'
           '<docTitle><text>Buku EPUB 2</text></docTitle><navMap><navPoint id="n1" playOrder="1">'
           '<navLabel><text>Bab 1</text></navLabel><content src="bab%201.xhtml"/></navPoint></navMap></ncx>')
    container = (b'<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                 b'<rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>'
                 b'</container>')
    return samples.zip_of([("mimetype", b"application/epub+zip"), ("META-INF/", b""),
                           ("META-INF/container.xml", container), ("content.opf", opf.encode()),
                           ("toc.ncx", ncx.encode()), ("bab 1.xhtml", chapter.encode()), ("gambar.png", samples.png())])


JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\(document.cookie\\)) >>"

CASES: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("zTXt bomb", "image", ztxt_bomb, "png_bomb"),
    ("iCCP bomb", "image", iccp_bomb, "png_bomb"),
    ("iTXt bomb", "ar_overlay", itxt_bomb, "png_bomb"),
    ("400 zTXt chunks of 1 MB", "image", many_text_chunks, "png_bomb"),
    ("Pillow zTXt of 30 MB", "ar_overlay", pillow_text_bomb, "png_bomb"),
    ("iCCP bomb as overlay", "ar_overlay", lambda: iccp_bomb(16), "png_bomb"),
    ("GLB uri is a number", "model3d", lambda: glb_doc(triangle(buffers=[{"byteLength": 36, "uri": 5}])), "glb_types"),
    ("GLB asset is a string", "model3d", lambda: glb_doc({"asset": "2.0"}), "glb_types"),
    ("GLB buffers not a list", "model3d", lambda: glb_doc(triangle(buffers={"uri": "x"})), "glb_types"),
    ("GLB buffers a number", "model3d", lambda: glb_doc(triangle(buffers=7)), "glb_types"),
    ("GLB images not objects", "model3d", lambda: glb_doc(triangle(images=["a.png"])), "glb_types"),
    ("GLB JSON a list", "model3d", lambda: glb_raw(b"[1, 2]"), "glb_types"),
    ("GLB deep nesting", "model3d", deep_json, "glb_types"),
    ("GLB count a string", "model3d", lambda: glb_doc(triangle(accessors=[{**triangle()["accessors"][0], "count": "3"}])),
     "glb_types"),
    ("GLB bufferView past the buffer", "model3d",
     lambda: glb_doc(triangle(bufferViews=[{"buffer": 0, "byteOffset": 8, "byteLength": 36}])), "glb_refs"),
    ("GLB buffer longer than the BIN chunk", "model3d",
     lambda: glb_doc(triangle(buffers=[{"byteLength": 1 << 20}], bufferViews=[{"buffer": 0, "byteLength": 1 << 20}])),
     "glb_refs"),
    ("GLB accessor past its bufferView", "model3d",
     lambda: glb_doc(triangle(accessors=[{**triangle()["accessors"][0], "count": 3000}])), "glb_refs"),
    ("GLB accessor at a missing bufferView", "model3d",
     lambda: glb_doc(triangle(accessors=[{**triangle()["accessors"][0], "bufferView": 4}])), "glb_refs"),
    ("GLB bufferView at a missing buffer", "model3d",
     lambda: glb_doc(triangle(bufferViews=[{"buffer": 2, "byteLength": 36}])), "glb_refs"),
    ("GLB mesh attribute at a missing accessor", "model3d",
     lambda: glb_doc(triangle(meshes=[{"primitives": [{"attributes": {"POSITION": 9}}]}])), "glb_refs"),
    ("GLB no BIN chunk", "model3d", lambda: glb_doc(triangle(), binary=None), "glb_refs"),
    ("GLB index out of range", "model3d", lambda: indexed_triangle(70), "glb_refs"),
    ("GLB texture at a missing image", "model3d", lambda: glb_doc(triangle(textures=[{"source": 3}])), "glb_refs"),
    ("GLB node at a missing mesh", "model3d", lambda: glb_doc(triangle(nodes=[{"mesh": 5}])), "glb_refs"),
    ("GLB stride shorter than an element", "model3d",
     lambda: glb_doc(triangle(bufferViews=[{"buffer": 0, "byteLength": 36, "byteStride": 4}])), "glb_refs"),
    ("GLB negative offset", "model3d",
     lambda: glb_doc(triangle(bufferViews=[{"buffer": 0, "byteOffset": -4, "byteLength": 36}])), "glb_refs"),
    ("USDZ name not UTF-8", "usdz", lambda: usdz_name_bytes(b"\xff\xfe\xfd.usda"), "usdz_names"),
    ("USDZ backslash escape", "usdz", lambda: usdz_entries(["..\\..\\evil.usda"]), "usdz_names"),
    ("USDZ absolute entry", "usdz", lambda: usdz_entries(["/etc/cron.d/x"]), "usdz_names"),
    ("USDZ drive letter", "usdz", lambda: usdz_entries(["C:\\Windows\\x.dll"]), "usdz_names"),
    ("USDZ dot-dot", "usdz", lambda: usdz_entries(["a/../../x"]), "usdz_names"),
    ("USDZ 300,000 entries", "usdz", usdz_many, "usdz_names"),
    ("USDZ symbolic link", "usdz", usdz_symlink, "usdz_names"),
    ("USDZ local name differs from the directory", "usdz", usdz_two_names, "usdz_names"),
    ("USDZ bytes hidden between entries", "usdz", usdz_hidden_bytes, "usdz_names"),
    ("USDZ first layer an ELF", "usdz", lambda: usdz_first("model.usdc", ELF), "usdz_names"),
    ("video one 8192x8192 frame", "video", huge_frame, "video_pixels"),
    ("video one 4800x2700 VP8 frame in WebM", "video", lambda: video_frames(4800, 2700, 1, "libvpx", "webm",
                                                                            options={"deadline": "realtime"}),
     "video_pixels"),
    ("video one 4608x2592 HEVC frame", "video", retried(lambda: video_frames(
        4608, 2592, 1, "libx265", options={"preset": "ultrafast", "x265-params": "log-level=error"})), "video_pixels"),
    ("truncated MP4 (index first)", "video", lambda: truncated(faststart_clip()), "video_truncated"),
    ("truncated MP4 (index last)", "video", lambda: truncated(samples.video()), "video_truncated"),
    ("truncated fragmented MP4", "video", lambda: truncated(video_frames(
        320, 240, 60, container_options={"movflags": "frag_keyframe+empty_moov"})), "video_truncated"),
    ("MP4 with an ELF appended", "video", lambda: samples.video() + ELF, "video_truncated"),
    ("WebM with an ELF appended", "video", lambda: samples.video(".webm") + ELF, "video_truncated"),
    ("truncated WebM", "video", lambda: truncated(samples.video(".webm", frames=60)), "video_truncated"),
    ("ELF after an ID3 header", "audio", lambda: id3_then(ELF), "audio_junk"),
    ("ELF after MPEG sync bytes", "audio", lambda: b"\xff\xfb\x90\x64" + ELF, "audio_junk"),
    ("ELF after sync bytes behind ID3", "audio", lambda: id3_then(b"\xff\xfb\x90\x64" * 3 + ELF), "audio_junk"),
    ("MP3 with an ELF appended", "audio", lambda: samples.audio("mp3", seconds=3) + ELF, "audio_junk"),
    ("MP3 with a small ELF appended", "audio", lambda: samples.audio("mp3", seconds=3) + ELF[:2000], "audio_junk"),
    ("Ogg with an ELF appended", "audio", lambda: samples.audio("ogg", seconds=3) + ELF, "audio_junk"),
    ("M4A with an ELF appended", "audio", lambda: samples.audio("m4a", seconds=3) + ELF, "audio_junk"),
    ("MP3 with an ELF in a GEOB tag", "audio",
     lambda: mp3_with_frame(b"GEOB", b"\x00application/x-elf\x00true\x00\x00" + ELF), "audio_junk"),
    ("MP3 with a zip in a GEOB tag", "audio",
     lambda: mp3_with_frame(b"GEOB", b"\x00application/zip\x00a.zip\x00\x00" + usdz_first("a.usda", b"#usda")),
     "audio_junk"),
    ("MP3 with an ELF in a PRIV tag", "audio", lambda: mp3_with_frame(b"PRIV", b"pindai\x00" + ELF), "audio_junk"),
    ("M4A with an ELF in a udta box", "audio", lambda: m4a_with_box(b"udta", ELF), "audio_junk"),
    ("M4A with an ELF in a free box", "audio", lambda: m4a_with_box(b"free", ELF * 3), "audio_junk"),
    ("MP3 ending in sync bytes and a tiny ELF", "audio",
     lambda: samples.audio("mp3", seconds=2) + b"\xff\xfb\x90\x64" + ELF[:200], "audio_junk"),
    ("Ogg with an ELF in a page with a wrong checksum", "audio", lambda: ogg_with_page(ELF, right_checksum=False),
     "audio_junk"),
    ("Ogg with an ELF as one packet", "audio", lambda: ogg_with_page(ELF, right_checksum=True), "audio_junk"),
    ("ELF inside an MP3", "audio", lambda: (lambda a: a[:len(a) // 2] + ELF + a[len(a) // 2:])(samples.audio("mp3", 3)),
     "audio_junk"),
    ("EPUB mimetype not first", "ebook", lambda: epub_with(first=("OEBPS/a.txt", b"a")), "epub_structure"),
    ("EPUB mimetype compressed", "ebook", lambda: epub_with(stored_first=False), "epub_structure"),
    ("EPUB mimetype says zip", "ebook", lambda: epub_with(replace={"mimetype": b"application/zip"}), "epub_structure"),
    ("EPUB mimetype with an extra field", "ebook", epub_mimetype_extra_field, "epub_structure"),
    ("EPUB without META-INF/container.xml", "ebook", lambda: epub_with(drop=("META-INF/container.xml",)),
     "epub_structure"),
    ("EPUB container names no package", "ebook", lambda: epub_with(replace={"META-INF/container.xml": (
        b'<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles/></container>')}),
     "epub_structure"),
    ("EPUB without its package document", "ebook", lambda: epub_with(drop=("OEBPS/content.opf",)), "epub_structure"),
    ("EPUB package is not a package", "ebook", lambda: epub_with(replace={"OEBPS/content.opf": b"<html/>"}),
     "epub_structure"),
    ("EPUB package not XML", "ebook", lambda: epub_with(replace={"OEBPS/content.opf": ELF[:4000]}), "epub_structure"),
    ("EPUB manifest names a missing file", "ebook", lambda: epub_with(
        extra_manifest='<item id="x" href="hilang.xhtml" media-type="application/xhtml+xml"/>'), "epub_structure"),
    ("EPUB manifest href leaves the package", "ebook", lambda: epub_with(
        extra_manifest='<item id="x" href="../../../etc/passwd" media-type="text/plain"/>'), "epub_structure"),
    ("EPUB entry leaves the package", "ebook", lambda: epub_with(add=[("../../evil.xhtml", b"x")]), "epub_structure"),
    ("EPUB absolute entry", "ebook", lambda: epub_with(add=[("/etc/cron.d/x", b"x")]), "epub_structure"),
    ("EPUB backslash entry", "ebook", lambda: epub_with(add=[("..\\..\\evil.dll", b"x")]), "epub_structure"),
    ("EPUB drive letter entry", "ebook", lambda: epub_with(add=[("C:/Windows/evil.dll", b"x")]), "epub_structure"),
    ("EPUB control character in a name", "ebook", lambda: epub_with(add=[("OEBPS/a\x07.txt", b"x")]), "epub_structure"),
    ("EPUB names equal but for case", "ebook", lambda: epub_with(add=[("OEBPS/C1.xhtml", b"x")]), "epub_structure"),
    ("EPUB symbolic link", "ebook", lambda: _patch_flags(epub_with(add=[("OEBPS/link.css", b"/etc/passwd")]),
                                                         b"OEBPS/link.css", attr=0o120777 << 16), "epub_structure"),
    ("EPUB encrypted entry", "ebook", lambda: _patch_flags(epub_with(add=[("OEBPS/secret.css", b"x")]),
                                                           b"OEBPS/secret.css", set_bits=0x1), "epub_structure"),
    ("EPUB zip bomb (300 MB of zeros)", "ebook", epub_bomb, "epub_structure"),
    ("EPUB entry inflating a thousand times", "ebook", lambda: epub_bomb(60), "epub_structure"),
    ("EPUB size that lies", "ebook", epub_lying_size, "epub_structure"),
    ("EPUB 20,000 entries", "ebook", epub_many, "epub_structure"),
    ("EPUB behind an ELF", "ebook", epub_prepended, "epub_structure"),
    ("EPUB with an ELF appended", "ebook", lambda: samples.epub() + ELF, "epub_structure"),
    ("EPUB with an ELF between entries", "ebook", lambda: (lambda d: d[:d.find(b"PK\x03\x04", 10)] + ELF[:5000] + d[
        d.find(b"PK\x03\x04", 10):])(samples.epub()), "epub_structure"),
    ("EPUB two directory records for one entry", "ebook", epub_duplicate_central, "epub_structure"),
    ("EPUB local name differs from the directory", "ebook", lambda: (lambda d: d.replace(
        b"OEBPS/style.css", b"../../evil.css", 1))(samples.epub()), "epub_structure"),
    ("EPUB local header says stored, directory deflated", "ebook", lambda: (lambda d: d[:d.find(b"PK\x03\x04", 10) + 8]
        + b"\x00\x00" + d[d.find(b"PK\x03\x04", 10) + 10:])(samples.epub()), "epub_structure"),
    ("EPUB local size differs from the directory", "ebook", lambda: (lambda d: d[:d.find(b"PK\x03\x04", 10) + 22]
        + b"\x01\x00\x00\x00" + d[d.find(b"PK\x03\x04", 10) + 26:])(samples.epub()), "epub_structure"),
    ("EPUB package with a billion laughs", "ebook", lambda: epub_with(replace={"OEBPS/content.opf": BILLION_LAUGHS}),
     "epub_scripts"),
    ("EPUB chapter with a script", "ebook", lambda: epub_with(chapters=[("Bab", "<p>Halo</p><script>alert(1)</script>")]),
     "epub_scripts"),
    ("EPUB chapter with a namespaced script", "ebook", lambda: epub_with(chapters=[
        ("Bab", '<p>Halo</p><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>')]), "epub_scripts"),
    ("EPUB chapter with an onload handler", "ebook", lambda: epub_with(chapters=[
        ("Bab", '<img src="a.png" alt=""\n  onerror="alert(1)"/>')]), "epub_scripts"),
    ("EPUB chapter with a javascript: link", "ebook", lambda: epub_with(chapters=[
        ("Bab", '<a href="&#106;ava&#x09;script:alert(1)">baca</a>')]), "epub_scripts"),
    ("EPUB chapter with an iframe", "ebook", lambda: epub_with(chapters=[("Bab", '<iframe src="https://x.example/"/>')]),
     "epub_scripts"),
    ("EPUB chapter with an object", "ebook", lambda: epub_with(chapters=[("Bab", '<object data="a.swf"/>')]),
     "epub_scripts"),
    ("EPUB chapter with a meta refresh", "ebook", lambda: epub_with(chapters=[
        ("Bab", '<meta http-equiv="refresh" content="0;url=https://x.example/"/>')]), "epub_scripts"),
    ("EPUB chapter with an entity bomb", "ebook", lambda: epub_with(replace={"OEBPS/c1.xhtml": BILLION_LAUGHS}),
     "epub_scripts"),
    ("EPUB SVG with a script", "ebook", lambda: epub_with(
        extra_manifest='<item id="s" href="a.svg" media-type="image/svg+xml"/>',
        add=[("OEBPS/a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')]),
     "epub_scripts"),
    ("EPUB chapter with a tracking pixel", "ebook", lambda: epub_with(chapters=[
        ("Bab", '<p>Halo</p><img alt="" src="https://tracker.example/p.gif"/>')]), "epub_scripts"),
    ("EPUB chapter with a remote stylesheet link", "ebook", lambda: epub_with(chapters=[
        ("Bab", '<link rel="stylesheet" href="//tracker.example/a.css"/><p>Halo</p>')]), "epub_scripts"),
    ("EPUB stylesheet importing from the internet", "ebook", lambda: epub_with(
        replace={"OEBPS/style.css": b"@import url(https://tracker.example/a.css); body { color: black }"}), "epub_scripts"),
    ("EPUB with a JavaScript file", "ebook", lambda: epub_with(add=[("OEBPS/app.js", b"alert(1)")]), "epub_scripts"),
    ("EPUB manifest item of JavaScript", "ebook", lambda: epub_with(
        extra_manifest='<item id="j" href="style.css" media-type="application/javascript"/>'), "epub_scripts"),
    ("EPUB scripted chapter", "ebook", lambda: epub_with(
        extra_manifest='<item id="k" href="style.css" media-type="text/css" properties="scripted"/>'), "epub_scripts"),
    ("EPUB remote stylesheet", "ebook", lambda: epub_with(
        extra_manifest='<item id="r" href="https://tracker.example/a.css" media-type="text/css"/>'), "epub_scripts"),
    ("PDF OpenAction JavaScript", "ebook", lambda: pdf_catalog(b"/OpenAction 4 0 R", JS_ACTION), "pdf_active"),
    ("PDF JavaScript in the name tree", "ebook", lambda: pdf_catalog(
        b"/Names << /JavaScript << /Names [(a) 4 0 R] >> >>", JS_ACTION), "pdf_active"),
    ("PDF JavaScript with escaped names", "ebook", lambda: pdf_catalog(
        b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"), "pdf_active"),
    ("PDF JavaScript in an object stream", "ebook", pdf_js_in_object_stream, "pdf_active"),
    ("PDF Launch action on a link", "ebook", lambda: pdf_page_with(
        b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /Launch /F (cmd.exe) >> >>"),
     "pdf_active"),
    ("PDF page opening action", "ebook", lambda: pdf_page_with(b"/AA << /O 4 0 R >>", b"<< /S /Named /N /NextPage >>"),
     "pdf_active"),
    ("PDF embedded file", "ebook", lambda: pdf_catalog(
        b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>",
        b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length 4 >>\nstream\nMZ\x90\x00\nendstream"), "pdf_active"),
    ("PDF XFA form", "ebook", lambda: pdf_catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>",
                                                   b"<< /Length 9 >>\nstream\n<xdp:xdp>\nendstream"), "pdf_active"),
    ("PDF form submitting data", "ebook", lambda: pdf_page_with(
        b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /SubmitForm /F (https://x.example/) >> >>"),
     "pdf_active"),
    ("PDF opening another file", "ebook", lambda: pdf_catalog(b"/OpenAction << /S /GoToR /F (evil.pdf) /D [0 /Fit] >>"),
     "pdf_active"),
    ("PDF link running javascript:", "ebook", lambda: pdf_page_with(
        b"/Annots [4 0 R]", b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (javascript:alert\\(1\\)) >> >>"),
     "pdf_active"),
    ("PDF file attachment without /Type", "ebook", lambda: pdf_page_with(
        b"/Annots [4 0 R]", b"<< /Type /Annot /Rect [0 0 9 9] /FS << /F (a.exe) /E#46 << /F 5 0 R >> >> >>",
        b"<< /Length 4 >>\nstream\nMZ\x90\x00\nendstream"), "pdf_active"),
    ("PDF behind an ELF", "ebook", lambda: ELF[:3000] + samples.pdf(), "pdf_structure"),
    ("PDF with an ELF appended", "ebook", lambda: samples.pdf() + ELF, "pdf_structure"),
    ("PDF cut off", "ebook", lambda: samples.pdf()[: len(samples.pdf()) * 2 // 3], "pdf_structure"),
    ("PDF encrypted", "ebook", pdf_encrypted, "pdf_structure"),
    ("PDF without pages", "ebook", lambda: raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                                   b"<< /Type /Pages /Kids [] /Count 0 >>"]), "pdf_structure"),
    ("PDF of garbage", "ebook", lambda: b"%PDF-1.4\n" + ELF[:20000] + b"\n%%EOF\n", "pdf_structure"),
    ("ELF as an e-book", "ebook", lambda: ELF, "pdf_structure"),
]
