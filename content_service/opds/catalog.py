"""What the OPDS catalogue lists: the titles with a published e-resource
(an open e-book file the library shares, or a link to an online resource),
newest e-resource first, narrowed by facets (kind, language, subject), one
page at a time, or found by a search. Both feeds (``atom``, ``v2``) read
these plain records; neither queries the database itself."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..catalogue.models import Asset, Book

KINDS = ("ebook", "online")
PER_PAGE = 25
MAX_PER_PAGE = 100
TOP_SUBJECTS = 12
SEARCH_DEPTH = 1000  # search results looked through for titles with e-resources


@dataclass(frozen=True)
class Facets:
    """The facets a feed is narrowed by; None is "all"."""

    kind: str | None = None
    language: str | None = None
    subject: str | None = None

    def changed(self, **values) -> Facets:
        return Facets(**{**vars(self), **values})

    def args(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value is not None}


@dataclass
class Page:
    """One page of publications, the counts behind each facet and the page's place."""

    books: list[Book]
    total: int
    page: int
    per_page: int
    counts: dict[str, Counter] = field(default_factory=dict)
    updated: datetime | None = None

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _published(session: Session, kind: str | None) -> list[tuple[int, datetime]]:
    """(book id, its newest e-resource's time), newest first."""
    kinds = (kind,) if kind else KINDS
    newest = func.max(Asset.created_at)
    rows = session.execute(select(Asset.book_id, newest).where(Asset.published, Asset.kind.in_(kinds))
                           .group_by(Asset.book_id).order_by(newest.desc(), Asset.book_id.desc()))
    return [(book_id, at) for book_id, at in rows]


def _facts(session: Session, ids: list[int]) -> dict[int, tuple[str | None, list[str]]]:
    facts: dict[int, tuple[str | None, list[str]]] = {}
    for at in range(0, len(ids), 500):
        for book_id, language, subjects in session.execute(
                select(Book.id, Book.language, Book.subjects).where(Book.id.in_(ids[at:at + 500]))):
            facts[book_id] = (language, list(subjects or []))
    return facts


def _kinds(session: Session, ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for at in range(0, len(ids), 500):
        for book_id, kind in session.execute(select(Asset.book_id, Asset.kind).where(
                Asset.published, Asset.kind.in_(KINDS), Asset.book_id.in_(ids[at:at + 500])).distinct()):
            found.setdefault(book_id, set()).add(kind)
    return found


def load(session: Session, ids: list[int]) -> list[Book]:
    """The books of ``ids`` in that order, with their ISBNs and assets."""
    if not ids:
        return []
    books = {book.id: book for book in session.scalars(
        select(Book).where(Book.id.in_(ids)).options(selectinload(Book.isbns), selectinload(Book.assets)))}
    return [books[i] for i in ids if i in books]


def publications(session: Session, facets: Facets, page: int = 1, per_page: int = PER_PAGE,
                 only: list[int] | None = None) -> Page:
    """One page of the titles with e-resources under ``facets`` (newest first, or in
    the order of ``only``: search results), and each facet's counts under the others."""
    listed = _published(session, None)
    updated = listed[0][1] if listed else None
    order = [book_id for book_id, _at in listed]
    if only is not None:
        wanted = set(order)
        order = [book_id for book_id in only if book_id in wanted]
    facts, kinds = _facts(session, order), _kinds(session, order)

    def keeps(book_id: int, skip: str | None = None) -> bool:
        language, subjects = facts.get(book_id, (None, []))
        return ((skip == "kind" or facets.kind is None or facets.kind in kinds.get(book_id, ()))
                and (skip == "language" or facets.language is None or language == facets.language)
                and (skip == "subject" or facets.subject is None or facets.subject in subjects))

    counts: dict[str, Counter] = {"kind": Counter(), "language": Counter(), "subject": Counter()}
    for book_id in order:
        language, subjects = facts.get(book_id, (None, []))
        if keeps(book_id, "kind"):
            counts["kind"].update(kinds.get(book_id, ()))
        if keeps(book_id, "language") and language:
            counts["language"][language] += 1
        if keeps(book_id, "subject"):
            counts["subject"].update(set(subjects))
    chosen = [book_id for book_id in order if keeps(book_id)]
    start = (page - 1) * per_page
    return Page(load(session, chosen[start:start + per_page]), len(chosen), page, per_page, counts, updated)


def subjects(session: Session, limit: int = 200) -> list[tuple[str, int]]:
    """Subjects of the titles with e-resources, the most common first."""
    order = [book_id for book_id, _at in _published(session, None)]
    counted: Counter = Counter()
    for _language, names in _facts(session, order).values():
        counted.update(set(names))
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0].casefold()))[:limit]


def search_ids(session: Session, text: str) -> list[int]:
    """Book ids matching ``text``, best first: the catalogue's search index when the
    service has one (the ``search`` feature), else titles and authors containing it."""
    if "pindai.search" in current_app.extensions:
        from ..search import Filters, parse, search

        return search(parse(text), Filters(), 1, SEARCH_DEPTH).book_ids
    pattern = f"%{text.strip()}%"
    rows = session.scalars(select(Book.id).where(or_(Book.title.ilike(pattern), Book.subtitle.ilike(pattern)))
                           .order_by(Book.title).limit(SEARCH_DEPTH))
    return list(rows)


def eresources(book: Book) -> tuple[list[Asset], list[Asset]]:
    """A title's published e-books and online resources, in the staff's order."""
    assets = sorted((a for a in book.assets if a.published), key=lambda a: (a.position, a.id))
    return [a for a in assets if a.kind == "ebook"], [a for a in assets if a.kind == "online"]
