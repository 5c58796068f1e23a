"""Factories that make rows for tests: each call makes new, unique rows."""
from __future__ import annotations

import itertools

from content_service import codes
from content_service.catalogue.models import Asset, Book, Isbn, Item

_serial = itertools.count(1)


def make_book(session, *, isbn13: str | None = None, copies: int = 0, statuses=None, **fields) -> Book:
    n = next(_serial)
    fields.setdefault("title", f"Buku Uji {n}")
    fields.setdefault("authors", ["Penulis Uji"])
    fields.setdefault("subjects", [])
    book = Book(**fields)
    if isbn13:
        book.isbns.append(Isbn(isbn13=isbn13, position=0))
    session.add(book)
    session.flush()
    statuses = list(statuses or ["available"] * copies)
    for status in statuses:
        make_item(session, book, status=status)
    return book


def make_item(session, book: Book, *, status: str = "available", barcode: str | None = None, **fields) -> Item:
    n = next(_serial)
    item = Item(
        book_id=book.id,
        barcode=barcode or f"B{n:08d}",
        status=status,
        location=fields.pop("location", "Lantai 1 · Rak A1"),
        **fields,
    )
    session.add(item)
    session.flush()
    return item


def make_code(session, target) -> str:
    """The target's code: a copy's own (minted when it was created), or a new one for a book."""
    if isinstance(target, Item):
        return codes.ensure_code(session, "item", target.id).code
    return codes.mint(session, "book", target.id).code


def make_asset(session, book: Book, **fields) -> Asset:
    fields.setdefault("kind", "link")
    fields.setdefault("title", "Tautan")
    fields.setdefault("url", "https://example.org/")
    asset = Asset(book_id=book.id, **fields)
    session.add(asset)
    session.flush()
    return asset


def make_library(session, name: str, *, code: str | None = None, kind: str = "school", **fields):
    """A library of the network beside the default one."""
    from content_service.libraries.models import Library

    n = next(_serial)
    library = Library(code=code or f"lib{n}", name=name, kind=kind, **fields)
    session.add(library)
    session.flush()
    return library
