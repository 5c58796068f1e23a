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
import struct
import zipfile

from flask_babel import lazy_gettext as _l

from . import zips
from .base import MB, Checked, UploadRefused, refuse, wrong_type

MAX_ENTRIES = 1000
MAX_TOTAL = 64 * MB  # uncompressed (stored) bytes of all entries


def _bad(reason) -> NoReturn:
    """Refuse the package; ``reason`` is an ``_l()`` message, worded in the page's language."""
    refuse(UploadRefused, _l("This USDZ is not a valid package: %(reason)s.", reason=reason))
    raise AssertionError("refuse() raises")  # for the type checker


def check_usdz(data: bytes, found: str | None) -> Checked:
    """A USDZ package: a stored (uncompressed) zip led by a USD layer."""
    if found != "application/zip":
        wrong_type("usdz", found, _l("a USDZ model (for iPhone AR)"))
    count = zips.entry_count(data, _bad, MAX_ENTRIES)
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
        raw = zips.raw_name(info, _bad)
        problem = zips.name_problem(raw, info.orig_filename)
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
        if zips.is_symlink(info):
            _bad(_l("an entry is a symbolic link"))
        total += info.file_size
        if total > MAX_TOTAL:
            _bad(_l("its entries hold more than %(value)s MB", value=MAX_TOTAL // MB))
        spans.append(zips.span(data, info, _bad))
    zips.contiguous(data, sorted(spans), _bad)
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
