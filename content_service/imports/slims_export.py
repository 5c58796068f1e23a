"""SLiMS's own CSV export (Bibliography > Export, ``export.php``), read by
its shape, with or without the header row SLiMS offers as an option.

What SLiMS writes, and what this module undoes:
- 18 columns in a fixed order (``COLUMNS``); the optional header ends with
  one separator too many.
- Every cell enclosed (``"`` by default), but quotes inside a cell are not
  doubled: a line is split on encloser-separator-encloser, not by the csv
  module, so ``"Buku "Pintar" Anak"`` stays whole.
- Several values in one cell as ``<a><b>``: authors ("<Hirata, Andrea>"),
  topics and item codes.
- Line breaks inside notes lose their backslash on the way out ("\\r\\n"
  becomes "rn"); they are turned back into a space where that is certain
  (after a full stop, before a capital)."""
from __future__ import annotations

import re

from . import cleaning
from .records import BookRecord, ItemRecord

COLUMNS = (
    "title", "gmd_name", "edition", "isbn_issn", "publisher_name", "publish_year", "collation", "series_title",
    "call_number", "language_name", "place_name", "classification", "notes", "image", "sor",
    "authors", "topics", "item_code",
)
MULTI = ("authors", "topics", "item_code")
_ANGLED = re.compile(r"^(?:<[^<>]*>)+$")
_LOST_BREAK = re.compile(r"([.!?:;])(?:rn|n|r)+(?=[A-Z0-9\"'(])")
# SLiMS's general material designations (mst_gmd), as the export names them.
GMD_NAMES = {
    "text", "art original", "chart", "computer software", "diorama", "filmstrip", "flash card", "game", "globe",
    "kit", "map", "microform", "manuscript", "model", "motion picture", "microscope slide", "music", "picture",
    "realia", "slide", "sound recording", "technical drawing", "transparency", "video recording", "equipment",
    "computer file", "cartographic material", "cd-rom", "multimedia", "electronic resource", "digital versatile disc",
}


def split_values(cell: str | None) -> list[str]:
    """``<Hirata, Andrea><Toer, Pramoedya Ananta>`` -> the two names."""
    text = (cell or "").strip()
    if not text:
        return []
    return [v for v in (cleaning.clean_text(p) for p in re.findall(r"<([^<>]*)>", text)) if v]


def is_angled(cell: str | None) -> bool:
    return bool(_ANGLED.match((cell or "").strip()))


def split_title(text: str | None) -> tuple[str | None, str | None]:
    """SLiMS keeps one title field, ISBD-punctuated: "Sang pemimpi : novel" ->
    ("Sang pemimpi", "novel"); a statement of responsibility after " / " is
    dropped (SLiMS has it in ``sor``)."""
    value = cleaning.clean_text(text)
    if not value:
        return None, None
    value = value.split(" / ", 1)[0]
    main, sep, rest = value.partition(" : ")
    return cleaning.strip_isbd(main), (cleaning.strip_isbd(rest) if sep else None)


def _split_line(line: str, enc: str, sep: str) -> list[str] | None:
    body = line.rstrip("\r\n")
    if body.endswith(enc + sep):
        body = body[: -len(sep)]  # the header row's extra separator
    if len(body) < 2 or not (body.startswith(enc) and body.endswith(enc)):
        return None
    return body[len(enc):-len(enc)].split(enc + sep + enc)


def _shape(lines: list[str]) -> tuple[str, str] | None:
    first = lines[0]
    enc = first[:1]
    if enc not in ('"', "'"):
        return None
    for sep in (",", ";", "\t", "|"):
        if all((_split_line(line, enc, sep) or []).__len__() == len(COLUMNS) for line in lines):
            return enc, sep
    return None


def detect(text: str) -> tuple[str, str, bool] | None:
    """(encloser, separator, has_header) when ``text`` is a SLiMS export."""
    lines = [line for line in re.split(r"\r\n|\n|\r", text) if line.strip()][:50]
    if not lines:
        return None
    shape = _shape(lines)
    if shape is None:
        return None
    enc, sep = shape
    rows = [_split_line(line, enc, sep) for line in lines]
    header = [c.strip().lower() for c in rows[0]] == list(COLUMNS)
    data = rows[1:] if header else rows
    if header:
        return enc, sep, True
    multi = [row[COLUMNS.index(name)] for row in data for name in MULTI]
    if not all(not cell.strip() or is_angled(cell) for cell in multi):
        return None
    gmd_known = all(not row[1].strip() or row[1].strip().lower() in GMD_NAMES for row in data)
    if any(cell.strip() for cell in multi) or gmd_known:
        return enc, sep, False
    return None


def read(text: str, shape: tuple[str, str, bool], file_notes: list[str]):
    """Yield ``(position, label, BookRecord | Exception)`` per record."""
    enc, sep, header = shape
    number = 0
    for line_number, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if not line.strip():
            continue
        cells = _split_line(line, enc, sep)
        if header and line_number == 1:
            continue
        number += 1
        position = f"row {number} (line {line_number})"
        if cells is None or len(cells) != len(COLUMNS):
            yield position, "", ValueError(f"not {len(COLUMNS)} enclosed cells as SLiMS writes them")
            continue
        record = to_book_record(dict(zip(COLUMNS, cells, strict=True)))
        if number == 1:
            record.notes[:0] = [*file_notes, "read as a SLiMS export" + (" (with header)" if header else " (no header)")]
        yield position, record.title or "", record


def to_book_record(row: dict[str, str]) -> BookRecord:
    notes: list[str] = []

    def cell(name: str) -> str | None:
        value, repaired = cleaning.fix_mojibake(row.get(name) or "")
        if repaired:
            notes.append(f"{name}: double-encoded text repaired")
        return cleaning.clean_text(value)

    record = BookRecord(notes=notes)
    record.title, record.subtitle = split_title(cell("title"))
    record.authors = split_values(row.get("authors"))
    record.subjects = split_values(row.get("topics"))
    record.publisher = cell("publisher_name")
    record.year = cleaning.year_of(cell("publish_year"))
    record.language = cleaning.language_code(cell("language_name"))
    record.call_number = cell("call_number")
    summary = cell("notes")
    if summary and _LOST_BREAK.search(summary):
        summary = _LOST_BREAK.sub(r"\1 ", summary)
        notes.append("notes: line breaks SLiMS's export turned into 'rn' restored")
    record.summary = summary
    isbn = cell("isbn_issn")
    if isbn and not re.fullmatch(r"\d{4}-?\d{3}[\dXx]", isbn):  # an ISSN is not an ISBN
        found = cleaning.parse_isbn(isbn, notes)
        record.isbns = [found] if found else []
    record.items = [ItemRecord(barcode=code, call_number=record.call_number) for code in split_values(row.get("item_code"))]
    return record
