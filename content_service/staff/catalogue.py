"""Catalogue work in the browser: find a book, add one by hand or edit its
record, keep its copies (barcode, location, status). Codes and label
sheets are in ``labelling``."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import errors, isbn
from ..args import int_arg
from ..catalogue.duplicates import duplicates_of
from ..catalogue.merging import merged_into
from ..catalogue.models import ITEM_STATUSES, Asset, Book, Isbn, Item
from ..catalogue.queries import NoSuchBook, get_book
from ..codes import labels
from ..libraries import all_libraries
from ..codes.models import Code
from ..db import get_session
from ..libraries.models import Library
from ..sharing import books as book_sharing
from . import scope
from .access import audit, bp, requires
from .models import AuditEntry

AUDIENCES = ("all", "children", "teens", "adults")
PAGE = 25


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_books(session: Session, q: str = "", audience: str = "", language: str = "", extras: str = "",
               page: int = 1, library: str = "") -> tuple[list[Book], int]:
    """Books matching a staff search (title, author, ISBN, barcode or code) and
    filters; ``library`` (a library's code): titles with a copy there."""
    query = select(Book)
    q = q.strip()
    if q:
        pattern = _like(q.lower())
        digits = "".join(ch for ch in q if ch.isalnum())
        query = query.where(or_(
            func.lower(Book.title).like(pattern, escape="\\"),
            func.lower(cast(Book.authors, String)).like(pattern, escape="\\"),
            Book.id.in_(select(Isbn.book_id).where(Isbn.isbn13.like(_like(digits), escape="\\"))) if digits else False,
            Book.id.in_(select(Item.book_id).where(Item.barcode == q)),
        ))
    if audience in AUDIENCES:
        query = query.where(Book.audience == audience)
    if language:
        query = query.where(Book.language == language)
    if library:
        held = select(Item.book_id).join(Item.library).where(Library.code == library.strip().lower())
        query = query.where(Book.id.in_(held))
    if extras == "yes":
        query = query.where(Book.id.in_(select(Asset.book_id)))
    elif extras == "no":
        query = query.where(Book.id.not_in(select(Asset.book_id)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    books = session.scalars(query.order_by(Book.title, Book.id).offset((page - 1) * PAGE).limit(PAGE)
                            .options(selectinload(Book.items), selectinload(Book.assets), selectinload(Book.isbns)))
    return list(books), total


def _book(book_id: int) -> Book:
    return get_book(get_session(), book_id)


def _lines(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", "\n").splitlines() if part.strip()]


def update_book(book: Book, form) -> list[str]:
    """Apply an edit form to a book; returns the names of the fields that changed."""
    title = (form.get("title") or "").strip()
    if not title or len(title) > 500:
        raise errors.BadRequest(_l("A title is needed (at most 500 characters)."))
    year_text = (form.get("year") or "").strip()
    if year_text and not (year_text.isdigit() and 1000 <= int(year_text) <= 2100):
        raise errors.BadRequest(_l("The year must be a four-digit year."))
    audience = form.get("audience") or "all"
    if audience not in AUDIENCES:
        raise errors.BadRequest(_l("Unknown audience."))
    values = {
        "title": title,
        "subtitle": (form.get("subtitle") or "").strip() or None,
        "authors": _lines(form.get("authors", "")),
        "subjects": _lines(form.get("subjects", "")),
        "summary": (form.get("summary") or "").strip() or None,
        "publisher": (form.get("publisher") or "").strip() or None,
        "year": int(year_text) if year_text else None,
        "language": (form.get("language") or "").strip().lower()[:8] or None,
        "audience": audience,
        "call_number": (form.get("call_number") or "").strip()[:100] or None,
    }
    changed = [name for name, value in values.items() if getattr(book, name) != value]
    for name in changed:
        setattr(book, name, values[name])
    return changed


def _item_values(form) -> dict:
    barcode = (form.get("barcode") or "").strip()
    status = form.get("status") or "available"
    if not barcode or len(barcode) > 64:
        raise errors.BadRequest(_l("A copy needs a barcode (at most 64 characters)."))
    if status not in ITEM_STATUSES:
        raise errors.BadRequest(_l("Unknown copy status."))
    return {"barcode": barcode, "status": status, "location": (form.get("location") or "").strip()[:200] or None,
            "call_number": (form.get("call_number") or "").strip()[:100] or None}


class DuplicateBarcode(errors.PindaiError):
    status = 409
    code = "duplicate_barcode"
    message_en = _l("This barcode is already used by another copy.")


@bp.get("/")
@requires("content")
def home():
    return redirect(url_for("staff.books"))


@bp.get("/books")
@requires("content")
def books():
    page = int_arg("page", 1, 1, 10**6)
    args = {k: request.args.get(k, "") for k in ("q", "audience", "language", "extras", "library")}
    found, total = find_books(get_session(), page=page, **args)
    return render_template("staff/books.html", books=found, total=total, page=page, pages=max(1, -(-total // PAGE)),
                           args=args, audiences=AUDIENCES, libraries=all_libraries(get_session()))


def create_book(session: Session, form) -> Book:
    """A new record typed in by staff (title required; an ISBN is checked and must be new)."""
    book = Book(title="", authors=[], subjects=[])
    update_book(book, form)
    raw = (form.get("isbn") or "").strip()
    if raw:
        isbn13 = isbn.to_isbn13(raw)
        if isbn13 is None:
            raise errors.InvalidIsbn()
        if session.get(Isbn, isbn13) is not None:
            raise DuplicateIsbn()
        book.isbns.append(Isbn(isbn13=isbn13, position=0))
    session.add(book)
    session.flush()
    return book


class DuplicateIsbn(errors.PindaiError):
    status = 409
    code = "duplicate_isbn"
    message_en = _l("This ISBN is already in the catalogue.")


@bp.post("/books/new")
@requires("catalogue")
def new_book():
    session = get_session()
    try:
        book = create_book(session, request.form)
        session.flush()  # what the columns refuse (inputs) is shown like the form's own checks
    except errors.PindaiError as exc:
        session.rollback()
        found, total = find_books(session)
        return render_template("staff/books.html", books=found, total=total, page=1, pages=max(1, -(-total // PAGE)),
                               args={"q": "", "audience": "", "language": "", "extras": "", "library": ""},
                               audiences=AUDIENCES, libraries=all_libraries(session), error=exc), exc.status
    audit(session, "book.create", "book", book.id, title=book.title)
    session.commit()
    return redirect(url_for("staff.book", book_id=book.id), 303)


def book_history(session: Session, book: Book, limit: int = 20) -> list[AuditEntry]:
    """The latest audit entries about a book, its copies and its extras."""
    targets = [(AuditEntry.target_type == "book") & (AuditEntry.target_id == book.id)]
    for kind, ids in (("item", [i.id for i in book.items]), ("asset", [a.id for a in book.assets])):
        if ids:
            targets.append((AuditEntry.target_type == kind) & AuditEntry.target_id.in_(ids))
    return list(session.scalars(select(AuditEntry).where(or_(*targets)).order_by(AuditEntry.id.desc()).limit(limit)))


def _book_page(book: Book, error: errors.PindaiError | None = None, status: int = 200):
    session = get_session()
    item_ids = [item.id for item in book.items]
    rows = session.scalars(select(Code).where(
        or_((Code.target_type == "book") & (Code.target_id == book.id),
            (Code.target_type == "item") & Code.target_id.in_(item_ids) if item_ids else False))
        .order_by(Code.created_at)).all()
    return render_template("staff/book.html", book=book, codes=rows, statuses=ITEM_STATUSES, audiences=AUDIENCES,
                           history=book_history(session, book), duplicates=duplicates_of(session, book),
                           merged=int_arg("merged", 0, 0, 1000), libraries=scope.choices(session),
                           may_change_item=scope.may_change_item, may_change_book=scope.may_change_book(book),
                           error=error, base_url=current_app.config["PUBLIC_BASE_URL"],
                           layouts=sorted(labels.LAYOUTS), default_layout=current_app.config["LABEL_LAYOUT"]), status


@bp.get("/books/<int:book_id>")
@requires("content")
def book(book_id: int):
    try:
        found = _book(book_id)
    except NoSuchBook:
        kept = merged_into(get_session(), book_id)
        if kept is None:
            raise
        return redirect(url_for("staff.book", book_id=kept), 301)
    return _book_page(found)


@bp.get("/books/<int:book_id>/poster.png")
@requires("content")
def book_poster(book_id: int):
    """The book's square 1080x1080 PNG poster for Instagram, as a file to save."""
    session = get_session()
    return book_sharing.poster_png(session, get_book(session, book_id), staff=True)


@bp.post("/books/<int:book_id>/edit")
@requires("catalogue")
def edit_book(book_id: int):
    session = get_session()
    book = _book(book_id)
    try:
        scope.check_book(book)
        changed = update_book(book, request.form)
        session.flush()
    except errors.PindaiError as exc:
        session.rollback()
        return _book_page(_book(book_id), exc, exc.status)
    if changed:
        audit(session, "book.update", "book", book.id, fields=changed)
    session.commit()
    return redirect(url_for("staff.book", book_id=book.id), 303)


@bp.post("/books/<int:book_id>/items")
@requires("catalogue")
def add_item(book_id: int):
    session = get_session()
    book = _book(book_id)
    try:
        item = Item(book_id=book.id, library_id=scope.library_for_copy(session, request.form.get("library")),
                    **_item_values(request.form))
        session.add(item)
        session.flush()
    except IntegrityError:
        session.rollback()
        return _book_page(_book(book_id), DuplicateBarcode(), 409)
    except errors.PindaiError as exc:
        session.rollback()
        return _book_page(_book(book_id), exc, exc.status)
    audit(session, "item.create", "item", item.id, book_id=book.id, barcode=item.barcode)
    session.commit()
    return redirect(url_for("staff.book", book_id=book.id), 303)


@bp.post("/items/<int:item_id>")
@requires("catalogue")
def update_item(item_id: int):
    session = get_session()
    item = session.get(Item, item_id)
    if item is None:
        raise errors.NotFound(_l("No copy with id %(item_id)s.", item_id=item_id))
    book_id = item.book_id
    try:
        scope.check_item(item)
        values = _item_values(request.form)
        if request.form.get("library"):  # moving a copy to another library
            values["library_id"] = scope.library_for_copy(session, request.form["library"])
        changed = [k for k, v in values.items() if getattr(item, k) != v]
        for k in changed:
            setattr(item, k, values[k])
        session.flush()
    except IntegrityError:
        session.rollback()
        return _book_page(_book(book_id), DuplicateBarcode(), 409)
    except errors.PindaiError as exc:
        session.rollback()
        return _book_page(_book(book_id), exc, exc.status)
    if changed:
        audit(session, "item.update", "item", item.id, fields=changed)
    session.commit()
    return redirect(url_for("staff.book", book_id=book_id), 303)
