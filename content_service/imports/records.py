"""The shape every importer produces (``BookRecord``), the per-record report,
and writing records into the catalogue idempotently: a record matches an
existing book by its control number, then by any of its ISBNs."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from ..catalogue.duplicates import same_year, work_key
from ..catalogue.merging import import_title_key
from ..catalogue.models import ITEM_STATUSES, Book, BookAlias, Isbn, Item

BOOK_FIELDS = (
    "title", "subtitle", "authors", "subjects", "summary", "publisher",
    "year", "language", "audience", "cover_url", "call_number",
)


@dataclass
class ItemRecord:
    barcode: str
    location: str | None = None
    call_number: str | None = None
    status: str = "available"


@dataclass
class BookRecord:
    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    summary: str | None = None
    publisher: str | None = None
    year: int | None = None
    language: str | None = None
    audience: str | None = None
    cover_url: str | None = None
    call_number: str | None = None
    isbns: list[str] = field(default_factory=list)  # ISBN-13, already validated
    control_number: str | None = None
    items: list[ItemRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # repairs and warnings, for the report


@dataclass
class Outcome:
    position: str  # "record 12 (byte 20480)", "row 57"
    status: str  # imported | updated | unchanged | skipped | failed
    label: str = ""  # title or identifier, for people reading the report
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    book_id: int | None = None  # the record written, once committed
    # A new record that is likely a book the catalogue already had: (book id, title) of each.
    duplicates: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str
    outcomes: list[Outcome] = field(default_factory=list)
    chosen: str | None = None  # the format picked when the file turned out to be another
    kind: str | None = None  # the format the file was read as

    def add(self, outcome: Outcome) -> Outcome:
        self.outcomes.append(outcome)
        return outcome

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def repaired(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.notes and o.status != "failed"]

    @property
    def duplicates(self) -> list[Outcome]:
        """New records that are likely books already in the catalogue: for a librarian to merge."""
        return [o for o in self.outcomes if o.duplicates]

    def summary(self) -> str:
        return (
            f"{self.source}: {len(self.outcomes)} records: {self.count('imported')} imported, "
            f"{self.count('updated')} updated, {self.count('unchanged')} unchanged, "
            f"{self.count('skipped')} skipped, "
            f"{self.count('failed')} failed; {len(self.repaired)} with repairs or warnings"
            + (f"; {len(self.duplicates)} likely duplicates to merge" if self.duplicates else "")
        )


class Catalogue:
    """Writes records into the database, remembering control numbers, ISBNs
    and barcodes already there so a large file costs no lookup per record.
    The maps hold a book id, or the ``Book`` itself while it is unflushed."""

    def __init__(self, session: Session):
        self.session = session
        self.by_control: dict[str, int | Book] = dict(
            session.execute(select(Book.control_number, Book.id).where(Book.control_number.is_not(None))).all()
        )
        self.by_isbn: dict[str, int | Book] = dict(session.execute(select(Isbn.isbn13, Isbn.book_id)).all())
        self.by_barcode: dict[str, int | Book] = dict(session.execute(select(Item.barcode, Item.book_id)).all())
        self.controls = {book_id: control for control, book_id in self.by_control.items()}
        self.by_title: dict[str, int | Book] = {}
        for book_id, title, authors, year in session.execute(
            select(Book.id, Book.title, Book.authors, Book.year).where(
                Book.control_number.is_(None), ~Book.isbns.any()
            )
        ):
            self.by_title.setdefault(_title_key(BookRecord(title=title, authors=authors or [], year=year)), book_id)
        # Records merged into another by a librarian: a re-import finds the kept one.
        for kind, value, book_id in session.execute(select(BookAlias.kind, BookAlias.value, BookAlias.book_id)
                                                    .where(BookAlias.kind.in_(("control", "title")))):
            (self.by_control if kind == "control" else self.by_title).setdefault(value, book_id)
        # Every book by work (title and first author), to tell a librarian about likely duplicates.
        self.by_work: dict[str, list[tuple[int | Book, int | None, str]]] = {}
        for book_id, title, authors, year in session.execute(select(Book.id, Book.title, Book.authors, Book.year)):
            self.by_work.setdefault(work_key(title, authors), []).append((book_id, year, title))
        self.last_book: Book | None = None
        self.last_duplicates: list[tuple[int | Book, str]] = []
        self.loaded: dict[int, Book] = {}
        self.touched: dict[int, str] = {}  # book id (or id() while unflushed) -> first record that wrote it
        self.pending: list[Book] = []

    def match(self, record: BookRecord) -> int | Book | None:
        """The existing book a record describes: by control number, then ISBN,
        then (for records with neither) by title, first author and year."""
        found = self.by_control.get(record.control_number) if record.control_number else None
        if found is None:
            found = next((self.by_isbn[i] for i in record.isbns if i in self.by_isbn), None)
            if found is not None and _same_system_other_record(self._control_of(found), record.control_number):
                found = None  # another record of the same system that shares an ISBN: a book of its own
        if found is None and not record.isbns and not record.control_number:
            found = self.by_title.get(_title_key(record))
        return found

    def apply(self, record: BookRecord, position: str = "") -> tuple[str, list[str]]:
        """Insert or update one record; returns (status, notes). A record
        that describes a book an earlier record of this run already wrote is
        a duplicate within the file, and is skipped."""
        notes = list(record.notes)
        self.last_book, self.last_duplicates = None, []
        found = self.match(record)
        if found is not None:
            earlier = self.touched.get(id(found) if isinstance(found, Book) else found)
            if earlier is None and isinstance(found, Book) and found.id is not None:
                earlier = self.touched.get(found.id)
            if earlier is not None:
                notes.append(_l("duplicate of %(earlier)s in this file", earlier=earlier))
                return "skipped", notes
        if found is None:
            book = Book(authors=[], subjects=[], audience="all", isbns=[], items=[])
            self.session.add(book)
            status = "imported"
        elif isinstance(found, Book):
            book, status = found, "unchanged"
        else:
            book = self.loaded.get(found) or self._load([found])[found]
            status = "unchanged"
        changed = self._set_fields(book, record)
        if record.control_number and book.control_number is None and record.control_number not in self.by_control:
            book.control_number = record.control_number
            self.by_control[record.control_number] = book
            changed = True
        changed |= self._add_isbns(book, record.isbns, notes)
        changed |= self._add_items(book, record.items, notes)
        if status == "unchanged" and changed:
            status = "updated"
        self.touched[book.id if book.id is not None else id(book)] = position or "an earlier record"
        self.pending.append(book)
        if not record.isbns and not record.control_number:
            self.by_title.setdefault(_title_key(record), book)
        key = work_key(book.title, book.authors)
        others = self.by_work.setdefault(key, [])
        if status == "imported":
            self.last_duplicates = [(ref, title) for ref, year, title in others if same_year(year, book.year)]
            others.append((book, book.year, book.title))
        self.last_book = book
        return status, notes

    def outcome(self, position: str, label: str, status: str, notes: list[str],
                book: Book | None, duplicates: list[tuple[int | Book, str]]) -> Outcome:
        """The report's line for a written record (after the commit: ids are known)."""
        found = [(_id_of(ref) if isinstance(ref, Book) else ref, title) for ref, title in duplicates]
        return Outcome(position, status, label, notes=notes, book_id=_id_of(book) if book is not None else None,
                       duplicates=[(i, t) for i, t in found if i is not None])

    def committed(self) -> None:
        """After a commit every new book has its id: key them by it."""
        for book in self.pending:
            position = self.touched.pop(id(book), None)
            if position is not None:
                self.touched[book.id] = position
        self.pending.clear()

    def _load(self, ids) -> dict[int, Book]:
        books = self.session.scalars(
            select(Book).where(Book.id.in_(list(ids))).options(selectinload(Book.isbns), selectinload(Book.items))
        ).all()
        self.loaded.update((b.id, b) for b in books)
        return self.loaded

    def _control_of(self, found: int | Book) -> str | None:
        if isinstance(found, Book):
            return found.control_number
        return self.controls.get(found)

    def preload(self, records: list[BookRecord]) -> None:
        """Load, in one query, the existing books a batch of records will update."""
        self.loaded = {}
        ids = set()
        for record in records:
            found = self.match(record)
            if isinstance(found, int):
                ids.add(found)
        if ids:
            self._load(ids)

    @staticmethod
    def _same(owner, book: Book) -> bool:
        return owner is book or (book.id is not None and owner == book.id)

    def _set_fields(self, book: Book, record: BookRecord) -> bool:
        changed = False
        for name in BOOK_FIELDS:
            value = getattr(record, name)
            if value in (None, "", []):
                continue  # an import never blanks what staff or an earlier import filled in
            limit = getattr(Book.__table__.c[name].type, "length", None)
            if limit and isinstance(value, str) and len(value) > limit:
                raise ValueError(_l("%(name)s is %(value)s characters long; at most %(limit)s fit",
                                    name=name, value=len(value), limit=limit))
            if getattr(book, name) != value:
                setattr(book, name, value)
                changed = True
        return changed

    def _add_isbns(self, book: Book, isbns: list[str], notes: list[str]) -> bool:
        changed = False
        for isbn13 in isbns:
            owner = self.by_isbn.get(isbn13)
            if owner is not None:
                if not self._same(owner, book):
                    notes.append(_l("ISBN %(isbn13)s already belongs to another book; not added", isbn13=isbn13))
                continue
            book.isbns.append(Isbn(isbn13=isbn13, position=len(book.isbns)))
            self.by_isbn[isbn13] = book
            changed = True
        return changed

    def _add_items(self, book: Book, items: list[ItemRecord], notes: list[str]) -> bool:
        changed = False
        for item in items:
            owner = self.by_barcode.get(item.barcode)
            if owner is not None:
                if not self._same(owner, book):
                    notes.append(_l("item barcode %(barcode)s already belongs to another book; not added",
                                    barcode=item.barcode))
                continue
            status = item.status if item.status in ITEM_STATUSES else "available"
            book.items.append(
                Item(barcode=item.barcode, location=item.location, call_number=item.call_number, status=status)
            )
            self.by_barcode[item.barcode] = book
            changed = True
        return changed


def run(session: Session, report: ImportReport, records, batch_size: int = 500, progress=None) -> ImportReport:
    """Apply ``(position, label, record_or_exception)`` triples in batches.
    A batch that hits a database error is replayed record by record, each in
    its own savepoint, so only the bad record fails."""
    catalogue = Catalogue(session)
    batch: list[tuple[str, str, BookRecord]] = []

    def flush_batch():
        nonlocal catalogue
        if not batch:
            return
        touched_before = dict(catalogue.touched)
        try:
            catalogue.preload([r for _, _, r in batch])
            results = []
            for p, l, r in batch:
                status, notes = catalogue.apply(r, p)
                results.append((p, l, r, status, notes, catalogue.last_book, catalogue.last_duplicates))
            session.commit()
            catalogue.committed()
        except Exception:  # noqa: BLE001 - replayed one by one below
            session.rollback()
            catalogue = Catalogue(session)
            catalogue.touched.update(touched_before)
            results = []
            for p, l, r in batch:
                before = dict(catalogue.touched)
                savepoint = session.begin_nested()
                try:
                    status, notes = catalogue.apply(r, p)
                    session.flush()
                    savepoint.commit()
                    catalogue.committed()
                except Exception as exc:  # noqa: BLE001 - one bad record never aborts the import
                    savepoint.rollback()
                    session.expunge_all()
                    catalogue = Catalogue(session)
                    catalogue.touched.update(before)
                    report.add(Outcome(p, "failed", l or (r.title or ""), reason=_reason(exc), notes=r.notes))
                    continue
                results.append((p, l, r, status, notes, catalogue.last_book, catalogue.last_duplicates))
            session.commit()
        for p, l, r, status, notes, book, duplicates in results:
            report.add(catalogue.outcome(p, l or r.title or "", status, notes, book, duplicates))
        batch.clear()

    for position, label, record in records:
        if progress is not None:
            progress(1)
        if isinstance(record, Exception):
            status = "skipped" if getattr(record, "skip", False) else "failed"
            report.add(Outcome(position, status, label, reason=_reason(record)))
        elif not record.title:
            report.add(Outcome(position, "failed", label, reason=_l("no title"), notes=record.notes))
        else:
            batch.append((position, label, record))
            if len(batch) >= batch_size:
                flush_batch()
    flush_batch()
    report.outcomes.sort(key=_order)
    return report


def _id_of(book: Book) -> int | None:
    # By the identity map's key: a book of an earlier batch may be expired and detached by now.
    identity = inspect(book).identity
    return identity[0] if identity else None


def _title_key(record: BookRecord) -> str:
    return import_title_key(record.title, record.authors, record.year)


def _same_system_other_record(existing: str | None, incoming: str | None) -> bool:
    if not existing or not incoming or existing == incoming:
        return False
    return existing.rsplit(":", 1)[0] == incoming.rsplit(":", 1)[0]


def _order(outcome: Outcome):
    # Report in file order: batches add their outcomes after the failures
    # found while reading.
    import re

    numbers = re.findall(r"\d+", str(outcome.position))
    return int(numbers[0]) if numbers else 0


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], LazyString):
        return exc.args[0]  # ours: rendered in the reader's language when the report is shown
    text = str(exc).strip() or exc.__class__.__name__
    name = exc.__class__.__name__
    return text if isinstance(exc, ValueError) else f"{name}: {text}"
