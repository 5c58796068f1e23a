"""QR codes and label sheets from the portal: mint and retire codes, print
a PDF sheet for chosen copies (the core's ``labels`` generator)."""
from __future__ import annotations

from flask import Response, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import codes, errors
from ..codes import labels
from ..db import get_session
from ..catalogue.models import Book, Item
from ..codes.models import Code
from . import scope
from .access import audit, bp, requires


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
        raise errors.NotFound(_l("Nothing to give a code to."))
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
        raise errors.BadRequest(_l("Bad selection.")) from None
    layout = request.form.get("layout") or current_app.config["LABEL_LAYOUT"]
    own = scope.staff_library()  # an account limited to one library prints its copies' labels only
    if request.form.get("unlabelled") == "1":
        chosen = labels.select_items(session, unlabelled=True, library_id=own)
    else:
        chosen = labels.select_items(session, book_ids=book_ids, library_id=own)
    if item_ids:
        extra = select(Item).where(Item.id.in_(item_ids), Item.status != "withdrawn")
        if own is not None:
            extra = extra.where(Item.library_id == own)
        chosen += [i for i in session.scalars(extra) if i not in chosen]
    if not chosen:
        raise errors.BadRequest(_l("Choose at least one copy (withdrawn copies get no labels)."))
    sheet = labels.labels_for_items(session, chosen, current_app.config["PUBLIC_BASE_URL"])
    try:
        pdf = labels.render(sheet, layout, start)
    except ValueError as exc:
        raise errors.BadRequest(_l("The label layout or start position is not valid (%(problem)s).",
                                   problem=str(exc))) from None
    audit(session, "labels.print", None, None, items=[i.id for i in chosen], layout=layout)
    session.commit()  # codes minted for the sheet are kept only once it exists
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="pindai-labels.pdf"'})
