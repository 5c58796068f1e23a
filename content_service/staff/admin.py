"""Admin pages: staff accounts, kiosks (keys shown once) and the audit log;
and every user's own account page (their password)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from .. import errors, kiosks
from ..clock import utcnow
from ..db import get_session
from ..kiosks.models import Kiosk
from ..libraries import all_libraries, get_library
from .access import WeakPassword, audit, bp, create_staff, end_sessions, hash_password, requires
from .models import ROLES, AuditEntry, StaffUser


def _users_page(error=None, status=200, new_key=None):
    session = get_session()
    users = session.scalars(select(StaffUser).order_by(StaffUser.username)).all()
    kiosk_rows = session.scalars(select(Kiosk).order_by(Kiosk.name)).all()
    return render_template("staff/admin.html", users=users, kiosks=kiosk_rows, roles=ROLES, error=error,
                           new_key=new_key, libraries=all_libraries(session)), status


def _account_library(session, form) -> int | None:
    """The library an account is limited to: the form's ``library`` code, or
    none (the whole network)."""
    code = (form.get("library") or "").strip()
    return get_library(session, code).id if code else None


@bp.get("/admin")
@requires("admin")
def admin():
    return _users_page()


@bp.post("/admin/users")
@requires("admin")
def add_user():
    session = get_session()
    form = request.form
    try:
        library_id = _account_library(session, form)
        user = create_staff(session, form.get("username", ""), form.get("password", ""), form.get("role", ""),
                            (form.get("display_name") or "").strip() or None)
        user.library_id = library_id
        session.flush()
    except IntegrityError:
        session.rollback()
        return _users_page(errors.BadRequest(_l("That username is taken.")), 409)
    except errors.PindaiError as exc:
        session.rollback()
        return _users_page(exc, exc.status)
    audit(session, "staff.create", "staff_user", user.id, username=user.username, role=user.role,
          library_id=user.library_id)
    session.commit()
    return redirect(url_for("staff.admin"), 303)


@bp.post("/admin/users/<int:user_id>")
@requires("admin")
def update_user(user_id: int):
    session = get_session()
    user = session.get(StaffUser, user_id)
    if user is None:
        raise errors.NotFound()
    form = request.form
    role, active = form.get("role", user.role), form.get("active", "1") == "1"
    if role not in ROLES:
        return _users_page(errors.BadRequest(_l("Unknown role.")), 400)
    others = session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != user.id))
    if user.role == "admin" and (role != "admin" or not active) and not others:
        # Somebody must always be able to manage accounts.
        return _users_page(errors.BadRequest(_l("The last active admin cannot be demoted or deactivated.")), 409)
    try:
        library_id = _account_library(session, form)
    except errors.PindaiError as exc:
        return _users_page(exc, exc.status)
    changes = {"role": role, "active": active, "library_id": library_id}
    if form.get("password"):
        try:
            user.password_hash = hash_password(form["password"])
        except errors.PindaiError as exc:
            return _users_page(exc, exc.status)
        changes["password"] = "reset"
    ended = (user.active and not active) or "password" in changes
    user.role, user.active, user.library_id = role, active, library_id
    audit(session, "staff.update", "staff_user", user.id, username=user.username, **changes)
    session.commit()
    if ended:  # a disabled account or a reset password: its open sessions end now
        end_sessions(session, user.id, keep_current=user.id == current_user.id)
    return redirect(url_for("staff.admin"), 303)


@bp.post("/admin/kiosks")
@requires("admin")
def add_kiosk():
    session = get_session()
    name = (request.form.get("name") or "").strip()
    if not name or len(name) > 100:
        return _users_page(errors.BadRequest(_l("A kiosk needs a name.")), 400)
    try:
        code = (request.form.get("library") or "").strip()
        library_id = get_library(session, code).id if code else None
        kiosk, key = kiosks.create_kiosk(session, name, (request.form.get("location") or "").strip() or None,
                                         library_id)
        session.flush()
    except errors.PindaiError as exc:
        session.rollback()
        return _users_page(exc, exc.status)
    except IntegrityError:
        session.rollback()
        return _users_page(errors.BadRequest(_l("A kiosk with that name exists.")), 409)
    audit(session, "kiosk.create", "kiosk", kiosk.id, name=kiosk.name)
    session.commit()
    # The key is shown on this one page only; the database keeps its hash.
    return _users_page(new_key=(kiosk.name, key))


@bp.post("/admin/kiosks/<int:kiosk_id>/retire")
@requires("admin")
def retire_kiosk(kiosk_id: int):
    session = get_session()
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise errors.NotFound()
    if kiosk.retired_at is None:
        kiosk.retired_at = utcnow()
        audit(session, "kiosk.retire", "kiosk", kiosk.id, name=kiosk.name)
        session.commit()
    return redirect(url_for("staff.admin"), 303)


@bp.get("/audit")
@requires("admin")
def audit_log():
    entries = get_session().scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)).all()
    return render_template("staff/audit.html", entries=entries, me=current_user)


@bp.route("/account", methods=["GET", "POST"])
@requires("self")
def account():
    """Change one's own password (the current one is asked again)."""
    if request.method == "GET":
        return render_template("staff/account.html", done=False)
    session = get_session()
    user = session.get(StaffUser, current_user.id)
    form = request.form
    try:
        if not check_password_hash(user.password_hash, form.get("current", "")):
            # 400, not 401: the person is logged in; only the form is wrong.
            raise errors.PindaiError(_l("The current password is wrong."))
        if form.get("new", "") != form.get("again", ""):
            raise WeakPassword(_l("The two new passwords differ."))
        user.password_hash = hash_password(form.get("new", ""))
    except errors.PindaiError as exc:
        return render_template("staff/account.html", error=exc, done=False), exc.status
    audit(session, "staff.password", "staff_user", user.id, username=user.username)
    session.commit()
    # Every other session of this account ends (a copied cookie too); this browser stays logged in.
    end_sessions(session, user.id, keep_current=True)
    return render_template("staff/account.html", done=True)
