"""CSV exports from library systems and spreadsheets to ``BookRecord``s.

Columns are recognised by their usual names in English and Indonesian;
``--map column=field`` names the rest. What spreadsheets break is repaired
and reported (ISBNs that lost leading zeros or were turned into floats,
double-encoded UTF-8)."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from flask_babel import lazy_gettext as _l, lazy_ngettext

from . import cleaning, slims_export
from .records import BookRecord, ItemRecord

FIELDS = (
    "title", "subtitle", "authors", "isbn", "year", "publisher", "language", "summary", "subjects",
    "call_number", "cover_url", "control_number", "audience", "barcode", "location",
)

ALIASES = {
    "title": ["title", "judul", "judul buku", "nama buku", "book title"],
    "subtitle": ["subtitle", "anak judul", "sub judul", "subjudul"],
    "authors": ["author", "authors", "pengarang", "penulis", "pengarang utama", "creator", "creators", "nama pengarang"],
    "isbn": ["isbn", "isbn10", "isbn 10", "isbn13", "isbn 13", "isbn issn", "isbn/issn", "no isbn", "nomor isbn"],
    "year": ["year", "tahun", "tahun terbit", "publication year", "publish year", "original publication year",
             "publish date", "tanggal terbit", "date", "thn terbit", "first published", "tahun terbit pertama",
             "terbit pertama"],
    "publisher": ["publisher", "penerbit", "nama penerbit", "extra penerbit"],
    "language": ["language", "bahasa", "language code", "language id", "lang"],
    "summary": ["description", "deskripsi", "summary", "ringkasan", "sinopsis", "synopsis", "abstract", "abstrak", "blurb"],
    "subjects": ["subject", "subjects", "subjek", "topic", "topics", "topik", "genre", "genres", "category", "kategori",
                 "tags", "kata kunci", "keywords"],
    "call_number": ["call number", "call no", "nomor panggil", "no panggil", "callnumber"],
    "cover_url": ["cover", "cover url", "image url", "sampul", "gambar sampul", "image"],
    "control_number": ["id", "book id", "biblio id", "record id", "control number", "nomor kontrol", "no kontrol"],
    "audience": ["audience", "pembaca", "sasaran pembaca", "target pembaca", "kelompok umur", "age group"],
    "barcode": ["barcode", "item barcode", "nomor barcode", "kode eksemplar", "item code"],
    "location": ["location", "lokasi", "rak", "shelf", "lokasi rak"],
}
_LOOKUP = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
# A book's year is its first publication when the file says it (as goodbooks'
# "original publication year"): a reprint's year would hide that two records
# are one book.
_FIRST_YEAR = ("original publication year", "first published", "tahun terbit pertama", "terbit pertama")


class ImportProblem(ValueError):
    pass


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[\s_\-./]+", " ", text).strip()


def map_columns(headers: Sequence[str], overrides: dict[str, str] | None = None) -> dict[str, list[str]]:
    """field -> the columns that feed it. Several ISBN columns all count."""
    overrides = {k.strip(): v.strip() for k, v in (overrides or {}).items()}
    unknown = set(overrides.values()) - set(FIELDS) - {"ignore"}
    if unknown:
        raise ImportProblem(_l("unknown field(s) in --map: %(value)s; known: %(value2)s",
                               value=', '.join(sorted(unknown)), value2=', '.join(FIELDS)))
    missing = set(overrides) - set(headers)
    if missing:
        raise ImportProblem(_l("--map names column(s) not in the file: %(value)s", value=', '.join(sorted(missing))))
    mapping: dict[str, list[str]] = {}
    for header in headers:
        field = overrides.get(header) or _LOOKUP.get(_key(header))
        if field and field != "ignore":
            mapping.setdefault(field, []).append(header)
    if "year" in mapping:
        mapping["year"].sort(key=lambda column: _key(column) not in _FIRST_YEAR)
    # Scrapers keep an unparsed twin ("language_raw"): use it only for a
    # field no other column feeds.
    for header in headers:
        base = re.sub(r" (raw|asli|mentah)$", "", _key(header))
        field = _LOOKUP.get(base) if base != _key(header) and header not in overrides else None
        if field and field not in mapping:
            mapping[field] = [header]
    return mapping


def decode(data: bytes, notes: list[str]) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(_l("the file is not UTF-8 (byte %(start)s); read as Windows-1252", start=exc.start))
        return data.decode("cp1252", errors="replace")


def read(path: Path, overrides: dict[str, str] | None = None, source: str | None = None):
    """Yield ``(position, label, BookRecord | Exception)`` per data row.
    Problems with the whole file (no title column) raise ``ImportProblem``."""
    file_notes: list[str] = []
    text = decode(Path(path).read_bytes(), file_notes)
    shape = slims_export.detect(text) if not overrides else None
    if shape is not None:
        yield from slims_export.read(text, shape, file_notes)
        return
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    headers = reader.fieldnames or []
    mapping = map_columns(headers, overrides)
    if "title" not in mapping:
        raise ImportProblem(
            _l("no title column among: %(value)s; name it with --map COLUMN=title", value=', '.join(headers))
        )
    # The file's name is not part of a record's identity: the same export saved
    # under another name must match the same books. Two systems' ids are told
    # apart by naming the source (--source / the form's field).
    namespace = source or DEFAULT_SOURCE
    for number, row in enumerate(reader, start=1):
        position = _l("row %(number)s (line %(line_num)s)", number=number, line_num=reader.line_num)
        try:
            record = to_book_record(row, mapping, namespace)
            if number == 1:
                record.notes[:0] = file_notes
            yield position, record.title or "", record
        except Exception as exc:  # noqa: BLE001 - reported per row
            yield position, "", ImportProblem(str(exc) or exc.__class__.__name__)


DEFAULT_SOURCE = "default"


def count_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return max(0, sum(1 for _ in fh) - 1)


def to_book_record(row: dict, mapping: dict[str, list[str]], namespace: str) -> BookRecord:
    notes: list[str] = []

    def cell(field: str) -> str | None:
        for column in mapping.get(field, []):
            value = row.get(column)
            if value is not None and value.strip():
                fixed, repaired = cleaning.fix_mojibake(value)
                if repaired:
                    notes.append(_l("%(column)s: double-encoded text repaired (%(value)s -> %(fixed)s)",
                                    column=column, value=repr(value), fixed=repr(fixed)))
                return cleaning.clean_text(fixed)
        return None

    if None in row:
        notes.append(lazy_ngettext("%(num)d extra cell beyond the header ignored",
                                   "%(num)d extra cells beyond the header ignored", len(row[None])))
    record = BookRecord(notes=notes)
    record.title = cleaning.strip_isbd(cell("title"))
    record.subtitle = cleaning.strip_isbd(cell("subtitle"))
    record.authors = cleaning.split_names(cell("authors"))
    record.publisher = cell("publisher")
    record.year = cleaning.year_of(cell("year"))
    record.language = cleaning.language_code(cell("language"))
    record.summary = cell("summary")
    record.subjects = cleaning.split_terms(cell("subjects"))
    record.call_number = cell("call_number")
    record.audience = cleaning.audience_of(cell("audience"))
    cover = cell("cover_url")
    record.cover_url = cover if cover and cover.startswith(("http://", "https://")) else None
    control = cell("control_number")
    if control:
        record.control_number = f"csv:{namespace}:{control}"[:120]
    record.isbns = _isbns(row, mapping.get("isbn", []), notes)
    barcode = cell("barcode")
    # "<B0001><B0002>": several copies in one cell, as SLiMS exports them.
    for code in (slims_export.split_values(barcode) if slims_export.is_angled(barcode) else [barcode] if barcode else []):
        record.items.append(ItemRecord(barcode=code, location=cell("location"), call_number=record.call_number))
    return record


def _isbns(row: dict, columns: list[str], notes: list[str]) -> list[str]:
    cells = [(c, (row.get(c) or "").strip()) for c in columns]
    cells = [(c, v) for c, v in cells if v]
    # An ISBN-10 on the row helps rebuild an ISBN-13 a spreadsheet rounded.
    plain = [cleaning.parse_isbn(v, []) for _, v in cells]
    sibling = next((p for p in plain if p), None)
    found: list[str] = []
    for _, value in cells:
        for part in re.split(r"\s*[;|,/]\s*(?=\d)", value):
            isbn13 = cleaning.parse_isbn(part, notes, sibling_isbn13=sibling)
            if isbn13 and isbn13 not in found:
                found.append(isbn13)
    return found
