"""MARC 21 records (ISO 2709 binary in UTF-8 or MARC-8, MARCXML, MARC-in-JSON)
to ``BookRecord``s. Binary files are split on the record terminator and each
record is parsed alone, so one broken record never stops the rest."""
from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr
from pathlib import Path

import pymarc
from flask_babel import lazy_gettext as _l, lazy_ngettext
from pymarc import Field, Indicators, Record, Subfield

from . import cleaning
from .records import BookRecord, ItemRecord

RECORD_END = b"\x1d"
_FILLER = b"\x00\x1a\r\n \t"


class ImportProblem(ValueError):
    """A record that cannot be read, with the reason for the report."""


class NotABook(ValueError):
    """A well-formed record that is not a title (holdings, authority): it is
    reported as skipped, not failed."""

    skip = True


def sniff(data: bytes) -> str:
    head = data.lstrip(b"\xef\xbb\xbf" + _FILLER)[:200]
    if head.startswith(b"<"):
        return "marcxml"
    if head[:1] in (b"{", b"["):
        return "json"
    if head.startswith(b"=LDR"):
        return "mrk"
    return "iso2709"


def read(path: Path):
    """Yield ``(position, label, BookRecord | Exception)`` for every record."""
    data = Path(path).read_bytes()
    kind = sniff(data)
    if kind == "marcxml":
        yield from _read_xml(data)
    elif kind == "json":
        yield from _read_with(pymarc.JSONReader(data.decode("utf-8")), "record")
    elif kind == "mrk":
        yield from _read_with(pymarc.MARCMakerReader(data.decode("utf-8", "replace").replace("\r\n", "\n")), "record")
    else:
        yield from _read_binary(data)


def estimate(path: Path) -> int:
    data = Path(path).read_bytes()
    return data.count(RECORD_END) or data.count(b"<record") or data.count(b"<marc:record") or 1


def _read_binary(data: bytes):
    offset = 0
    number = 0
    for chunk in data.split(RECORD_END):
        start = offset
        offset += len(chunk) + 1
        body = chunk.lstrip(_FILLER)
        start += len(chunk) - len(body)
        if not body.strip(_FILLER):
            continue  # padding between or after records, not a record
        number += 1
        position = _l("record %(number)s (byte %(start)s)", number=number, start=start)
        try:
            record, notes = _parse_binary(body + RECORD_END)
            yield position, _title_hint(record), to_book_record(record, notes)
        except Exception as exc:  # noqa: BLE001 - every failure is reported per record
            yield position, "", _problem(exc)


def _parse_binary(raw: bytes) -> tuple[Record, list[str]]:
    notes: list[str] = []
    if len(raw) < 24 or not raw[:5].isdigit():
        raise ImportProblem(_l("the record does not start with a MARC leader"))
    declared = int(raw[:5])
    if declared != len(raw):
        notes.append(_l("leader says %(declared)s bytes, the record has %(value)s", declared=declared, value=len(raw)))
        if declared > len(raw):
            raise ImportProblem(_l("record is truncated: leader says %(declared)s bytes, only %(value)s present",
                                   declared=declared, value=len(raw)))
    leader9 = chr(raw[9])
    force_utf8 = False
    if leader9 != "a" and _is_utf8(raw):
        force_utf8 = True
        notes.append(_l("leader says MARC-8 but the bytes are UTF-8; read as UTF-8"))
    warnings_out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stderr(warnings_out):
        warnings.simplefilter("always")
        try:
            record = Record(raw, to_unicode=True, force_utf8=force_utf8, utf8_handling="strict")
        except UnicodeDecodeError:
            record = Record(raw, to_unicode=True, force_utf8=force_utf8, utf8_handling="replace")
            notes.append(_l("invalid UTF-8 bytes replaced with \ufffd"))
    if warnings_out.getvalue().strip():
        notes.append(_l("some MARC-8 characters could not be decoded"))
    if caught:
        notes.append(lazy_ngettext("%(num)d damaged subfield code read as best we could",
                                   "%(num)d damaged subfield codes read as best we could", len(caught)))
    return record, notes


def _is_utf8(raw: bytes) -> bool:
    if b"\x1b" in raw or not any(b >= 0x80 for b in raw):
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_with(reader, noun: str):
    number = 0
    try:
        for record in reader:
            number += 1
            position = f"{noun} {number}"
            if record is None:
                yield position, "", ImportProblem(_l("unreadable record"))
                continue
            try:
                yield position, _title_hint(record), to_book_record(record, [])
            except Exception as exc:  # noqa: BLE001
                yield position, "", _problem(exc)
    except Exception as exc:  # noqa: BLE001 - a reader that gives up mid-file
        yield f"{noun} {number + 1}", "", ImportProblem(_l("the rest of the file cannot be read: %(value)s",
                                                           value=_describe(exc)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xml(data: bytes):
    """MARCXML, with or without the ``marc:`` namespace. Each ``record``
    element is read on its own; malformed XML ends the file with a report of
    where."""
    number = 0
    parser = ET.iterparse(io.BytesIO(data), events=("start", "end"))
    saw_record = False
    try:
        for event, element in parser:
            if event != "end" or _local(element.tag) != "record":
                continue
            saw_record = True
            number += 1
            position = _l("record %(number)s", number=number)
            try:
                record = _xml_record(element)
                yield position, _title_hint(record), to_book_record(record, [])
            except Exception as exc:  # noqa: BLE001
                yield position, "", _problem(exc)
            element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        yield (
            f"record {number + 1} (line {line})",
            "",
            ImportProblem(_l("the XML is not well-formed at line %(line)s, column %(column)s; nothing after it can be read",
                             line=line, column=column)),
        )
        return
    if not saw_record:
        yield "file", "", ImportProblem(_l("no MARCXML <record> element in this file"))


def _xml_record(element) -> Record:
    record = Record()
    for child in element:
        name = _local(child.tag)
        if name == "leader":
            text = child.text or ""
            if len(text) != 24:
                raise ImportProblem(_l("leader is %(value)s characters, not 24", value=len(text)))
            record.leader = text
        elif name == "controlfield":
            tag = child.get("tag")
            if not tag:
                raise ImportProblem(_l("a controlfield has no tag attribute"))
            record.add_field(Field(tag=tag, data=child.text or ""))
        elif name == "datafield":
            tag = child.get("tag")
            if not tag or not re.fullmatch(r"[0-9A-Za-z]{3}", tag):
                raise ImportProblem(_l("a datafield has a missing or bad tag (%(tag)s)", tag=repr(tag)))
            subfields = []
            for sub in child:
                if _local(sub.tag) != "subfield":
                    raise ImportProblem(_l("field %(tag)s holds <%(value)s>, not <subfield>",
                                           tag=tag, value=_local(sub.tag)))
                code = sub.get("code")
                if code is None or len(code) != 1:
                    raise ImportProblem(_l("a subfield of field %(tag)s has no code", tag=tag))
                subfields.append(Subfield(code=code, value=sub.text or ""))
            indicators = Indicators(child.get("ind1") or " ", child.get("ind2") or " ")
            record.add_field(Field(tag=tag, indicators=indicators, subfields=subfields))
    if not record.fields:
        raise ImportProblem(_l("the record has no fields"))
    return record


def _problem(exc: Exception) -> Exception:
    return exc if isinstance(exc, NotABook) else ImportProblem(_describe(exc))


def _describe(exc: Exception) -> str:
    if isinstance(exc, (ImportProblem, NotABook)):
        return str(exc)
    name = exc.__class__.__name__
    text = str(exc).strip()
    plain = {
        "BaseAddressInvalid": "the leader's base address points outside the record",
        "BaseAddressNotFound": "the leader has no base address",
        "RecordDirectoryInvalid": "the record directory is damaged",
        "RecordLeaderInvalid": "the leader is damaged",
        "UnicodeDecodeError": "the directory holds non-ASCII bytes",
        "EndOfRecordNotFound": "no end-of-record mark",
    }
    if name in plain:
        return plain[name]
    return f"{name}: {text}" if text else name


def _title_hint(record: Record) -> str:
    for field in record.get_fields("245", "200"):
        value = field.get("a")
        if value:
            return cleaning.strip_isbd(value) or ""
    return ""


# --- MARC 21 fields to BookRecord -------------------------------------------

_AUDIENCE_008 = {"a": "children", "b": "children", "c": "children", "j": "children", "d": "teens", "e": "adults"}


def _subfields(field: Field, codes: str) -> list[str]:
    return [s.value for s in field.subfields if s.code in codes and s.value]


def _first(record: Record, tags: tuple[str, ...], codes: str, sep: str = " ") -> str | None:
    for field in record.get_fields(*tags):
        values = _subfields(field, codes)
        if values:
            return sep.join(v.strip() for v in values)
    return None


def to_book_record(record: Record, notes: list[str]) -> BookRecord:
    """Map the MARC 21 fields a catalogue page needs (UNIMARC 200/700 when a
    record has no 245)."""
    book = BookRecord(notes=notes)
    leader = str(record.leader or "")
    if len(leader) > 6 and leader[6] in "uvxy":
        raise NotABook(f"holdings record (leader/06 = {leader[6]!r}), not a title; skipped")
    if len(leader) > 6 and leader[6] == "z":
        raise NotABook("authority record (leader/06 = 'z'), not a title; skipped")
    title_field = next(iter(record.get_fields("245")), None)
    if title_field is None and record.get_fields("200"):
        return _unimarc(record, book)
    if title_field is not None:
        book.title = cleaning.strip_isbd(" ".join(_subfields(title_field, "anp")))
        book.subtitle = cleaning.strip_isbd(" ".join(_subfields(title_field, "b")))
    control = next(iter(record.get_fields("001")), None)
    if control is not None and control.data and control.data.strip():
        org = next(iter(record.get_fields("003")), None)
        prefix = org.data.strip() if org is not None and org.data else "marc"
        book.control_number = f"{prefix}:{control.data.strip()}"[:120]

    for field in record.get_fields("020"):
        for raw in _subfields(field, "a"):
            found = cleaning.parse_isbn(raw, notes)
            if found and found not in book.isbns:
                book.isbns.append(found)

    authors: list[str] = []
    for field in record.get_fields("100", "110", "111", "700", "710"):
        name = cleaning.strip_isbd(" ".join(_subfields(field, "a" if field.tag != "110" else "ab")))
        if name and name not in authors:
            authors.append(name)
    book.authors = authors

    subjects: list[str] = []
    for field in record.get_fields("600", "610", "650", "651", "655"):
        parts = [cleaning.strip_isbd(v) for v in _subfields(field, "avxyz")]
        term = " -- ".join(p for p in parts if p)
        if term and term not in subjects:
            subjects.append(term)
    book.subjects = subjects

    book.summary = cleaning.clean_text(_first(record, ("520",), "a"))
    book.publisher = cleaning.strip_isbd(_first(record, ("264", "260"), "b"))
    fixed = next(iter(record.get_fields("008")), None)
    fixed_data = fixed.data if fixed is not None and fixed.data else ""
    book.year = cleaning.year_of(_first(record, ("264", "260"), "c")) or cleaning.year_of(fixed_data[7:11])
    book.language = cleaning.language_code(fixed_data[35:38]) if len(fixed_data) >= 38 else None
    if not book.language:
        book.language = cleaning.language_code(_first(record, ("041",), "a"))
    leader_type = leader[6] if len(leader) > 7 else ""
    if len(fixed_data) > 22 and leader_type in ("a", "t"):
        book.audience = _AUDIENCE_008.get(fixed_data[22])
    book.call_number = cleaning.clean_text(
        _first(record, ("082",), "ab") or _first(record, ("090", "092", "099"), "ab") or _first(record, ("050",), "ab")
    )
    if book.call_number:
        book.call_number = book.call_number.replace("/", "")[:100]
    book.items = _items(record)
    return book


def _unimarc(record: Record, book: BookRecord) -> BookRecord:
    """UNIMARC, as some Asian and European libraries export: title in 200,
    ISBN in 010, names in 700-702, publication in 210."""
    book.notes.append(_l("no 245 field: read as UNIMARC"))
    title = next(iter(record.get_fields("200")))
    book.title = cleaning.strip_isbd(title.get("a"))
    book.subtitle = cleaning.strip_isbd(title.get("e"))
    control = next(iter(record.get_fields("001")), None)
    if control is not None and control.data and control.data.strip():
        book.control_number = f"unimarc:{control.data.strip()}"[:120]
    for field in record.get_fields("010"):
        for raw in _subfields(field, "a"):
            found = cleaning.parse_isbn(raw, book.notes)
            if found and found not in book.isbns:
                book.isbns.append(found)
    for field in record.get_fields("700", "701", "702", "710", "711"):
        name = cleaning.strip_isbd(", ".join(_subfields(field, "ab")))
        if name and name not in book.authors:
            book.authors.append(name)
    book.subjects = [t for t in (cleaning.strip_isbd(_first_sub(f, "a")) for f in record.get_fields("606", "600", "607")) if t]
    book.summary = cleaning.clean_text(_first(record, ("330",), "a"))
    book.publisher = cleaning.strip_isbd(_first(record, ("210", "214"), "c"))
    book.year = cleaning.year_of(_first(record, ("210", "214"), "d"))
    book.language = cleaning.language_code(_first(record, ("101",), "a"))
    book.call_number = cleaning.clean_text(_first(record, ("676",), "a"))
    return book


def _first_sub(field: Field, code: str) -> str | None:
    values = _subfields(field, code)
    return values[0] if values else None


def _items(record: Record) -> list[ItemRecord]:
    """Copies from holdings: Koha's 952 and MARC 852."""
    items = []
    for field in record.get_fields("952"):
        barcode = field.get("p")
        if not barcode:
            continue
        status = "available"
        if (field.get("0") or "0") not in ("0", ""):
            status = "withdrawn"
        elif (field.get("1") or "0") not in ("0", ""):
            status = "missing"
        elif field.get("q"):
            status = "on_loan"
        elif (field.get("7") or "0") not in ("0", ""):
            status = "reference"
        location = " · ".join(v for v in (field.get("a"), field.get("c")) if v) or None
        items.append(ItemRecord(barcode.strip(), location, cleaning.clean_text(field.get("o")), status))
    for field in record.get_fields("852"):
        barcode = field.get("p")
        if not barcode:
            continue
        location = " · ".join(v for v in (field.get("b"), field.get("c")) if v) or None
        call = " ".join(_subfields(field, "hi")) or None
        items.append(ItemRecord(barcode.strip(), location, call))
    return items
