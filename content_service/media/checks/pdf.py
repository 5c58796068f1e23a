"""PDF checked before a phone's viewer opens it, with a real parser (pypdf):

- a PDF header at the first byte and ``%%EOF`` as the last thing in the file
  (nothing before or after it: no polyglots, no appended payloads);
- not encrypted (an encrypted file cannot be checked), readable by the
  parser, with 1 to ``MAX_PAGES`` pages and at most ``MAX_OBJECTS`` objects;
- no active content, looked for twice: every name in the file's bytes (with
  ``#xx`` escapes decoded, so ``/J#61vaScript`` is found too), and every
  object the cross-reference tables and object streams hold (compressed
  ones included), walked by the parser. Refused: JavaScript (``/JS``,
  ``/JavaScript``), launching programs (``/Launch``), sending or importing
  data (``/SubmitForm``, ``/ImportData``), opening other files
  (``/GoToR``, ``/GoToE``), embedded files, XFA forms, rich media, and
  actions run on opening a page or a field (``/AA``); ``/OpenAction`` only
  to go to a page. Ordinary links (``/URI`` to http, https or mailto) stay."""
from __future__ import annotations

import io
import logging
import re
from typing import NoReturn

from flask_babel import lazy_gettext as _l

from .base import Checked, UploadRefused, refuse, wrong_type

log = logging.getLogger(__name__)

MAX_PAGES = 10_000
MAX_OBJECTS = 500_000
MAX_DEPTH = 64
# Names that start something beyond showing pages: refused wherever they appear.
ACTIVE_NAMES = frozenset({
    "JS", "JavaScript", "Launch", "SubmitForm", "ImportData", "GoToR", "GoToE", "EmbeddedFile", "EmbeddedFiles",
    "XFA", "RichMedia", "RichMediaExecute", "RichMediaContent", "Rendition", "Sound", "Movie", "AA",
    "EF", "FileAttachment", "Screen",  # attached files (an /EF need not say /Type /EmbeddedFile), media screens
})
# A link (``/URI`` action) may go to a web page or an e-mail address, never run script.
_LINK_SCHEMES = ("http:", "https:", "mailto:")
_HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)[\r\n \t%]")
_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _bad(reason) -> NoReturn:
    refuse(UploadRefused, _l("This PDF cannot be accepted: %(reason)s.", reason=reason))
    raise AssertionError("refuse() raises")  # for the type checker


def _active() -> NoReturn:
    _bad(_l("it contains JavaScript, embedded files or actions that start programs"))


def _names_in_bytes(data: bytes) -> None:
    for match in _NAME.finditer(data):
        raw = match.group(1)
        name = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw
        if name.decode("latin-1") in ACTIVE_NAMES:
            _active()


def _walk(value, seen: set[tuple[int, int]], depth: int = 0) -> None:
    """Every name and key under ``value`` (the parser's objects), references followed once."""
    from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, IndirectObject, NameObject,
                               TextStringObject)

    if depth > MAX_DEPTH:
        _bad(_l("its objects are nested too deeply"))
    if isinstance(value, IndirectObject):
        key = (value.idnum, value.generation)
        if key in seen:
            return
        seen.add(key)
        _walk(value.get_object(), seen, depth + 1)
    elif isinstance(value, DictionaryObject):  # streams too: their dictionaries
        for name, item in value.items():
            if str(name).lstrip("/") in ACTIVE_NAMES:
                _active()
            if name == "/URI" and isinstance(item, (TextStringObject, ByteStringObject)):
                target = (item.decode("latin-1") if isinstance(item, bytes) else str(item)).strip().lower()
                if not target.startswith(_LINK_SCHEMES):
                    _active()
            if name == "/OpenAction":
                action = item.get_object()
                if isinstance(action, DictionaryObject) and action.get("/S") not in ("/GoTo", None):
                    _active()
            _walk(item, seen, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in value:
            _walk(item, seen, depth + 1)
    elif isinstance(value, NameObject):
        if str(value).lstrip("/") in ACTIVE_NAMES:
            _active()


def _objects(reader) -> list:
    from pypdf.generic import IndirectObject

    refs = [IndirectObject(idnum, generation, reader) for generation, table in reader.xref.items() for idnum in table]
    refs += [IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm]
    if len(refs) > MAX_OBJECTS:
        _bad(_l("it has more than %(count)s objects", count=format(MAX_OBJECTS, ",")))
    return refs


def check_pdf(data: bytes, found: str | None) -> Checked:
    """A PDF document without active content; answers its page count in ``notes``."""
    if found != "application/pdf" or not _HEADER.match(data):
        wrong_type("ebook", found, _l("an e-book (EPUB or PDF)"))
    if not data.rstrip(b"\r\n\t \x00").endswith(b"%%EOF"):
        _bad(_l("it is cut off or has data after its end"))
    _names_in_bytes(data)
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _bad(_l("it is encrypted or password-protected"))
        seen: set[tuple[int, int]] = set()
        _walk(reader.trailer, seen)
        for ref in _objects(reader):
            _walk(ref, seen)
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OSError, ArithmeticError) as exc:
        log.info("PDF refused by the parser: %s", exc)
        _bad(_l("its structure cannot be read"))
    if not 1 <= pages <= MAX_PAGES:
        _bad(_l("it has %(pages)s pages; 1 to %(max_pages)s are accepted", pages=pages, max_pages=format(MAX_PAGES, ",")))
    return Checked("application/pdf", data, notes=[f"pages:{pages}"])
