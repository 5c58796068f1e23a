"""Repairs for what real catalogue exports break: cataloguing punctuation,
double-encoded UTF-8, ISBNs mangled by spreadsheets, language names."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from .. import isbn as isbnlib

_TRAILING_ISBD = re.compile(r"[\s]*[/:;,=+]+\s*$")
_SPACES = re.compile(r"\s+")
# Signs of UTF-8 read as Windows-1252/Latin-1: "Ã©", "â€™", "Ã¢â‚¬â„¢".
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = unicodedata.normalize("NFC", _SPACES.sub(" ", value.replace("\u00a0", " "))).strip()
    return value or None


def strip_isbd(value: str | None) -> str | None:
    """Drop the punctuation cataloguers put before the next subfield
    ("Laskar Pelangi /" -> "Laskar Pelangi"), and a final full stop unless it
    closes an initial or abbreviation ("Rowling, J. K." keeps its stop)."""
    value = clean_text(value)
    if not value:
        return value
    previous = None
    while previous != value:
        previous = value
        value = _TRAILING_ISBD.sub("", value).strip()
        if value.endswith(".") and not re.search(r"(\b\w{1,3}|\.\.)\.$", value):
            value = value[:-1].rstrip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return value or None


def fix_mojibake(value: str | None) -> tuple[str | None, bool]:
    """Undo UTF-8 that was decoded as Windows-1252 (once or twice). Returns
    the text and whether it was repaired."""
    if not value or not _MOJIBAKE.search(value):
        return value, False
    fixed = value
    for _ in range(3):
        try:
            candidate = fixed.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            try:
                candidate = fixed.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                break
        if candidate == fixed:
            break
        fixed = candidate
        if not _MOJIBAKE.search(fixed):
            break
    return fixed, fixed != value


def parse_isbn(raw: str, notes: list[str], sibling_isbn13: str | None = None) -> str | None:
    """Read one ISBN cell as a spreadsheet may have left it; returns a valid
    ISBN-13 or None, and says in ``notes`` what it repaired or refused."""
    text = (raw or "").strip()
    if not text:
        return None
    # "0802142176 (pbk.)", "978-602-03-3295-6 : Rp45.000": the ISBN leads.
    leading = re.match(r"\s*(?:ISBN(?:-1[03])?:?\s*)?([0-9][0-9Xx\- ]{8,16}[0-9Xx])", text, re.IGNORECASE)
    direct = isbnlib.to_isbn13(text) or (leading and isbnlib.to_isbn13(leading.group(1)))
    if direct:
        return direct
    # A float: "9.78043902348e+12" or "9780439023480.0".
    number = text.upper()
    if re.fullmatch(r"\d+(\.\d+)?(E\+?\d+)?", number) and ("E" in number or "." in number):
        return _from_float(number, raw, notes, sibling_isbn13)
    compact = isbnlib.compact(text)
    # An ISBN-10 that lost its leading zeros in a spreadsheet.
    if re.fullmatch(r"\d{6,9}|\d{5,8}X", compact):
        padded = compact.zfill(10)
        repaired = isbnlib.to_isbn13(padded)
        if repaired:
            notes.append(_l("ISBN %(raw)s read as %(padded)s (leading zeros restored)", raw=repr(raw), padded=padded))
            return repaired
    if isbnlib.looks_like_isbn(compact):
        notes.append(_l("ISBN %(raw)s has a wrong check digit; not stored", raw=repr(raw)))
    else:
        notes.append(_l("%(raw)s is not an ISBN; not stored", raw=repr(raw)))
    return None


def _from_float(compact: str, raw: str, notes: list[str], sibling: str | None) -> str | None:
    try:
        number = Decimal(compact)
    except InvalidOperation:
        notes.append(_l("%(raw)s is not an ISBN; not stored", raw=repr(raw)))
        return None
    digits = format(number.quantize(Decimal(1)), "f") if number == number.to_integral() else ""
    if len(digits) == 13 and isbnlib.is_valid_isbn13(digits):
        notes.append(_l("ISBN %(raw)s read as %(digits)s (written as a number)", raw=repr(raw), digits=digits))
        return digits
    # Scientific notation kept 12 significant digits: the check digit is lost,
    # and the 12th digit may have been rounded up. Recompute the check digit
    # for both readings and keep the one consistent with the rounding.
    mantissa = compact.split("E")[0].replace(".", "")
    if len(digits) == 13 and len(mantissa.rstrip("0")) <= 12:
        first12 = digits[:12]
        down = first12 + isbnlib.isbn13_check_digit(first12)
        up12 = str(int(first12) - 1)
        up = up12 + isbnlib.isbn13_check_digit(up12)
        candidates = [c for c in (down, up) if c[:3] in ("978", "979")]
        if sibling in candidates:
            notes.append(_l("ISBN %(raw)s rebuilt as %(sibling)s (matches the row's ISBN-10)",
                            raw=repr(raw), sibling=sibling))
            return sibling
        consistent = [c for c in candidates if (c == down and int(c[12]) < 5) or (c == up and int(c[12]) >= 5)]
        if len(consistent) == 1:
            notes.append(_l("ISBN %(raw)s rebuilt as %(value)s (check digit recomputed)",
                            raw=repr(raw), value=consistent[0]))
            return consistent[0]
    notes.append(_l("ISBN %(raw)s lost digits in a spreadsheet and cannot be rebuilt; not stored", raw=repr(raw)))
    return None


_LANGUAGES = {
    "ind": "id", "id": "id", "in": "id", "indonesia": "id", "indonesian": "id", "bahasa indonesia": "id",
    "eng": "en", "en": "en", "english": "en", "inggris": "en", "bahasa inggris": "en",
    "may": "ms", "msa": "ms", "malay": "ms", "melayu": "ms", "jav": "jv", "jawa": "jv", "sun": "su",
    "ara": "ar", "arab": "ar", "arabic": "ar", "chi": "zh", "zho": "zh", "mandarin": "zh", "jpn": "ja",
    "jepang": "ja", "japanese": "ja", "kor": "ko", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de",
    "spa": "es", "dut": "nl", "nld": "nl", "belanda": "nl", "rus": "ru", "por": "pt", "ita": "it",
    "pol": "pl", "fin": "fi", "swe": "sv", "tha": "th", "per": "fa", "fas": "fa", "heb": "he", "gre": "el",
}


def language_code(value: str | None) -> str | None:
    """ISO 639-1 where we know it ("ind", "Indonesia", "en-US" -> "id", "en");
    another short code is kept as it is; anything else is dropped."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in _LANGUAGES:
        return _LANGUAGES[text]
    base = re.split(r"[-_]", text)[0]
    if base in _LANGUAGES:
        return _LANGUAGES[base]
    return base if re.fullmatch(r"[a-z]{2,3}", base) else None


def year_of(value) -> int | None:
    """The first plausible year in a date-like cell ("c2005.", "4 Jun 2024", "2008.0")."""
    if value is None:
        return None
    match = re.search(r"(?<!\d)(1[4-9]\d\d|20\d\d)(?!\d)", str(value))
    return int(match.group(1)) if match else None


_ANGLED = re.compile(r"^(?:<[^<>]*>)+$")
_ACADEMIC = re.compile(r"^(?:[A-Z][A-Za-z]{0,3}\.)+(?:[A-Za-z]{1,4}\.?)?$|^(?:Jr|Sr|Ph\.?D|MA|MSc|MPd|SE|SH)\.?$")


def split_names(value: str | None) -> list[str]:
    """Authors in one cell: "A; B", "A | B" or "A, B" (keeping academic
    suffixes such as "Dr. H. Abdul Wahid, M.A." with their name)."""
    text = clean_text(value)
    if not text:
        return []
    if _ANGLED.match(text):  # SLiMS: "<Hirata, Andrea><Toer, Pramoedya Ananta>"
        return [n for n in (clean_text(p) for p in re.findall(r"<([^<>]*)>", text)) if n]
    for separator in (";", "|"):
        if separator in text:
            return [n for n in (clean_text(p) for p in text.split(separator)) if n]
    names: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if names and _ACADEMIC.match(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    return names


def split_terms(value: str | None) -> list[str]:
    text = clean_text(value)
    if not text:
        return []
    if _ANGLED.match(text):
        return [t for t in (clean_text(p) for p in re.findall(r"<([^<>]*)>", text)) if t]
    for separator in (";", "|", ","):
        if separator in text:
            return [t for t in (clean_text(p) for p in text.split(separator)) if t]
    return [text]


_AUDIENCES = {
    "children": "children", "child": "children", "anak": "children", "anak-anak": "children", "juvenile": "children",
    "kids": "children", "teens": "teens", "teen": "teens", "remaja": "teens", "young adult": "teens",
    "young-adult": "teens", "ya": "teens", "adults": "adults", "adult": "adults", "dewasa": "adults",
    "umum": "all", "all": "all", "semua": "all", "semua umur": "all",
}


def audience_of(value: str | None) -> str | None:
    return _AUDIENCES.get((value or "").strip().lower())
