"""Who may do what in the staff portal: accounts, roles, login with
throttling, CSRF on every form, and the audit log.

Every view of the ``staff`` blueprint declares the permission it needs with
``@requires(...)`` (or ``@public`` for the login page). One guard checks it
before any view runs, and an endpoint that declares nothing is refused, so a
forgotten decorator locks a page instead of opening it."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import click
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l, lazy_ngettext
from flask_login import current_user, login_url, login_user, logout_user
from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import db, errors
from ..clock import utcnow
from ..db import get_session
from ..security import csrf, login_manager
from . import auditing
from .models import ROLES, AuditEntry, LoginFailure, StaffUser
from .passwords import MIN_PASSWORD, GuessablePassword, check_username, guessable

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Which roles hold each permission. Admins run the place; librarians keep the
# catalogue; editors look after the extras (content) only.
PERMISSIONS = {
    "content": {"admin", "librarian", "editor"},
    "analytics": {"admin", "librarian", "editor"},
    "catalogue": {"admin", "librarian"},
    "admin": {"admin"},
    "self": {"admin", "librarian", "editor"},  # one's own account
}
ENDPOINTS: dict[str, str | None] = {}  # endpoint -> permission (None: open to anyone)
# Checked against when the account does not exist, so a wrong username costs
# as long as a wrong password (no account discovery by timing).
_DUMMY_HASH = generate_password_hash("pindai-dummy-password")


class Forbidden(errors.PindaiError):
    status = 403
    code = "forbidden"
    message_en = _l("Your role does not allow this page.")


class BadLogin(errors.PindaiError):
    status = 401
    code = "bad_login"
    message_en = _l("Wrong username or password.")


class LoginLocked(errors.PindaiError):
    status = 429
    code = "login_locked"
    message_en = lazy_ngettext("Too many failed logins. Try again within %(num)d minute.",
                               "Too many failed logins. Try again within %(num)d minutes.", 15)


class WeakPassword(errors.PindaiError):
    code = "weak_password"
    message_en = _l("A password needs at least %(min_password)s characters.", min_password=MIN_PASSWORD)


def requires(permission: str):
    """Declare the permission a staff view needs."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view):
        ENDPOINTS[f"{bp.name}.{view.__name__}"] = permission
        return view

    return decorate


def public(view):
    ENDPOINTS[f"{bp.name}.{view.__name__}"] = None
    return view


# Menu entries other features add to the portal's bar: (endpoint, _l("words"),
# permission). Shown when the endpoint exists and the user holds the permission.
NAV: list[tuple[str, str, str]] = []  # (events link their page in staff/base.html itself)


def nav_items() -> list[tuple[str, str]]:
    """(endpoint, words: an ``_l()`` string) of the extra menu entries the current user may open."""
    views = current_app.view_functions
    return [(endpoint, key) for endpoint, key, permission in NAV if endpoint in views and allowed(permission)]


def guard(blueprint, read: str, write: str | None = None) -> None:
    """Guard a feature's portal pages: a login, the role ``PERMISSIONS[read]`` to read
    (``write``, default the same, to change), CSRF on changes; answers never cached
    or framed (they hold members' names, cards and addresses)."""
    write = write or read

    @blueprint.before_request
    def _feature_guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        reading = request.method in ("GET", "HEAD", "OPTIONS")
        if current_user.role not in PERMISSIONS[read if reading else write]:
            raise Forbidden()
        if not reading:
            csrf.protect()
        return None

    @blueprint.after_request
    def _feature_no_store(response):
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def allowed(permission: str) -> bool:
    """Whether the logged-in user holds ``permission`` (for menus)."""
    return current_user.is_authenticated and current_user.role in PERMISSIONS[permission]


@bp.before_request
def _guard():
    g.csp_nonce = secrets.token_urlsafe(16)
    permission = ENDPOINTS.get(request.endpoint, "undeclared")
    if permission is not None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if permission == "undeclared" or current_user.role not in PERMISSIONS[permission]:
            raise Forbidden()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.after_request
def _no_store(response):
    # Staff pages hold names and unpublished content: never in a shared cache.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Only our own files run here: a title that slipped through as markup could not run script.
    response.headers.setdefault("Content-Security-Policy", (
        f"default-src 'self'; script-src 'self' 'nonce-{g.get('csp_nonce', '')}'; style-src 'self'; "
        "img-src 'self' data: https:; media-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"))
    return response


def csp_nonce() -> str:
    """The nonce this staff page's own inline scripts carry."""
    return g.get("csp_nonce", "")


# --- passwords, throttling, login --------------------------------------------

def hash_password(password: str, method: str | None = None, *, username: str | None = None) -> str:
    """A salted hash (werkzeug's default, scrypt); refuses passwords under
    MIN_PASSWORD or easy to guess (``passwords.guessable``)."""
    if len(password or "") < MIN_PASSWORD:
        raise WeakPassword()
    if guessable(password, username=username):
        raise GuessablePassword()
    return generate_password_hash(password, **({"method": method} if method else {}))


def create_staff(session: Session, username: str, password: str, role: str, display_name: str | None = None,
                 *, method: str | None = None) -> StaffUser:
    """Create an account (the username is kept in lower case). ``method`` is
    for tests only: a cheaper hash where dozens of accounts are made."""
    if role not in ROLES:
        raise errors.BadRequest(_l("Role must be one of %(value)s.", value=', '.join(ROLES)))
    username = check_username(username)
    user = StaffUser(username=username, password_hash=hash_password(password, method, username=username), role=role,
                     display_name=display_name)
    session.add(user)
    session.flush()
    return user


def _since(minutes: int) -> datetime:
    return utcnow() - timedelta(minutes=minutes)


def _count_try(session: Session, username: str, address: str) -> tuple[int, int, int]:
    """Record this login try as a failure until it proves right; answers
    (its row's id, recent tries on the account, recent tries from the address),
    this one included. The table is locked for the few statements on
    PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already lets one writer in), so
    two racing tries never both count themselves fifth."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE staff_login_failure IN SHARE ROW EXCLUSIVE MODE"))
    row = LoginFailure(username=username, address=address)
    session.add(row)
    session.flush()
    since = _since(current_app.config["LOGIN_LOCK_MINUTES"])
    counts = [session.scalar(select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since))
              or 0 for column, value in ((LoginFailure.username, username), (LoginFailure.address, address))]
    return row.id, counts[0], counts[1]


def authenticate(session: Session, username: str, password: str, address: str) -> StaffUser:
    """The account for these credentials; raises ``LoginLocked`` or ``BadLogin``.

    Each try is recorded as a failure and committed (``_count_try``) before
    its password is compared; only a try that finds at most
    ``LOGIN_MAX_FAILURES`` on the account and on the address is evaluated.
    So of fifty parallel guesses five are, and the rest (the right password
    too) are refused as locked. A refused try's own row is removed again, so
    the lock ends when the fifth failure is ``LOGIN_LOCK_MINUTES`` old; a
    right password clears the account's failures."""
    username = (username or "").strip().lower()[:80]
    address = address[:64]
    limit, minutes = current_app.config["LOGIN_MAX_FAILURES"], current_app.config["LOGIN_LOCK_MINUTES"]
    row_id, on_account, from_address = db.write(lambda s: _count_try(s, username, address), session)
    if on_account > limit or from_address > limit:
        db.write(lambda s: s.execute(delete(LoginFailure).where(LoginFailure.id == row_id)), session)
        raise LoginLocked(lazy_ngettext("Too many failed logins. Try again within %(num)d minute.",
                                        "Too many failed logins. Try again within %(num)d minutes.", minutes))
    user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
    good = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and good and user.active):
        def fail(s: Session) -> None:
            s.execute(delete(LoginFailure).where(LoginFailure.at < _since(24 * 60)))
            user_id = user.id if user else None
            auditing.record(s, "login.failed", username=username, user_id=user_id, address=address)
            if on_account == limit or from_address == limit:  # this failure starts the lock
                auditing.record(s, "login.lockout", username=username, user_id=user_id, address=address,
                                minutes=minutes, by="account" if on_account == limit else "address")

        db.write(fail, session)
        raise BadLogin()

    def succeed(s: Session) -> None:
        s.execute(delete(LoginFailure).where(or_(LoginFailure.username == username, LoginFailure.id == row_id)))
        s.execute(update(StaffUser).where(StaffUser.id == user.id).values(last_login_at=utcnow()))
        auditing.record(s, "login.success", username=username, user_id=user.id, address=address)

    db.write(succeed, session)
    session.refresh(user)
    return user


def audit(session: Session, action: str, target_type: str | None = None, target_id: int | None = None, **detail) -> None:
    """Record that the current staff user did ``action`` (committed with the change)."""
    session.add(AuditEntry(staff_user_id=current_user.id, username=current_user.username, action=action,
                           target_type=target_type, target_id=target_id, detail=detail))


def _safe_next(target: str | None) -> str:
    # Only our own staff pages: never an open redirect to another site, and
    # never a control character (CR/LF would split the Location header).
    if (target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target
            and not any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("staff.home"))
        return render_template("staff/login.html", next=request.args.get("next", ""))
    session = get_session()
    try:
        user = authenticate(session, request.form.get("username", ""), request.form.get("password", ""),
                            request.remote_addr or "unknown")
    except (BadLogin, LoginLocked) as exc:
        session.commit()  # keep the failure on record
        return render_template("staff/login.html", error=exc, next=request.form.get("next", "")), exc.status
    session.commit()
    login_user(user)
    cookie_session.permanent = True
    cookie_session[GENERATION_KEY] = user.session_generation
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
@public
def logout():
    if current_user.is_authenticated:
        # Every cookie of this account stops working, a copy of this one too.
        session = get_session()
        end_sessions(session, current_user.id)
        db.write(lambda s: auditing.record(s, "logout", username=current_user.username, user_id=current_user.id,
                                           address=request.remote_addr or "unknown"), session)
    logout_user()
    cookie_session.pop(GENERATION_KEY, None)
    return redirect(url_for("staff.login"))


# --- revocable sessions ---------------------------------------------------------
# The session cookie carries the account's session generation from login;
# ``_load`` believes a cookie only while the account still has it.
GENERATION_KEY = "_staff_generation"


def end_sessions(session: Session, user_id: int, *, keep_current: bool = False) -> int:
    """End every session of an account now (logout, password change, an
    admin's disable or reset): its generation goes up, so the cookies that
    carry the old one, copies included, are refused on their next request.
    ``keep_current``: this browser's own cookie moves to the new generation
    (one's own password change keeps one logged in here). Answers the new
    generation."""
    generation = db.write(lambda s: s.execute(
        update(StaffUser).where(StaffUser.id == user_id)
        .values(session_generation=StaffUser.session_generation + 1)
        .returning(StaffUser.session_generation), execution_options={"synchronize_session": False}).scalar_one(),
        session)
    if keep_current:
        cookie_session[GENERATION_KEY] = generation
    return generation


def _believed(user: StaffUser) -> bool:
    """Whether this request's session cookie may act as ``user``: the account's
    current generation, and (``session_protection`` "strong") the address and
    browser it logged in from. Flask-Login itself only marks a permanent
    session stale on a mismatch (and ours are permanent), so it is checked here."""
    if cookie_session.get(GENERATION_KEY) != user.session_generation:
        return False
    if login_manager.session_protection == "strong":
        return cookie_session.get("_id") == login_manager._session_identifier_generator()
    return True


def _unauthorized():
    """Not logged in (or the session was ended): the login page, or a 401 in JSON for API clients."""
    if errors.wants_json() or request.is_json:
        return errors.respond(401, {"code": "login_required", **errors.bilingual(
            _l("Please log in to the staff portal (your session has ended)."))})
    return redirect(login_url("staff.login", next_url=request.url))


@click.command("create-staff")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--name", "display_name", help="The person's name as shown in the portal.")
@click.password_option(help=f"At least {MIN_PASSWORD} characters (asked for when not given).")
@with_appcontext
def create_staff_command(username: str, role: str, display_name: str | None, password: str) -> None:
    """Create a staff account (the first admin, or any other)."""
    session = get_session()
    try:
        user = create_staff(session, username, password, role, display_name)
        session.commit()
    except errors.PindaiError as exc:
        raise click.ClickException(exc.message_en) from None
    except IntegrityError:
        session.rollback()
        raise click.ClickException(f"a staff account named {username.strip().lower()!r} already exists") from None
    click.echo(f"Staff account {user.username!r} ({user.role}) created. Log in at /staff/login.")


def init_app(app) -> None:
    config = app.config
    config.setdefault("LOGIN_MAX_FAILURES", 5)
    config.setdefault("LOGIN_LOCK_MINUTES", 15)
    # security.init_app has bound the login manager and CSRF to the app; the
    # portal says where to log in and who a session belongs to.
    login_manager.login_view = "staff.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    app.cli.add_command(create_staff_command)

    login_manager.unauthorized_handler(_unauthorized)

    @login_manager.user_loader
    def _load(user_id: str):
        user = get_session().get(StaffUser, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or not _believed(user):
            for key in ("_user_id", "_fresh", "_id", GENERATION_KEY):
                cookie_session.pop(key, None)  # an ended session stays ended
            return None
        return user

    app.jinja_env.globals.update(staff_allowed=allowed, staff_nav=nav_items, csp_nonce=csp_nonce)
