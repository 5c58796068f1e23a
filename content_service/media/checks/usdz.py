"""USDZ (the iPhone's AR Quick Look format) checked as the package the
spec describes: a zip whose entries are stored uncompressed, led by a USD
layer, with plain relative names (no ``..``, ``\\``, absolute or drive
paths, names that are not UTF-8), at most ``MAX_ENTRIES`` entries and
``MAX_TOTAL`` bytes, each entry's data inside the file and no two
overlapping. The entry count is read from the end record before the zip
is opened, so 300,000 entries are refused without parsing them."""
from __future__ import annotations

import io
import re
import struct
import zipfile

from .base import MB, Checked, UploadRefused, refuse, wrong_type

MAX_ENTRIES = 1000
MAX_TOTAL = 64 * MB  # uncompressed (stored) bytes of all entries
_EOCD = b"PK\x05\x06"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\- /()+@,]+")


def _bad(en: str, id_: str):
    refuse(UploadRefused, f"This USDZ is not a valid package: {en}.", f"USDZ ini bukan paket yang valid: {id_}.")


def _entry_count(data: bytes) -> int:
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at == -1 or at + 22 > len(data):
        _bad("its zip directory is missing", "direktori zip-nya tidak ada")
    entries, cd_size = struct.unpack_from("<H", data, at + 10)[0], struct.unpack_from("<I", data, at + 12)[0]
    if entries == 0xFFFF:  # ZIP64: the real count is elsewhere; the directory's size still bounds it
        entries = 0
    # Each central directory entry takes at least 46 bytes: a count field that lies is caught by the size.
    return entries if entries > MAX_ENTRIES else max(entries, cd_size // 47)


def _name_problem(raw: bytes, name: str) -> tuple[str, str] | None:
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an entry has an absolute or Windows path", "ada entri dengan path absolut atau path Windows"
    if ".." in name.split("/") or any(part in ("", ".") for part in name.rstrip("/").split("/")):
        return "an entry's name leaves the package (..)", "ada nama entri yang keluar dari paket (..)"
    if not _SAFE_NAME.fullmatch(name) or len(raw) > 255:
        return "an entry's name has characters a package may not use", "ada nama entri dengan karakter yang tidak boleh"
    return None


def _span(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Where an entry's local header starts and its data ends."""
    at = info.header_offset
    if at + 30 > len(data) or data[at:at + 4] != b"PK\x03\x04":
        _bad("an entry's local header is missing", "header lokal sebuah entri tidak ada")
    name_length, extra_length = struct.unpack_from("<HH", data, at + 26)
    if data[at + 30: at + 30 + name_length] != info.orig_filename.encode("utf-8", "replace"):
        # Some tools unpack by the local name, others by the directory's: the two must agree.
        _bad("an entry's local name differs from its directory name", "nama lokal sebuah entri berbeda dari nama di direktorinya")
    end = at + 30 + name_length + extra_length + info.compress_size
    if info.flag_bits & 0x8:  # a data descriptor follows the data
        end += 16 if data[end:end + 4] == b"PK\x07\x08" else 12
    if end > len(data):
        _bad("an entry runs past the end of the file", "ada entri yang melewati akhir berkas")
    return at, end


def _contiguous(data: bytes, spans: list[tuple[int, int]]) -> None:
    """Entries follow one another from the first byte: nothing hidden between or before them."""
    at = 0
    for start, end in spans:
        if start != at:
            _bad("there are bytes between its entries that belong to none" if start > at else "two entries overlap",
                 "ada byte di antara entri yang bukan milik entri mana pun" if start > at else "ada entri yang bertumpuk")
        at = end
    if data[at:at + 4] != b"PK\x01\x02":
        _bad("there are bytes between its entries and its directory", "ada byte di antara entri dan direktorinya")


def check_usdz(data: bytes, found: str | None) -> Checked:
    """A USDZ package: a stored (uncompressed) zip led by a USD layer."""
    if found != "application/zip":
        wrong_type("usdz", found, "a USDZ model (for iPhone AR)")
    count = _entry_count(data)
    if count > MAX_ENTRIES:
        _bad(f"it has about {count:,} entries; at most {MAX_ENTRIES:,} are accepted",
             f"berisi sekitar {count:,} entri; paling banyak {MAX_ENTRIES:,}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except UnicodeDecodeError:
        _bad("an entry's name is not UTF-8", "ada nama entri yang bukan UTF-8")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, OSError):
        _bad("its zip structure cannot be read", "struktur zip-nya tidak dapat dibaca")
    if not infos or not infos[0].filename.lower().endswith((".usda", ".usdc", ".usd")):
        refuse(UploadRefused, "A USDZ must start with a USD layer (.usda/.usdc).",
               "USDZ harus diawali lapisan USD (.usda/.usdc).")
    total, spans, names = 0, [], set()
    for info in infos:
        raw = info.orig_filename.encode("utf-8", "surrogateescape") if info.flag_bits & 0x800 else \
            info.orig_filename.encode("cp437", "replace")
        if not info.flag_bits & 0x800 and any(b > 0x7F for b in raw):
            _bad("an entry's name is not UTF-8", "ada nama entri yang bukan UTF-8")
        problem = _name_problem(raw, info.orig_filename)
        if problem:
            _bad(*problem)
        if info.filename in names:
            _bad("two entries have the same name", "ada dua entri dengan nama sama")
        names.add(info.filename)
        # USDZ entries are stored, never compressed: a compressed one is no USDZ (and could be a zip bomb).
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            _bad("an entry is compressed", "ada entri yang terkompresi")
        if info.flag_bits & 0x1:
            _bad("an entry is encrypted", "ada entri yang terenkripsi")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            _bad("an entry is a symbolic link", "ada entri berupa tautan simbolik")
        total += info.file_size
        if total > MAX_TOTAL:
            _bad(f"its entries hold more than {MAX_TOTAL // MB} MB", f"isinya lebih dari {MAX_TOTAL // MB} MB")
        spans.append(_span(data, info))
    _contiguous(data, sorted(spans))
    layer = data[spans[0][1] - infos[0].file_size: spans[0][1]][:8] if spans else b""
    if not (layer.startswith(b"#usda") or layer.startswith(b"PXR-USDC")):
        _bad("its first layer is neither USDA text nor USDC", "lapisan pertamanya bukan USDA maupun USDC")
    try:
        for info in infos:  # stored data: reading checks each CRC at little cost
            with archive.open(info) as entry:
                while entry.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, UnicodeDecodeError):
        _bad("an entry is damaged (its checksum does not match)", "ada entri yang rusak (checksum tidak cocok)")
    return Checked("model/vnd.usdz+zip", data)
