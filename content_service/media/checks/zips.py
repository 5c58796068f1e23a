"""What a zip-based upload (USDZ, EPUB) is checked for before and while it
is opened, whatever the format inside: the entry count read from the end
record before parsing, entry names (UTF-8, relative, no ``..``, no
backslashes or drive letters), each entry's local header agreeing with the
directory, entries laid one after another from the first byte with nothing
hidden between them, and the end record ending the file. Each function
takes ``bad``, the format's own refusal (its message names the format)."""
from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable
from typing import NoReturn

from flask_babel import lazy_gettext as _l

Bad = Callable[..., NoReturn]
EOCD = b"PK\x05\x06"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\- /()+@,]+")


def entry_count(data: bytes, bad: Bad, max_entries: int) -> int:
    """The number of entries the end record claims, bounded by its directory's size."""
    at = data.rfind(EOCD, max(0, len(data) - 65_557))
    if at == -1 or at + 22 > len(data):
        bad(_l("its zip directory is missing"))
    entries, cd_size = struct.unpack_from("<H", data, at + 10)[0], struct.unpack_from("<I", data, at + 12)[0]
    if entries == 0xFFFF:  # ZIP64: the real count is elsewhere; the directory's size still bounds it
        entries = 0
    # Each central directory entry takes at least 46 bytes: a count field that lies is caught by the size.
    return entries if entries > max_entries else max(entries, cd_size // 47)


def ends_the_file(data: bytes, bad: Bad) -> None:
    """The end record (and its comment) is the last thing in the file: nothing appended after it."""
    at = data.rfind(EOCD, max(0, len(data) - 65_557))
    comment = struct.unpack_from("<H", data, at + 20)[0]
    if at + 22 + comment != len(data):
        bad(_l("there are bytes after its zip directory"))


def raw_name(info: zipfile.ZipInfo, bad: Bad) -> bytes:
    """An entry's name as stored; a name that is not UTF-8 is refused."""
    if info.flag_bits & 0x800:
        return info.orig_filename.encode("utf-8", "surrogateescape")
    raw = info.orig_filename.encode("cp437", "replace")
    if any(b > 0x7F for b in raw):
        bad(_l("an entry's name is not UTF-8"))
    return raw


def name_problem(raw: bytes, name: str, safe: re.Pattern | None = _SAFE_NAME):
    """Why an entry's name may not be used, or None. ``safe``: the characters allowed (None: any but controls)."""
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return _l("an entry has an absolute or Windows path")
    if ".." in name.split("/") or any(part in ("", ".") for part in name.rstrip("/").split("/")):
        return _l("an entry's name leaves the package (..)")
    if len(raw) > 255 or (safe.fullmatch(name) is None if safe is not None
                          else any(ord(c) < 0x20 or ord(c) == 0x7F for c in name)):
        return _l("an entry's name has characters a package may not use")
    return None


def span(data: bytes, info: zipfile.ZipInfo, bad: Bad) -> tuple[int, int]:
    """Where an entry's local header starts and its data ends."""
    at = info.header_offset
    if at + 30 > len(data) or data[at:at + 4] != b"PK\x03\x04":
        bad(_l("an entry's local header is missing"))
    name_length, extra_length = struct.unpack_from("<HH", data, at + 26)
    if data[at + 30: at + 30 + name_length] != info.orig_filename.encode("utf-8", "replace") and \
            data[at + 30: at + 30 + name_length] != info.orig_filename.encode("cp437", "replace"):
        # Some tools unpack by the local name, others by the directory's: the two must agree.
        bad(_l("an entry's local name differs from its directory name"))
    method, = struct.unpack_from("<H", data, at + 8)
    flags, = struct.unpack_from("<H", data, at + 6)
    if method != info.compress_type or (flags & 0x1) != (info.flag_bits & 0x1):
        # Readers that trust the local header would unpack it another way than the directory says.
        bad(_l("an entry's local header differs from its directory entry"))
    if not info.flag_bits & 0x8:
        crc, compressed, size = struct.unpack_from("<III", data, at + 14)
        if (crc, compressed, size) != (info.CRC, info.compress_size, info.file_size) and 0xFFFFFFFF not in (compressed, size):
            bad(_l("an entry's local header differs from its directory entry"))
    end = at + 30 + name_length + extra_length + info.compress_size
    if info.flag_bits & 0x8:  # a data descriptor follows the data
        end += 16 if data[end:end + 4] == b"PK\x07\x08" else 12
    if end > len(data):
        bad(_l("an entry runs past the end of the file"))
    return at, end


def contiguous(data: bytes, spans: list[tuple[int, int]], bad: Bad) -> None:
    """Entries follow one another from the first byte: nothing hidden between or before them."""
    at = 0
    for start, end in spans:
        if start != at:
            bad(_l("there are bytes between its entries that belong to none") if start > at
                else _l("two entries overlap"))
        at = end
    if data[at:at + 4] != b"PK\x01\x02":
        bad(_l("there are bytes between its entries and its directory"))


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return (info.external_attr >> 16) & 0o170000 == 0o120000
