"""Patrons: card numbers, PINs (only hashes are stored), and the CSV import
of the library's member list."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cards import normalise_card
from .models import Patron

_PIN_RE = re.compile(r"^[0-9]{4,8}$")
# PBKDF2 rounds: the 5-tries lock is the real defence of a short PIN; the
# hash keeps a stolen table from handing out PINs for free.
PIN_ROUNDS = 60_000


def valid_pin(pin: str | None) -> bool:
    return bool(pin) and bool(_PIN_RE.match(pin))


def hash_pin(pin: str, rounds: int = PIN_ROUNDS) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${digest}"


def check_pin(pin: str, stored: str | None) -> bool:
    if not stored or not pin:
        return False
    try:
        _scheme, rounds, salt, digest = stored.split("$")
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(rounds)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(candidate, digest)


def find_patron(session: Session, card: str) -> Patron | None:
    return session.scalars(select(Patron).where(Patron.card_number == card)).first()


# CSV columns, English and Indonesian as library exports name them.
COLUMNS = {
    "card_number": ("card_number", "card", "cardnumber", "barcode", "nomor_kartu", "no_kartu", "no_anggota",
                    "nomor_anggota", "kartu"),
    "name": ("name", "nama", "nama_lengkap", "full_name"),
    "category": ("category", "categorycode", "kategori", "jenis_anggota"),
    "expires_on": ("expires_on", "expiry", "dateexpiry", "expires", "berlaku_sampai", "kedaluwarsa", "masa_berlaku"),
    "pin": ("pin",),
    "email": ("email", "surel"),
    "phone": ("phone", "telepon", "telp", "no_hp", "hp"),
    "fines": ("fines", "denda"),
}
CATEGORY_WORDS = {
    "child": "child", "children": "child", "anak": "child", "anak-anak": "child",
    "adult": "adult", "dewasa": "adult", "umum": "adult",
    "student": "student", "pelajar": "student", "siswa": "student", "mahasiswa": "student",
    "staff": "staff", "staf": "staff", "pegawai": "staff", "karyawan": "staff",
}


# The words a file may use, as a refusal lists them.
CATEGORY_CHOICES = "dewasa/adult, anak/child, pelajar/student, staf/staff"


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    # (CSV line, reason: a lazy gettext string, worded when shown: English in the
    # command's output, the page's language in the portal)
    failed: list[tuple[int, Any]] = field(default_factory=list)


def parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(_l("expiry date %(value)s is not YYYY-MM-DD or DD/MM/YYYY", value=repr(text)))


def _row_fields(row: dict[str, str], mapping: dict[str, str]) -> dict:
    raw = {target: (row.get(column) or "").strip() for target, column in mapping.items()}
    card = normalise_card(raw.get("card_number"))
    if card is None:
        raise ValueError(_l("card number %(value)s is missing or not 4-32 letters/digits",
                            value=repr(raw.get("card_number"))))
    if not raw.get("name"):
        raise ValueError(_l("name is missing"))
    fields: dict = {"card_number": card, "name": raw["name"]}
    if raw.get("category"):
        category = CATEGORY_WORDS.get(raw["category"].lower())
        if category is None:
            raise ValueError(_l("category %(value)s is not one of %(choices)s", value=repr(raw["category"]),
                                choices=CATEGORY_CHOICES))
        fields["category"] = category
    if raw.get("expires_on"):
        fields["expires_on"] = parse_date(raw["expires_on"])
    for name in ("email", "phone"):
        if raw.get(name):
            fields[name] = raw[name]
    if raw.get("fines"):
        amount = raw["fines"].replace(".", "").replace(",", "")
        if not amount.isdigit():
            raise ValueError(_l("fines %(value)s is not a whole number of rupiah", value=repr(raw["fines"])))
        fields["fines"] = int(amount)
    if raw.get("pin"):
        if not valid_pin(raw["pin"]):
            raise ValueError(_l("PIN must be 4 to 8 digits"))
        fields["pin"] = raw["pin"]
    return fields


def import_patrons(session: Session, source: str | Path | io.TextIOBase) -> ImportReport:
    """Create or update patrons from a CSV (matched by card number). A bad
    row is reported with its line and never stops the import; PINs are
    hashed on the way in."""
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, (str, Path)) else source.read()
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {re.sub(r"[\s]+", "_", (h or "").strip().lower()): h for h in reader.fieldnames or []}
    mapping = {}
    for target, names in COLUMNS.items():
        for name in names:
            if name in headers:
                mapping[target] = headers[name]
                break
    report = ImportReport()
    if "card_number" not in mapping or "name" not in mapping:
        report.failed.append((1, _l("the header needs a card number column and a name column")))
        return report
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        try:
            fields = _row_fields(row, mapping)
        except ValueError as exc:
            report.failed.append((line, exc.args[0]))  # a lazy string: worded in the reader's language
            continue
        if fields["card_number"] in seen:
            report.failed.append((line, _l("card %(card)s appears twice in the file", card=fields["card_number"])))
            continue
        seen.add(fields["card_number"])
        pin = fields.pop("pin", None)
        patron = find_patron(session, fields["card_number"])
        if patron is None:
            patron = Patron(**fields)
            patron.pin_hash = hash_pin(pin) if pin else None
            session.add(patron)
            report.imported += 1
            continue
        changed = any(getattr(patron, k) != v for k, v in fields.items())
        if pin and not check_pin(pin, patron.pin_hash):
            patron.pin_hash = hash_pin(pin)
            changed = True
        for key, value in fields.items():
            setattr(patron, key, value)
        report.updated += changed
        report.unchanged += not changed
    session.flush()
    return report
