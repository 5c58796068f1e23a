"""What the search index holds about a book: one plain dict per book, read
from the database in batches with Core queries (an ORM load of 100,000 books
with their copies would dominate a rebuild)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..isbn import to_isbn10
from ..catalogue.models import Book, Isbn, Item

BATCH = 2000

_BOOK_COLUMNS = (
    Book.id, Book.title, Book.subtitle, Book.authors, Book.subjects, Book.summary, Book.publisher,
    Book.year, Book.language, Book.audience, Book.cover_url, Book.call_number,
)


def count_books(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Book)) or 0


def iter_documents(session: Session, ids: Iterable[int] | None = None, batch: int = BATCH) -> Iterator[dict]:
    """Documents for the given book ids (every book when ``ids`` is None),
    in id order. Ids with no book are simply absent."""
    if ids is None:
        last = 0
        while True:
            rows = session.execute(
                select(*_BOOK_COLUMNS).where(Book.id > last).order_by(Book.id).limit(batch)
            ).all()
            if not rows:
                return
            yield from _documents(session, rows)
            last = rows[-1].id
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        rows = session.execute(select(*_BOOK_COLUMNS).where(Book.id.in_(chunk)).order_by(Book.id)).all()
        yield from _documents(session, rows)


def _documents(session: Session, rows) -> Iterator[dict]:
    if not rows:
        return
    ids = [row.id for row in rows]
    low, high = ids[0], ids[-1]
    isbns: dict[int, list[str]] = {}
    for book_id, isbn13 in session.execute(
        select(Isbn.book_id, Isbn.isbn13).where(Isbn.book_id.between(low, high)).order_by(Isbn.book_id, Isbn.position)
    ):
        isbns.setdefault(book_id, []).append(isbn13)
    # "On the shelf now": at least one copy that can be taken from the shelf.
    on_shelf = case((Item.status == "available", 1), else_=0)
    available: dict[int, int] = {}
    holdings: dict[int, int] = {}
    for book_id, any_on_shelf, copies in session.execute(
        select(Item.book_id, func.max(on_shelf), func.count()).where(Item.book_id.between(low, high))
        .group_by(Item.book_id)
    ):
        available[book_id], holdings[book_id] = any_on_shelf, copies
    for row in rows:
        yield document(row, isbns.get(row.id, []), bool(available.get(row.id)), holdings.get(row.id, 0))


def document(row, isbns: list[str], available: bool, holdings: int = 0) -> dict:
    """The index document of one book (``row`` has the Book columns)."""
    codes = list(isbns)
    codes += [isbn10 for isbn10 in map(to_isbn10, isbns) if isbn10]
    if row.call_number:
        codes.append("".join(row.call_number.split()).lower())
    return {
        "id": row.id,
        "title": row.title or "",
        "subtitle": row.subtitle,
        "authors": list(row.authors or []),
        "subjects": [s for s in (row.subjects or []) if s],
        "summary": row.summary,
        "publisher": row.publisher,
        "year": row.year,
        "language": row.language,
        "audience": row.audience or "all",
        "cover_url": row.cover_url,
        "call_number": row.call_number,
        "codes": codes,
        "available": available,
        "holdings": holdings,  # copies the library has: a record without any never outranks its twin with some
    }
