"""Related books on the staff event form: picked from a catalogue search,
never typed as ids.

- ``ids_from_form``: the chosen books' ids from a post (one ``book_id`` per
  book; the comma-separated ``book_ids`` of the older form is still read).
- ``chosen``: those books as the form shows them (title, authors, year), in
  the order chosen; an id no longer in the catalogue is kept and marked, so a
  refusal loses nothing.
- ``matches``: the staff catalogue search (``staff.catalogue.find_books``:
  title, author, ISBN or barcode, straight from the database, so a book
  added a minute ago is found) as choices for the form: the page's no-script
  search and ``GET /staff/events/books`` for ``static/staff/event-books.js``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import errors
from ..args import MAX_ID
from ..catalogue.models import Book
from ..staff.catalogue import find_books

MAX_MATCHES = 10
MAX_QUERY = 200


def ids_from_form(form) -> list[int]:
    """Book ids from a post, each once, in order; anything but an id is a clear BadRequest."""
    parts = list(form.getlist("book_id")) if hasattr(form, "getlist") else list(form.get("book_id") or [])
    parts += (form.get("book_ids") or "").split(",")
    parts = [part.strip() for part in parts if part and part.strip()]
    bad = next((part for part in parts if not part.isdigit() or int(part) > MAX_ID), None)
    if bad is not None:
        raise errors.BadRequest(_l("Related books are chosen from the catalogue search; '%(value)s' is not a book.",
                                   value=bad[:40]))
    return list(dict.fromkeys(int(part) for part in parts))


def choice(book: Book) -> dict:
    """What the form shows of a book, and what the JSON search answers."""
    return {"id": book.id, "title": book.title, "authors": list(book.authors or []), "year": book.year}


def chosen(session: Session, book_ids: list[int]) -> list[dict]:
    """The chosen books in the order given; an id with no book is ``missing``."""
    found = {book.id: book for book in session.scalars(select(Book).where(Book.id.in_(book_ids)))} if book_ids else {}
    return [choice(found[i]) if i in found else {"id": i, "missing": True} for i in book_ids]


def matches(session: Session, text: str, leave_out: list[int] | tuple = ()) -> list[dict]:
    """Up to MAX_MATCHES books for a staff search, those already chosen left out."""
    # Control characters (a NUL, which PostgreSQL cannot compare) are read as spaces, as the search box's are.
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())
    if len(text) > MAX_QUERY:
        raise errors.BadRequest(_l("'%(name)s' is too long (at most %(max_length)s characters).",
                                   name="q", max_length=MAX_QUERY))
    if not text:
        return []
    books, _total = find_books(session, text)
    return [choice(book) for book in books if book.id not in leave_out][:MAX_MATCHES]
