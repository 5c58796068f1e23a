"""EPUB checked as the EPUB Open Container Format (OCF 3.3) describes it,
strictly, before any reader opens it:

- the zip itself (``zips``): the entry count read from the end record before
  parsing, names that stay inside the package (UTF-8, relative, no ``..``,
  no backslashes or drive letters, none of the characters OCF forbids, no
  two equal once case is folded), local headers agreeing with the
  directory, entries one after another from the first byte and nothing
  after the end record (no polyglots), stored or deflated, never encrypted
  or symbolic links;
- a zip bomb cannot get through: the sizes the directory claims are added
  up first (``MAX_TOTAL``), an entry that claims to inflate more than
  ``MAX_RATIO`` times is refused, and every entry is then inflated within
  its claimed size (zipfile stops there) with its CRC checked;
- ``mimetype`` first, stored, without an extra field, holding exactly
  ``application/epub+zip`` (what readers sniff at byte 30);
- ``META-INF/container.xml`` naming the package document (OPF), which must
  exist: a ``package`` with a title, a manifest whose every local item is in
  the package and a spine of manifest items;
- no scripts (none are needed to read a book): no JavaScript files or
  manifest items, no ``scripted`` property, and no ``<script>``, event
  handler attributes, ``javascript:`` URLs or embedded frames and objects in
  any XHTML, HTML or SVG document; no remote resources; XML with no DTD
  entities (no "billion laughs")."""
from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from typing import NoReturn
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from flask_babel import lazy_gettext as _l

from . import zips
from .base import MB, Checked, UploadRefused, refuse, wrong_type

MAX_ENTRIES = 10_000
MAX_TOTAL = 256 * MB  # inflated bytes of all entries
MAX_RATIO = 200  # an entry inflating more than this many times its stored size is a bomb, not a book
MAX_XML = 8 * MB  # container.xml, the OPF, each content document
MIMETYPE = b"application/epub+zip"
OPF_TYPE = "application/oebps-package+xml"
_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
       "dc": "http://purl.org/dc/elements/1.1/"}
# OCF 3.3 §4.1.3: characters a file name may not contain.
_OCF_NAME = re.compile(r'[^\x00-\x1f\x7f"*:<>?\\|]+')
_MARKUP = (".xhtml", ".html", ".htm", ".xml", ".svg", ".opf", ".ncx", ".smil")
_ACTIVE = re.compile(rb"<\s*(?:[a-z0-9_-]+:)?(script|iframe|frame|object|embed|applet|form|base)\b"
                     rb"|<[^>]*\son[a-z]+\s*=|http-equiv\s*=\s*[\"']?\s*refresh", re.IGNORECASE)
# Script URLs in attributes, looked for once character references are decoded and the tabs and
# newlines a browser drops from URLs are gone (``&#106;ava&#x09;script:``).
# Resources fetched from the internet when a page is shown (a reader's privacy; a
# tracking pixel): remote src=, <link href=>, and url()/@import in CSS. Links stay.
_REMOTE = re.compile(rb"\bsrc\s*=\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:)?//|<\s*link\b[^>]*\bhref\s*=\s*[\"']?\s*"
                     rb"(?:[a-z][a-z0-9+.-]*:)?//|\bxlink:href\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)
_REMOTE_CSS = re.compile(rb"url\(\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"=[\"']?(?:(?:java|vb)script:|data:text/html)", re.IGNORECASE)
_SCRIPT_TYPES = ("application/javascript", "text/javascript", "application/ecmascript", "text/ecmascript",
                 "application/x-javascript", "module")


def _bad(reason) -> NoReturn:
    """Refuse the file; ``reason`` is an ``_l()`` message, worded in the page's language."""
    refuse(UploadRefused, _l("This EPUB is not a valid e-book: %(reason)s.", reason=reason))
    raise AssertionError("refuse() raises")  # for the type checker


def _xml(data: bytes, what: str) -> ElementTree.Element:
    """Parse a small XML document that may declare no entities."""
    if len(data) > MAX_XML:
        _bad(_l("%(what)s is too large", what=what))
    if re.search(rb"<!\s*(ENTITY|DOCTYPE[^>]*\[)", data, re.IGNORECASE):
        _bad(_l("%(what)s declares XML entities", what=what))
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError):
        _bad(_l("%(what)s is not well-formed XML", what=what))


def _entries(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip, its entries checked for names, sizes and layout before anything is inflated."""
    count = zips.entry_count(data, _bad, MAX_ENTRIES)
    if count > MAX_ENTRIES:
        _bad(_l("it has about %(count)s files; at most %(max_entries)s are accepted", count=format(count, ','),
                max_entries=format(MAX_ENTRIES, ',')))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except UnicodeDecodeError:
        _bad(_l("an entry's name is not UTF-8"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, OSError):
        _bad(_l("its zip structure cannot be read"))
    zips.ends_the_file(data, _bad)
    total, spans, folded = 0, [], set()
    for info in infos:
        raw = zips.raw_name(info, _bad)
        problem = zips.name_problem(raw, info.orig_filename.rstrip("/"), _OCF_NAME) if not info.is_dir() else \
            zips.name_problem(raw, info.orig_filename.rstrip("/") or ".", _OCF_NAME)
        if problem:
            _bad(problem)
        if info.orig_filename.rstrip("/").endswith("."):
            _bad(_l("an entry's name has characters a package may not use"))
        key = info.orig_filename.casefold()
        if key in folded:
            _bad(_l("two entries have the same name"))
        folded.add(key)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _bad(_l("an entry is compressed in a way EPUB does not allow"))
        if info.flag_bits & 0x1:
            _bad(_l("an entry is encrypted"))
        if zips.is_symlink(info):
            _bad(_l("an entry is a symbolic link"))
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            _bad(_l("its zip structure cannot be read"))
        total += info.file_size
        if total > MAX_TOTAL:
            _bad(_l("its files hold more than %(value)s MB once unpacked", value=MAX_TOTAL // MB))
        if info.file_size > 1 * MB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            _bad(_l("an entry inflates more than %(ratio)s times (a zip bomb)", ratio=MAX_RATIO))
        spans.append(zips.span(data, info, _bad))
    zips.contiguous(data, sorted(spans), _bad)
    return archive, infos


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, keep: bool = True) -> bytes:
    """An entry inflated within its claimed size (zipfile reads no further), its
    CRC checked; kept in memory only when asked (markup, at most ``MAX_XML``)."""
    if keep and info.file_size > MAX_XML:
        _bad(_l("%(what)s is too large", what=info.orig_filename))
    chunks, size = [], 0
    try:
        with archive.open(info) as entry:
            while chunk := entry.read(1 << 20):
                size += len(chunk)
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, struct.error, EOFError):
        _bad(_l("an entry is damaged (its checksum does not match)"))
    if size != info.file_size:
        _bad(_l("an entry is damaged (its checksum does not match)"))
    return b"".join(chunks)


def _mimetype(data: bytes, first: zipfile.ZipInfo) -> None:
    if first.orig_filename != "mimetype":
        _bad(_l("its first file must be “mimetype”"))
    if first.compress_type != zipfile.ZIP_STORED or first.header_offset != 0:
        _bad(_l("its “mimetype” file must be stored uncompressed at the start"))
    name_length, extra_length = struct.unpack_from("<HH", data, 26)
    if extra_length or data[30 + name_length: 30 + name_length + first.file_size] != MIMETYPE \
            or first.file_size != len(MIMETYPE):
        _bad(_l("its “mimetype” file must hold exactly application/epub+zip"))


def _href_target(base: str, href: str) -> str | None:
    """The package entry a manifest href names, or None for a remote resource."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    joined = posixpath.normpath(posixpath.join(base, path)) if path else ""
    if not path or joined.startswith("../") or joined == ".." or joined.startswith("/"):
        _bad(_l("the package document points outside the e-book"))
    return joined


def _package(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> tuple[str, dict, list[str]]:
    """(the OPF's path, manifest id -> (path, media type, properties), the spine's paths), checked."""
    container = names.get("META-INF/container.xml")
    if container is None:
        _bad(_l("META-INF/container.xml is missing"))
    root = _xml(_read(archive, container), "META-INF/container.xml")
    rootfile = root.find("c:rootfiles/c:rootfile", _NS)
    path = rootfile.get("full-path") if rootfile is not None else None
    if rootfile is None or not path or rootfile.get("media-type") != OPF_TYPE:
        _bad(_l("META-INF/container.xml names no package document"))
    if path not in names:
        _bad(_l("the package document %(path)s named by META-INF/container.xml is missing", path=path))
    opf = _xml(_read(archive, names[path]), path)
    if opf.tag != f"{{{_NS['opf']}}}package" or not (opf.get("version") or "").startswith(("2.", "3.")):
        _bad(_l("%(what)s is not an EPUB package document", what=path))
    title = opf.find("opf:metadata/dc:title", _NS)
    if title is None or not "".join(title.itertext()).strip():
        _bad(_l("its package document has no title"))
    base = posixpath.dirname(path)
    manifest: dict[str, tuple[str, str, str]] = {}
    for item in opf.findall("opf:manifest/opf:item", _NS):
        item_id, href, media = item.get("id"), item.get("href"), (item.get("media-type") or "").lower()
        properties = (item.get("properties") or "").split()
        if not item_id or not href or not media:
            _bad(_l("a manifest item has no id, href or media type"))
        if "scripted" in properties or media.split(";")[0].strip() in _SCRIPT_TYPES:
            _bad(_l("it contains scripts, which an e-book here may not have"))
        target = _href_target(base, href)
        if target is None:
            _bad(_l("it loads resources from the internet"))
        if target not in names:
            _bad(_l("the file %(path)s listed in its manifest is missing", path=target))
        manifest[item_id] = (target, media, " ".join(properties))
    spine = [manifest[ref.get("idref", "")][0] for ref in opf.findall("opf:spine/opf:itemref", _NS)
             if ref.get("idref", "") in manifest]
    if not spine or len(spine) != len(opf.findall("opf:spine/opf:itemref", _NS)):
        _bad(_l("its spine (the reading order) is empty or names missing items"))
    return path, manifest, spine


def check_epub(data: bytes, found: str | None) -> Checked:
    """An EPUB 2 or 3 e-book, checked by OCF and its package document; no scripts."""
    if found != "application/zip":
        wrong_type("ebook", found, _l("an e-book (EPUB or PDF)"))
    archive, infos = _entries(data)
    if not infos:
        _bad(_l("it is empty"))
    _mimetype(data, infos[0])
    names = {info.orig_filename: info for info in infos if not info.is_dir()}
    _path, _manifest, spine = _package(archive, names)
    for info in infos:
        if info.is_dir():
            continue
        lower = info.orig_filename.lower()
        if lower.endswith((".js", ".mjs")):
            _bad(_l("it contains scripts, which an e-book here may not have"))
        if lower.endswith(".css"):
            if _REMOTE_CSS.search(_read(archive, info)):
                _bad(_l("it loads resources from the internet"))
            continue
        markup = lower.endswith(_MARKUP) or info.orig_filename in spine or \
            any(media in ("application/xhtml+xml", "text/html", "image/svg+xml")
                for path, media, _props in _manifest.values() if path == info.orig_filename)
        # Every entry inflated once: damage and bombs stop here; markup is read for scripts.
        content = _read(archive, info, keep=markup)
        if markup:
            if _ACTIVE.search(content) or _SCRIPT_URL.search(
                    re.sub(r"[\s\x00]", "", html.unescape(content.decode("utf-8", "replace")))):
                _bad(_l("%(what)s contains scripts or embedded pages, which an e-book here may not have",
                        what=info.orig_filename))
            if _REMOTE.search(content):
                _bad(_l("it loads resources from the internet"))
            if re.search(rb"<!\s*ENTITY", content, re.IGNORECASE):
                _bad(_l("%(what)s declares XML entities", what=info.orig_filename))
    return Checked("application/epub+zip", data, notes=[f"chapters:{len(spine)}"])
