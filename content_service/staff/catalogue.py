"""Catalogue work in the browser: find a book, edit its record, keep its
copies (barcode, location, status), mint and retire codes, print label
sheets. Labels use the core's generator (``labels``)."""
from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import codes, errors, labels
from ..db import get_session
from ..models import ITEM_STATUSES, Asset, Book, Code, Isbn, Item
from ..resolve import load_book
from .access import audit, bp, requires

AUDIENCES = ("all", "children", "teens", "adults")
PAGE = 25


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_books(session: Session, q: str = "", audience: str = "", language: str = "", extras: str = "",
               page: int = 1) -> tuple[list[Book], int]:
    """Books matching a staff search (title, author, ISBN, barcode or code) and filters."""
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
    if extras == "yes":
        query = query.where(Book.id.in_(select(Asset.book_id)))
    elif extras == "no":
        query = query.where(Book.id.not_in(select(Asset.book_id)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    books = session.scalars(query.order_by(Book.title, Book.id).offset((page - 1) * PAGE).limit(PAGE)
                            .options(selectinload(Book.items), selectinload(Book.assets), selectinload(Book.isbns)))
    return list(books), total


def _book(book_id: int) -> Book:
    book = load_book(get_session(), book_id)
    if book is None:
        raise errors.NotFound(f"No book with id {book_id}.", message_id=f"Buku dengan id {book_id} tidak ada.")
    return book


def _lines(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", "\n").splitlines() if part.strip()]


def update_book(book: Book, form) -> list[str]:
    """Apply an edit form to a book; returns the names of the fields that changed."""
    title = (form.get("title") or "").strip()
    if not title or len(title) > 500:
        raise errors.BadRequest("A title is needed (at most 500 characters).",
                                message_id="Judul wajib diisi (paling banyak 500 karakter).")
    year_text = (form.get("year") or "").strip()
    if year_text and not (year_text.isdigit() and 1000 <= int(year_text) <= 2100):
        raise errors.BadRequest("The year must be a four-digit year.", message_id="Tahun harus empat angka.")
    audience = form.get("audience") or "all"
    if audience not in AUDIENCES:
        raise errors.BadRequest("Unknown audience.", message_id="Sasaran pembaca tidak dikenal.")
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
        raise errors.BadRequest("A copy needs a barcode (at most 64 characters).",
                                message_id="Eksemplar wajib punya barcode (paling banyak 64 karakter).")
    if status not in ITEM_STATUSES:
        raise errors.BadRequest("Unknown copy status.", message_id="Status eksemplar tidak dikenal.")
    return {"barcode": barcode, "status": status, "location": (form.get("location") or "").strip()[:200] or None,
            "call_number": (form.get("call_number") or "").strip()[:100] or None}


class DuplicateBarcode(errors.PindaiError):
    status = 409
    code = "duplicate_barcode"
    message_id = "Barcode ini sudah dipakai eksemplar lain."
    message_en = "This barcode is already used by another copy."


@bp.get("/")
@requires("content")
def home():
    return redirect(url_for("staff.books"))


@bp.get("/books")
@requires("content")
def books():
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    args = {k: request.args.get(k, "") for k in ("q", "audience", "language", "extras")}
    found, total = find_books(get_session(), page=page, **args)
    return render_template("staff/books.html", books=found, total=total, page=page, pages=max(1, -(-total // PAGE)),
                           args=args, audiences=AUDIENCES)


def _book_page(book: Book, error: errors.PindaiError | None = None, status: int = 200):
    session = get_session()
    item_ids = [item.id for item in book.items]
    rows = session.scalars(select(Code).where(
        or_((Code.target_type == "book") & (Code.target_id == book.id),
            (Code.target_type == "item") & Code.target_id.in_(item_ids) if item_ids else False))
        .order_by(Code.created_at)).all()
    return render_template("staff/book.html", book=book, codes=rows, statuses=ITEM_STATUSES, audiences=AUDIENCES,
                           error=error, base_url=current_app.config["PUBLIC_BASE_URL"],
                           layouts=sorted(labels.LAYOUTS), default_layout=current_app.config["LABEL_LAYOUT"]), status


@bp.get("/books/<int:book_id>")
@requires("content")
def book(book_id: int):
    return _book_page(_book(book_id))


@bp.post("/books/<int:book_id>/edit")
@requires("catalogue")
def edit_book(book_id: int):
    session = get_session()
    book = _book(book_id)
    try:
        changed = update_book(book, request.form)
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
        item = Item(book_id=book.id, **_item_values(request.form))
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
        raise errors.NotFound(f"No copy with id {item_id}.", message_id=f"Eksemplar dengan id {item_id} tidak ada.")
    book_id = item.book_id
    try:
        values = _item_values(request.form)
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


@bp.post("/codes/mint")
@requires("catalogue")
def mint_code():
    session = get_session()
    target_type = request.form.get("target_type")
    try:
        target_id = int(request.form.get("target_id", ""))
    except ValueError:
        target_id = 0
    target = session.get(Item if target_type == "item" else Book, target_id) if target_type in ("item", "book") else None
    if target is None:
        raise errors.NotFound("Nothing to give a code to.", message_id="Tidak ada sasaran untuk kode ini.")
    code = codes.mint(session, target_type, target_id)
    audit(session, "code.mint", target_type, target_id, code=code.code)
    session.commit()
    return redirect(url_for("staff.book", book_id=target.book_id if target_type == "item" else target.id), 303)


@bp.post("/codes/<code>/retire")
@requires("catalogue")
def retire_code(code: str):
    session = get_session()
    row = session.get(Code, codes.normalise(code) or "")
    if row is None:
        raise errors.UnknownCode()
    codes.retire(row)
    audit(session, "code.retire", row.target_type, row.target_id, code=row.code)
    session.commit()
    # Back to the book the code belonged to (event and collection codes have no book page here).
    item = session.get(Item, row.target_id) if row.target_type == "item" else None
    book_id = item.book_id if item else row.target_id if row.target_type == "book" else None
    return redirect(url_for("staff.book", book_id=book_id) if book_id else url_for("staff.books"), 303)


@bp.post("/labels")
@requires("catalogue")
def print_labels():
    """A PDF label sheet for the chosen copies (or every copy of the chosen books)."""
    session = get_session()
    try:
        item_ids = [int(v) for v in request.form.getlist("item")]
        book_ids = [int(v) for v in request.form.getlist("book")]
        start = int(request.form.get("start") or 1)
    except ValueError:
        raise errors.BadRequest("Bad selection.", message_id="Pilihan tidak valid.") from None
    layout = request.form.get("layout") or current_app.config["LABEL_LAYOUT"]
    if request.form.get("unlabelled") == "1":
        chosen = labels.select_items(session, unlabelled=True)
    else:
        chosen = labels.select_items(session, book_ids=book_ids)
    if item_ids:
        chosen += [i for i in session.scalars(select(Item).where(Item.id.in_(item_ids), Item.status != "withdrawn"))
                   if i not in chosen]
    if not chosen:
        raise errors.BadRequest("Choose at least one copy (withdrawn copies get no labels).",
                                message_id="Pilih paling sedikit satu eksemplar (eksemplar yang ditarik tidak diberi label).")
    sheet = labels.labels_for_items(session, chosen, current_app.config["PUBLIC_BASE_URL"])
    try:
        pdf = labels.render(sheet, layout, start)
    except ValueError as exc:
        raise errors.BadRequest(str(exc), message_id="Tata letak atau posisi awal label tidak valid.") from None
    audit(session, "labels.print", None, None, items=[i.id for i in chosen], layout=layout)
    session.commit()  # codes minted for the sheet are kept only once it exists
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="pindai-labels.pdf"'})
