"""Reading the catalogue: one book with what its pages show, a page of
books. Every view that takes a book id goes through ``get_book``, so a
missing book is always the same ``not_found`` answer (``NoSuchBook``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .. import errors
from .models import Book

_BOOK_LOADS = (selectinload(Book.isbns), selectinload(Book.items), selectinload(Book.assets))


def load_book(session: Session, book_id: int) -> Book | None:
    """A book with its ISBNs, copies and assets loaded, or None."""
    return session.scalars(select(Book).where(Book.id == book_id).options(*_BOOK_LOADS)).first()


class NoSuchBook(errors.NotFound):
    """A book id that is not in the catalogue (404 ``not_found``)."""

    def __init__(self, book_id: int):
        super().__init__(_l("No book with id %(book_id)s.", book_id=book_id))


def get_book(session: Session, book_id: int) -> Book:
    """The book with its ISBNs, copies and assets loaded; raises ``NoSuchBook``."""
    book = load_book(session, book_id)
    if book is None:
        raise NoSuchBook(book_id)
    return book


def list_books(session: Session, page: int, per_page: int) -> tuple[list[Book], int]:
    """One page of books ordered by title, and the total count."""
    total = session.scalar(select(func.count()).select_from(Book)) or 0
    books = session.scalars(
        select(Book)
        .order_by(Book.title, Book.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Book.isbns), selectinload(Book.items))
    ).all()
    return list(books), total
