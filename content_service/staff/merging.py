"""Likely duplicate records and "merge these records" in the portal.

``/staff/duplicates`` lists every group of records that look like one book
(title, first author and year); ``/staff/books/merge?ids=..`` compares a few
side by side (the import report links there); posting the form merges them
into the record chosen, audited. The work itself is the catalogue's
(``catalogue.merging``)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import errors
from ..catalogue.duplicates import likely_duplicates
from ..catalogue.merging import merge_books
from ..catalogue.models import Asset, Book, Item
from ..codes.models import Code
from ..db import get_session
from .access import audit, bp, requires

MAX_MERGED = 20


def _counts(session, ids: list[int]) -> dict[int, dict[str, int]]:
    """Copies, codes and extras of each book, for the comparison."""
    counts = {i: {"items": 0, "codes": 0, "assets": 0} for i in ids}
    for name, query in (
        ("items", select(Item.book_id, func.count()).where(Item.book_id.in_(ids)).group_by(Item.book_id)),
        ("assets", select(Asset.book_id, func.count()).where(Asset.book_id.in_(ids)).group_by(Asset.book_id)),
        ("codes", select(Code.target_id, func.count()).where(Code.target_type == "book", Code.target_id.in_(ids),
                                                             Code.retired_at.is_(None)).group_by(Code.target_id)),
    ):
        for book_id, count in session.execute(query):
            counts[book_id][name] = count
    return counts


def _ids(values) -> list[int]:
    ids = []
    for value in values:
        for part in str(value).replace(",", " ").split():
            if not part.isdigit() or len(part) > 9:
                raise errors.BadRequest(_l("Records are chosen by their numbers."))
            ids.append(int(part))
    return list(dict.fromkeys(ids))[:MAX_MERGED]


@bp.get("/duplicates")
@requires("content")
def duplicates():
    session = get_session()
    groups = likely_duplicates(session)
    counts = _counts(session, [b.id for g in groups for b in g]) if groups else {}
    return render_template("staff/duplicates.html", groups=groups, counts=counts, single=False)


@bp.get("/books/merge")
@requires("content")
def compare_books():
    session = get_session()
    ids = _ids(request.args.getlist("ids"))
    books = {b.id: b for b in session.scalars(select(Book).where(Book.id.in_(ids)))} if ids else {}
    group = [books[i] for i in ids if i in books]
    if len(group) < 2:
        raise errors.NotFound(_l("Those records are no longer two books: they may have been merged already."))
    counts = _counts(session, [b.id for b in group])
    group.sort(key=lambda b: (-counts[b.id]["items"], b.id))  # the record the library lends is kept by default
    return render_template("staff/duplicates.html", groups=[group], counts=counts, single=True)


@bp.post("/books/merge")
@requires("catalogue")
def merge():
    session = get_session()
    ids = _ids(request.form.getlist("ids"))
    keep = _ids([request.form.get("keep", "")])
    if len(keep) != 1 or keep[0] not in ids:
        raise errors.BadRequest(_l("Choose the record to keep."))
    others = [i for i in ids if i != keep[0]]
    titles = dict(session.execute(select(Book.id, Book.title).where(Book.id.in_(ids))).all())
    kept = merge_books(session, keep[0], others)
    audit(session, "book.merge", "book", kept.id, merged=others, titles=[titles.get(i) for i in others])
    session.commit()
    return redirect(url_for("staff.book", book_id=kept.id, merged=len(others)), 303)
