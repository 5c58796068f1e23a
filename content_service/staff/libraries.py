"""The libraries of the network in the portal (admins): add a branch, a
school or the mobile library, rename one, mark it closed. The default library
(where rows naming no library go) cannot be closed."""
from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from .. import errors
from ..db import get_session
from ..libraries import all_libraries, get_library
from ..libraries.models import KINDS, Library
from .access import audit, bp, requires

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def library_values(form: MultiDict) -> dict:
    """A library form's fields, checked."""
    name = (form.get("name") or "").strip()
    if not name or len(name) > 200:
        raise errors.BadRequest(_l("A library needs a name (at most 200 characters)."))
    kind = form.get("kind") or "branch"
    if kind not in KINDS:
        raise errors.BadRequest(_l("Unknown kind of library."))
    return {"name": name, "kind": kind, "address": (form.get("address") or "").strip()[:300] or None}


def _page(error=None, status=200):
    libraries = all_libraries(get_session(), include_inactive=True)
    return render_template("staff/libraries.html", libraries=libraries, kinds=KINDS, error=error), status


@bp.get("/libraries")
@requires("admin")
def libraries():
    return _page()


@bp.post("/libraries")
@requires("admin")
def add_library():
    session = get_session()
    code = (request.form.get("code") or "").strip().lower()
    try:
        if not _CODE.match(code):
            raise errors.BadRequest(_l("A library code is 1 to 32 lower-case letters, digits or dashes."))
        library = Library(code=code, **library_values(request.form))
        session.add(library)
        session.flush()
    except IntegrityError:
        session.rollback()
        return _page(errors.BadRequest(_l("A library with that code or name exists.")), 409)
    except errors.PindaiError as exc:
        session.rollback()
        return _page(exc, exc.status)
    audit(session, "library.create", "library", library.id, code=library.code, name=library.name)
    session.commit()
    return redirect(url_for("staff.libraries"), 303)


@bp.post("/libraries/<int:library_id>")
@requires("admin")
def update_library(library_id: int):
    session = get_session()
    library = get_library(session, library_id)
    try:
        values = library_values(request.form)
        values["active"] = request.form.get("active", "1") == "1"
        if library.is_default and not values["active"]:
            raise errors.BadRequest(_l("The default library cannot be closed."))
        changed = [k for k, v in values.items() if getattr(library, k) != v]
        for k in changed:
            setattr(library, k, values[k])
        session.flush()
    except IntegrityError:
        session.rollback()
        return _page(errors.BadRequest(_l("A library with that code or name exists.")), 409)
    except errors.PindaiError as exc:
        session.rollback()
        return _page(exc, exc.status)
    if changed:
        audit(session, "library.update", "library", library.id, fields=changed)
    session.commit()
    return redirect(url_for("staff.libraries"), 303)
