"""A CSV of ISBN -> online resource (``isbn,url,provider[,title]``, or the
Indonesian ``isbn,tautan,penyedia[,judul]``): each row's link attached to
the title with that ISBN (ISBN-10 or ISBN-13, hyphens or not), published
unless asked otherwise. Every row gets an outcome: added, updated (a new
provider or title for a link the title has), unchanged (a re-import adds
nothing twice), unmatched (no title has that ISBN) or invalid (the ISBN
or the address is not one), with its line number and reason."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import errors
from ..catalogue import eresources
from ..catalogue.models import Book, Isbn
from ..isbn import to_isbn13
from ..media import checks

COLUMNS = {"isbn": "isbn", "url": "url", "tautan": "url", "link": "url", "provider": "provider",
           "penyedia": "provider", "title": "title", "judul": "title"}
REQUIRED = ("isbn", "url", "provider")
MAX_ROWS = 100_000
STATUSES = ("added", "updated", "unchanged", "unmatched", "invalid")


class LinksFileProblem(errors.BadRequest):
    code = "bad_links_file"


@dataclass
class Row:
    line: int
    status: str
    isbn: str
    url: str
    reason: str = ""
    book_id: int | None = None


@dataclass
class LinksReport:
    rows: list[Row] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    def summary(self) -> str:
        return ", ".join(f"{self.count(status)} {status}" for status in STATUSES)

    @property
    def problems(self) -> list[Row]:
        return [row for row in self.rows if row.status in ("unmatched", "invalid")]


def _reader(text: str) -> tuple[csv.DictReader, dict[str, str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    names = {name: COLUMNS.get((name or "").strip().lower()) for name in reader.fieldnames or []}
    found = set(names.values())
    missing = [column for column in REQUIRED if column not in found]
    if missing:
        raise LinksFileProblem(_l("The file's first line must name its columns: isbn, url, provider (and title, if "
                                  "you like); missing: %(missing)s.", missing=", ".join(missing)))
    return reader, {name: column for name, column in names.items() if column}


def import_links(session: Session, text: str, *, published: bool = True) -> LinksReport:
    """Attach each row's online resource to the title with its ISBN (see the module's docstring)."""
    report = LinksReport()
    reader, columns = _reader(text.lstrip("\ufeff"))
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise LinksFileProblem(_l("At most %(count)s rows can be imported at once.", count=format(MAX_ROWS, ",")))
        values = {column: (raw.get(name) or "").strip() for name, column in columns.items()}
        if not any(values.values()):
            continue
        report.rows.append(_one(session, number, values, published))
    return report


def _one(session: Session, line: int, values: dict[str, str], published: bool) -> Row:
    isbn, url = values.get("isbn", ""), values.get("url", "")
    isbn13 = to_isbn13(isbn)
    if isbn13 is None:
        return Row(line, "invalid", isbn, url, str(_l("not an ISBN (its check digit or length is wrong)")))
    try:
        url, provider = checks.check_online(url, values.get("provider", ""))
    except checks.UploadRefused as refused:
        return Row(line, "invalid", isbn, url, str(refused.message_en))
    book = session.scalars(select(Book).join(Isbn).where(Isbn.isbn13 == isbn13)).first()
    if book is None:
        return Row(line, "unmatched", isbn, url, str(_l("no title in the catalogue has ISBN %(isbn)s", isbn=isbn13)))
    title = (values.get("title") or provider)[:300]
    existing = eresources.online_resource(session, book.id, url)
    if existing is not None:
        if (existing.provider, existing.title) == (provider, title):
            return Row(line, "unchanged", isbn, url, book_id=book.id)
        existing.provider, existing.title = provider, title
        return Row(line, "updated", isbn, url, book_id=book.id)
    eresources.add_online(session, book, url, provider, {"title": title, "caption": None, "language": "both",
                                                          "audience": "all"}, published=published)
    return Row(line, "added", isbn, url, book_id=book.id)


def read_text(path: Path) -> str:
    data = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LinksFileProblem(_l("The file is not text (UTF-8)."))
