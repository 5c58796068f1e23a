"""Likely duplicate records: the same work catalogued twice (an import without
ISBNs beside the record the library already had).

Two records are likely the same book when their normalised titles and first
authors agree and their years do not disagree (equal, or one unknown). Names
are compared as a set of words, so "Hirata, Andrea" is "Andrea Hirata"."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Book, Item

_NOT_WORD = re.compile(r"[\W_]+")


def _words(text: str | None) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return [w for w in _NOT_WORD.split(plain) if w]


def title_key(title: str | None) -> str:
    """A title without case, accents or punctuation: "Ayat-Ayat Cinta!" -> "ayat ayat cinta"."""
    return " ".join(_words(title))


def author_key(authors: Sequence[str] | None) -> str:
    """The first author as a sorted set of words (order of names does not matter)."""
    first = next((a for a in authors or () if a and a.strip()), "")
    return " ".join(sorted(set(_words(first))))


def work_key(title: str | None, authors: Sequence[str] | None) -> str:
    """Title and first author: what "the same book" means to a visitor."""
    return f"{title_key(title)}|{author_key(authors)}"


def same_year(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b


def likely_duplicates(session: Session, among: Iterable[int] | None = None) -> list[list[Book]]:
    """Groups of two or more books that are likely one work, the record with
    the most copies first (the one to keep), then the oldest. With ``among``,
    only groups that contain one of those book ids."""
    rows = session.execute(select(Book.id, Book.title, Book.authors, Book.year)).all()
    by_work: dict[str, list[tuple[int, int | None]]] = {}
    for book_id, title, authors, year in rows:
        key = work_key(title, authors)
        if key.startswith("|"):
            continue  # a record without a title is no one's duplicate
        by_work.setdefault(key, []).append((book_id, year))
    wanted = set(among) if among is not None else None
    groups: list[list[int]] = []
    for members in by_work.values():
        if len(members) < 2:
            continue
        for group in _by_year(members):
            if len(group) > 1 and (wanted is None or wanted & set(group)):
                groups.append(group)
    if not groups:
        return []
    ids = [book_id for group in groups for book_id in group]
    copies = dict(session.execute(
        select(Item.book_id, func.count()).where(Item.book_id.in_(ids)).group_by(Item.book_id)).all())
    books = {b.id: b for b in session.scalars(select(Book).where(Book.id.in_(ids)))}
    ordered = [sorted((books[i] for i in group), key=lambda b: (-copies.get(b.id, 0), b.id)) for group in groups]
    return sorted(ordered, key=lambda group: (title_key(group[0].title), group[0].id))


def _by_year(members: list[tuple[int, int | None]]) -> list[list[int]]:
    """Split one work's records by year; a record with no year joins every group."""
    years = sorted({year for _id, year in members if year is not None})
    unknown = [book_id for book_id, year in members if year is None]
    if not years:
        return [unknown]
    return [[book_id for book_id, y in members if y == year] + unknown for year in years]


def duplicates_of(session: Session, book: Book) -> list[Book]:
    """Other records likely the same book as this one (its page says so).
    Titles are first matched as typed, case aside: a cheap query on a page
    view; the duplicates page compares every record's normalised title."""
    key = work_key(book.title, book.authors)
    candidates = session.scalars(select(Book).where(func.lower(Book.title) == (book.title or "").lower(),
                                                    Book.id != book.id).order_by(Book.id).limit(50))
    return [b for b in candidates if work_key(b.title, b.authors) == key and same_year(b.year, book.year)]
