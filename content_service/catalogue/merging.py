"""Merging duplicate records into one: "merge these records" in the portal.

The kept record receives every copy, ISBN, QR code and extra of the records
merged into it, and fills its empty fields from theirs; the others are then
deleted, leaving aliases (``BookAlias``) so their old ids, control numbers
and title keys lead to the kept record. Printed labels never change: a code
that pointed at a merged-away book now points at the kept one, and a copy's
code follows the copy.

Features that keep rows about books (events' related books, survey answers)
add a step to the app's registry in their ``init_app``
(``register_step``), so the core never names them."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import errors
from ..codes.models import Code
from ..kiosks.models import ScanLog
from .duplicates import title_key, author_key
from .models import Asset, Book, BookAlias, Isbn, Item

# (session, kept book id, merged-away ids): re-point a feature's rows.
MergeStep = Callable[[Session, int, list[int]], None]
_STEPS = "pindai.merge_steps"
_FILLED = ("subtitle", "summary", "publisher", "year", "language", "cover_url", "call_number")


def register_step(app: Flask, step: MergeStep) -> None:
    """Called by a feature's ``init_app``: run ``step`` in every merge."""
    app.extensions.setdefault(_STEPS, []).append(step)


class CannotMerge(errors.BadRequest):
    pass


def merge_books(session: Session, keep_id: int, other_ids: Sequence[int]) -> Book:
    """Merge ``other_ids`` into ``keep_id`` (one transaction: the caller's)."""
    others_ids = [i for i in dict.fromkeys(other_ids) if i != keep_id]
    if not others_ids:
        raise CannotMerge(_l("Choose at least two records to merge."))
    keep = session.get(Book, keep_id)
    others = list(session.scalars(select(Book).where(Book.id.in_(others_ids)).order_by(Book.id)))
    if keep is None or len(others) != len(others_ids):
        raise CannotMerge(_l("One of the records to merge is no longer in the catalogue."))
    for other in others:
        _fill(keep, other)
    _move_isbns(session, keep, others)
    session.execute(update(Item).where(Item.book_id.in_(others_ids)).values(book_id=keep.id))
    session.execute(update(Code).where(Code.target_type == "book", Code.target_id.in_(others_ids))
                    .values(target_id=keep.id))
    session.execute(update(ScanLog).where(ScanLog.book_id.in_(others_ids)).values(book_id=keep.id))
    _move_assets(session, keep, others_ids)
    for step in current_app.extensions.get(_STEPS, ()):
        step(session, keep.id, others_ids)
    aliases = _aliases(session, keep, others)
    # An identifier can be unique to one row only: free the old rows' before the kept one takes them.
    taken = {name: getattr(keep, name) for name in ("control_number", "slims_biblio_id")}
    moved = {}
    for other in others:
        for name, value in taken.items():
            if value is None and getattr(other, name) is not None and name not in moved:
                moved[name] = getattr(other, name)
        other.control_number = None
        other.slims_biblio_id = None
    session.flush()
    for name, value in moved.items():
        setattr(keep, name, value)
    for other in others:
        session.expire(other)
        session.delete(other)
    session.flush()
    session.add_all(aliases)
    session.flush()
    session.expire(keep)
    return keep


def _fill(keep: Book, other: Book) -> None:
    for name in _FILLED:
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(keep, name, getattr(other, name))
    subjects = list(keep.subjects or [])
    subjects += [s for s in other.subjects or [] if s not in subjects]
    if subjects != list(keep.subjects or []):
        keep.subjects = subjects
    if not keep.authors and other.authors:
        keep.authors = list(other.authors)
    if keep.audience == "all" and other.audience != "all":
        keep.audience = other.audience


def _move_isbns(session: Session, keep: Book, others: list[Book]) -> None:
    position = len(session.scalars(select(Isbn.isbn13).where(Isbn.book_id == keep.id)).all())
    for isbn in session.scalars(select(Isbn).where(Isbn.book_id.in_([o.id for o in others]))
                                .order_by(Isbn.book_id, Isbn.position)):
        isbn.book_id, isbn.position = keep.id, position
        position += 1


def _move_assets(session: Session, keep: Book, other_ids: list[int]) -> None:
    kept: set[tuple[str, str | None]] = {
        (kind, media) for kind, media in session.execute(select(Asset.kind, Asset.media_hash).where(Asset.book_id == keep.id))}
    position = max(session.scalars(select(Asset.position).where(Asset.book_id == keep.id)).all(), default=-1) + 1
    for asset in session.scalars(select(Asset).where(Asset.book_id.in_(other_ids)).order_by(Asset.book_id, Asset.position)):
        if asset.media_hash is not None and (asset.kind, asset.media_hash) in kept:
            continue  # the same file is already one of the kept record's extras: it goes with its book
        asset.book_id, asset.position = keep.id, position
        kept.add((asset.kind, asset.media_hash))
        position += 1
    session.flush()


def _aliases(session: Session, keep: Book, others: list[Book]) -> list[BookAlias]:
    other_ids = [o.id for o in others]
    with_isbn = set(session.scalars(select(Isbn.book_id).where(Isbn.book_id.in_(other_ids))))
    rows = [BookAlias(kind="book", value=str(o.id), book_id=keep.id) for o in others]
    # Aliases that pointed at a merged-away record now point at the kept one.
    session.execute(update(BookAlias).where(BookAlias.book_id.in_(other_ids)).values(book_id=keep.id))
    known = {(a.kind, a.value) for a in session.scalars(select(BookAlias))}
    for other in others:
        if other.control_number and other.control_number != keep.control_number:
            rows.append(BookAlias(kind="control", value=other.control_number, book_id=keep.id))
        if not other.control_number and other.id not in with_isbn:
            rows.append(BookAlias(kind="title", value=import_title_key(other.title, other.authors, other.year),
                                  book_id=keep.id))
    fresh = []
    for row in rows:
        if (row.kind, row.value) not in known:
            known.add((row.kind, row.value))
            fresh.append(row)
    return fresh


def import_title_key(title: str | None, authors: Sequence[str] | None, year: int | None) -> str:
    """How an import recognises a record with neither ISBN nor control number."""
    return f"{title_key(title)}|{author_key(authors)}|{year or ''}"[:700]


def merged_into(session: Session, book_id: int) -> int | None:
    """The record a merged-away book id now lives on, if it was merged."""
    return session.scalar(select(BookAlias.book_id).where(BookAlias.kind == "book", BookAlias.value == str(book_id)))
