"""USDZ (the iPhone's AR Quick Look format) checked as the package the
spec describes: a zip whose entries are stored uncompressed, led by a USD
layer, with plain relative names (no ``..``, ``\\``, absolute or drive
paths, names that are not UTF-8), at most ``MAX_ENTRIES`` entries and
``MAX_TOTAL`` bytes, each entry's data inside the file and no two
overlapping. The entry count is read from the end record before the zip
is opened, so 300,000 entries are refused without parsing them."""
from __future__ import annotations

from typing import NoReturn

import io
import re
import struct
import zipfile

from flask_babel import lazy_gettext as _l

from .base import MB, Checked, UploadRefused, refuse, wrong_type

MAX_ENTRIES = 1000
MAX_TOTAL = 64 * MB  # uncompressed (stored) bytes of all entries
_EOCD = b"PK\x05\x06"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\- /()+@,]+")


def _bad(reason) -> NoReturn:
    """Refuse the package; ``reason`` is an ``_l()`` message, worded in the page's language."""
    refuse(UploadRefused, _l("This USDZ is not a valid package: %(reason)s.", reason=reason))
    raise AssertionError("refuse() raises")  # for the type checker


def _entry_count(data: bytes) -> int:
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at == -1 or at + 22 > len(data):
        _bad(_l("its zip directory is missing"))
    entries, cd_size = struct.unpack_from("<H", data, at + 10)[0], struct.unpack_from("<I", data, at + 12)[0]
    if entries == 0xFFFF:  # ZIP64: the real count is elsewhere; the directory's size still bounds it
        entries = 0
    # Each central directory entry takes at least 46 bytes: a count field that lies is caught by the size.
    return entries if entries > MAX_ENTRIES else max(entries, cd_size // 47)


def _name_problem(raw: bytes, name: str):
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return _l("an entry has an absolute or Windows path")
    if ".." in name.split("/") or any(part in ("", ".") for part in name.rstrip("/").split("/")):
        return _l("an entry's name leaves the package (..)")
    if not _SAFE_NAME.fullmatch(name) or len(raw) > 255:
        return _l("an entry's name has characters a package may not use")
    return None


def _span(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Where an entry's local header starts and its data ends."""
    at = info.header_offset
    if at + 30 > len(data) or data[at:at + 4] != b"PK\x03\x04":
        _bad(_l("an entry's local header is missing"))
    name_length, extra_length = struct.unpack_from("<HH", data, at + 26)
    if data[at + 30: at + 30 + name_length] != info.orig_filename.encode("utf-8", "replace"):
        # Some tools unpack by the local name, others by the directory's: the two must agree.
        _bad(_l("an entry's local name differs from its directory name"))
    end = at + 30 + name_length + extra_length + info.compress_size
    if info.flag_bits & 0x8:  # a data descriptor follows the data
        end += 16 if data[end:end + 4] == b"PK\x07\x08" else 12
    if end > len(data):
        _bad(_l("an entry runs past the end of the file"))
    return at, end


def _contiguous(data: bytes, spans: list[tuple[int, int]]) -> None:
    """Entries follow one another from the first byte: nothing hidden between or before them."""
    at = 0
    for start, end in spans:
        if start != at:
            _bad(_l("there are bytes between its entries that belong to none") if start > at
                 else _l("two entries overlap"))
        at = end
    if data[at:at + 4] != b"PK\x01\x02":
        _bad(_l("there are bytes between its entries and its directory"))


def check_usdz(data: bytes, found: str | None) -> Checked:
    """A USDZ package: a stored (uncompressed) zip led by a USD layer."""
    if found != "application/zip":
        wrong_type("usdz", found, _l("a USDZ model (for iPhone AR)"))
    count = _entry_count(data)
    if count > MAX_ENTRIES:
        _bad(_l("it has about %(count)s entries; at most %(max_entries)s are accepted", count=format(count, ','), max_entries=format(MAX_ENTRIES, ',')))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except UnicodeDecodeError:
        _bad(_l("an entry's name is not UTF-8"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, OSError):
        _bad(_l("its zip structure cannot be read"))
    if not infos or not infos[0].filename.lower().endswith((".usda", ".usdc", ".usd")):
        refuse(UploadRefused, _l("A USDZ must start with a USD layer (.usda/.usdc)."))
    total, spans, names = 0, [], set()
    for info in infos:
        raw = info.orig_filename.encode("utf-8", "surrogateescape") if info.flag_bits & 0x800 else \
            info.orig_filename.encode("cp437", "replace")
        if not info.flag_bits & 0x800 and any(b > 0x7F for b in raw):
            _bad(_l("an entry's name is not UTF-8"))
        problem = _name_problem(raw, info.orig_filename)
        if problem:
            _bad(problem)
        if info.filename in names:
            _bad(_l("two entries have the same name"))
        names.add(info.filename)
        # USDZ entries are stored, never compressed: a compressed one is no USDZ (and could be a zip bomb).
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            _bad(_l("an entry is compressed"))
        if info.flag_bits & 0x1:
            _bad(_l("an entry is encrypted"))
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            _bad(_l("an entry is a symbolic link"))
        total += info.file_size
        if total > MAX_TOTAL:
            _bad(_l("its entries hold more than %(value)s MB", value=MAX_TOTAL // MB))
        spans.append(_span(data, info))
    _contiguous(data, sorted(spans))
    layer = data[spans[0][1] - infos[0].file_size: spans[0][1]][:8] if spans else b""
    if not (layer.startswith(b"#usda") or layer.startswith(b"PXR-USDC")):
        _bad(_l("its first layer is neither USDA text nor USDC"))
    try:
        for info in infos:  # stored data: reading checks each CRC at little cost
            with archive.open(info) as entry:
                while entry.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, UnicodeDecodeError):
        _bad(_l("an entry is damaged (its checksum does not match)"))
    return Checked("model/vnd.usdz+zip", data)
