"""``flask slims sync``: mirror a SLiMS database's titles, copies and
members into Pindai.

Rows are matched by the SLiMS ids stored on them (``slims_biblio_id``,
``slims_item_id``, ``slims_member_id``); a row Pindai already had (from a
CSV or MARC import) is adopted by ISBN, item barcode or card number the
first time. Rows are updated in place, never replaced, so QR codes stay
attached. A second run with nothing changed in SLiMS changes nothing.
What SLiMS deleted is retired: copies are withdrawn, titles unlinked,
members blocked. SLiMS itself is only read."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, selectinload

from ..circulation.models import Patron
from ..imports import cleaning
from ..catalogue.models import Book, Isbn, Item
from . import mapping, reading


@dataclass
class Tally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    def __str__(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.retired} retired"


@dataclass
class SyncReport:
    titles: Tally = field(default_factory=Tally)
    copies: Tally = field(default_factory=Tally)
    members: Tally = field(default_factory=Tally)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(t.added or t.updated or t.retired for t in (self.titles, self.copies, self.members))

    def summary(self) -> str:
        return (f"SLiMS sync: titles: {self.titles}; copies: {self.copies}; members: {self.members}; "
                f"{len(self.warnings)} warnings")


def _assign(row, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _book_values(title: reading.SlimsTitle, notes: list[str]) -> dict:
    main, subtitle = mapping.split_title(title.title)
    values = {
        "title": main, "subtitle": subtitle, "authors": title.authors, "subjects": title.subjects,
        "summary": cleaning.clean_text(title.notes), "publisher": cleaning.clean_text(title.publisher),
        "year": cleaning.year_of(title.publish_year), "language": cleaning.language_code(title.language_id),
        "call_number": cleaning.clean_text(title.call_number),
    }
    for name in ("title", "subtitle", "publisher", "call_number"):
        limit = Book.__table__.c[name].type.length
        if values[name] and len(values[name]) > limit:
            notes.append(f"{name} cut to {limit} characters")
            values[name] = values[name][:limit]
    # Never blank what Pindai has where SLiMS has nothing (staff may have filled it in).
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def sync_titles(session: Session, found: dict[int, reading.SlimsTitle], report: SyncReport,
                codes: dict[int, list[str]] | None = None) -> dict[int, Book]:
    """``codes``: each biblio's item codes, to adopt a Pindai book without an
    ISBN through the copies it already holds."""
    books = {b.slims_biblio_id: b for b in session.scalars(
        select(Book).where(Book.slims_biblio_id.is_not(None)).options(selectinload(Book.isbns)))}
    owners = dict(session.execute(select(Isbn.isbn13, Isbn.book_id)).all())
    holders = {barcode.upper(): book_id for barcode, book_id in session.execute(select(Item.barcode, Item.book_id))}
    for biblio_id, title in sorted(found.items()):
        notes: list[str] = []
        values = _book_values(title, notes)
        if "title" not in values:
            report.warnings.append(f"biblio {biblio_id}: no title; skipped")
            continue
        isbn = mapping.isbn13(title.isbn_issn, notes)
        report.warnings.extend(f"biblio {biblio_id}: {n}" for n in notes)
        book = books.get(biblio_id)
        tally = report.titles
        adopted = None
        if book is None:
            candidates = [owners[isbn]] if isbn and isbn in owners else []
            candidates += [holders[c.upper()] for c in (codes or {}).get(biblio_id, []) if c.upper() in holders]
            for candidate in candidates:
                if isinstance(candidate, int):  # a Book here was made by this run: not free to adopt
                    found_book = session.get(Book, candidate)
                    if found_book is not None and found_book.slims_biblio_id is None:
                        adopted = found_book
                        break
        if adopted is not None:
            # A book Pindai had before (a CSV or MARC import): mirrored from now on, its codes kept.
            book = books[biblio_id] = adopted
            book.slims_biblio_id = biblio_id
            _assign(book, values)
            if isbn and isbn not in owners:
                book.isbns.append(Isbn(isbn13=isbn, position=len(book.isbns)))
                owners[isbn] = book
            tally.updated += 1
            continue
        if book is None:
            book = Book(slims_biblio_id=biblio_id, **{"audience": "all", "authors": [], "subjects": [], **values})
            session.add(book)
            books[biblio_id] = book
            tally.added += 1
            if isbn and isbn not in owners:
                book.isbns.append(Isbn(isbn13=isbn, position=0))
                owners[isbn] = book
            elif isbn:
                report.warnings.append(f"biblio {biblio_id}: ISBN {isbn} already belongs to another book; not added")
            continue
        changed = _assign(book, values)
        if isbn and isbn not in owners:
            book.isbns.append(Isbn(isbn13=isbn, position=len(book.isbns)))
            owners[isbn] = book
            changed = True
        if changed:
            tally.updated += 1
        else:
            tally.unchanged += 1
    for biblio_id, book in list(books.items()):
        if biblio_id not in found:
            book.slims_biblio_id = None  # deleted in SLiMS: no longer mirrored
            report.titles.retired += 1
            del books[biblio_id]
    session.flush()
    return books


def sync_copies(session: Session, found: dict[int, reading.SlimsCopy], books: dict[int, Book],
                report: SyncReport) -> None:
    items = {i.slims_item_id: i for i in session.scalars(select(Item).where(Item.slims_item_id.is_not(None)))}
    by_barcode = {i.barcode.upper(): i for i in session.scalars(select(Item))}
    tally = report.copies
    for item_id, copy in sorted(found.items()):
        if not copy.item_code:
            report.warnings.append(f"item {item_id}: no item code; skipped")
            continue
        book = books.get(copy.biblio_id) if copy.biblio_id is not None else None
        if book is None:
            report.warnings.append(f"item {copy.item_code}: its title (biblio {copy.biblio_id}) is not in SLiMS; skipped")
            continue
        values = {"barcode": copy.item_code, "location": cleaning.clean_text(copy.location),
                  "call_number": cleaning.clean_text(copy.call_number), "status": mapping.copy_status(copy),
                  "book_id": book.id}
        item = items.get(item_id)
        holder = by_barcode.get(copy.item_code.upper())
        if item is None and holder is not None and holder.slims_item_id is None:
            item = holder  # a copy Pindai had already (a CSV import): mirror it from now on
            item.slims_item_id = item_id
            _assign(item, values)
            tally.updated += 1
            continue
        if holder is not None and holder is not item:
            report.warnings.append(f"item {copy.item_code}: the barcode belongs to another copy in Pindai; skipped")
            continue
        if item is None:
            item = Item(slims_item_id=item_id, **values)
            session.add(item)
            by_barcode[copy.item_code.upper()] = item
            tally.added += 1
            continue
        if _assign(item, values):
            tally.updated += 1
        else:
            tally.unchanged += 1
    for item_id, item in items.items():
        if item_id not in found and item.status != "withdrawn":
            item.status = "withdrawn"
            tally.retired += 1
    session.flush()


def sync_members(session: Session, found: dict[str, reading.SlimsMember], report: SyncReport) -> None:
    patrons = {p.slims_member_id: p for p in session.scalars(select(Patron).where(Patron.slims_member_id.is_not(None)))}
    by_card = {p.card_number: p for p in session.scalars(select(Patron))}
    tally = report.members
    for member_id, member in sorted(found.items()):
        card = mapping.card_number(member_id)
        if card is None:
            report.warnings.append(f"member {member_id!r}: not usable as a card number (4-32 letters/digits); skipped")
            continue
        if not member.name:
            report.warnings.append(f"member {member_id}: no name; skipped")
            continue
        patron = patrons.get(member_id)
        holder = by_card.get(card)
        values = {"card_number": card, "name": member.name[:200], "category": mapping.category(member.member_type),
                  "expires_on": member.expires_on, "email": member.email, "phone": member.phone,
                  "fines": member.fines}
        block = mapping.PENDING_BLOCK if member.pending else None
        if patron is None and holder is not None and holder.slims_member_id is None:
            patron, adopted = holder, True
            patron.slims_member_id = member_id
        else:
            adopted = False
        if patron is None:
            if holder is not None:
                report.warnings.append(f"member {member_id}: card {card} belongs to another SLiMS member; skipped")
                continue
            patron = Patron(slims_member_id=member_id, staff_block=block, **values)
            session.add(patron)
            by_card[card] = patron
            tally.added += 1
            continue
        if patron.staff_block is None or patron.staff_block in mapping.SYNC_BLOCKS:
            values["staff_block"] = block  # a librarian's own block in Pindai stays
        changed = _assign(patron, values)
        if adopted or changed:
            tally.updated += 1
        else:
            tally.unchanged += 1
    for member_id, patron in patrons.items():
        if member_id not in found and patron.staff_block != mapping.GONE_BLOCK:
            patron.staff_block = mapping.GONE_BLOCK
            tally.retired += 1
    session.flush()


def sync(session: Session, conn: Connection) -> SyncReport:
    """Bring SLiMS's titles, copies and members into ``session`` (flushed,
    not committed: the caller commits, or rolls back for a dry run)."""
    report = SyncReport()
    copies = reading.copies(conn)
    codes: dict[int, list[str]] = {}
    for copy in copies.values():
        if copy.biblio_id is not None and copy.item_code:
            codes.setdefault(copy.biblio_id, []).append(copy.item_code)
    books = sync_titles(session, reading.titles(conn), report, codes)
    sync_copies(session, copies, books, report)
    sync_members(session, reading.members(conn), report)
    return report
