"""Web safety for the whole app, wired once (``init_app``) for every feature.

- ``login_manager`` (Flask-Login) and ``csrf`` (Flask-WTF), created unbound:
  the staff portal registers its user loader and login page, and checks CSRF
  on its own forms (the JSON API, with kiosk keys, has no cookies to forge).
- Session cookies: HTTPS-only outside a trial, never readable by scripts,
  never sent on cross-site posts, a working day long.
- The development session key shared by every worker of one instance.
- Trusted reverse proxies (``TRUSTED_PROXIES``): the visitor's address and scheme.
- Stored media answered as what it is, never sniffed or run as a page.
- The ``csrf_failed`` answer, through the one error handler."""
from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.engine import make_url

from . import errors
from .db import database_url

login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Called by the application factory, before any feature with logins or forms."""
    if app.config.get("SECRET_KEY_GENERATED") and not app.testing:
        path = _key_path(app)
        if path is not None:
            app.session_interface = _SharedKeySessions(path)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx every request comes from the proxy: the login throttle
        # (and CSRF's HTTPS referrer check) need the visitor's address and scheme.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    _cookies(app.config)
    csrf.init_app(app)
    login_manager.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError):
        return errors.respond(400, {
            "code": "csrf_failed",
            "message": "The form expired or did not come from this site. Go back, reload the page and try again.",
            "message_id": "Formulir kedaluwarsa atau bukan dari situs ini. Kembali, muat ulang halaman, lalu coba lagi.",
        })

    @app.after_request
    def _harden_media(response):
        # Stored files are only ever what their type says: never sniffed into
        # HTML, and never able to run script if opened directly.
        if request.blueprint == "media":
            from .media import PDF_CSP

            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Content-Security-Policy"] = PDF_CSP if response.mimetype == "application/pdf" else "sandbox"
        return response


def _cookies(config) -> None:
    # CSRF is checked where a feature asks for it (the staff guard): the JSON
    # API (kiosk keys) and other blueprints' forms are not checked by default.
    config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    # Flask ships these keys with lax defaults, so they are set unless the
    # caller chose a value: cookies only over HTTPS outside a trial, never to
    # scripts, never on cross-site posts; a staff session lasts a working day.
    config["SESSION_COOKIE_HTTPONLY"] = True
    if not config.get("SESSION_COOKIE_SAMESITE"):
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if not config.get("SESSION_COOKIE_SECURE"):
        config["SESSION_COOKIE_SECURE"] = str(config.get("ENV", "")).lower() not in ("development", "dev", "test", "testing")
    if config.get("PERMANENT_SESSION_LIFETIME") == timedelta(days=31):
        config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=10)


class _SharedKeySessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, signed with the instance's shared development
    key. The key is read (or drawn and written) when the first session is
    opened, so merely building an app (commands, tests) leaves no file."""

    def __init__(self, path: Path):
        self.path = path

    def get_signing_serializer(self, app):
        if not app.config.get("SECRET_KEY_SHARED"):
            app.config["SECRET_KEY"], app.config["SECRET_KEY_SHARED"] = _shared_secret(self.path), True
        return super().get_signing_serializer(app)


def _key_path(app: Flask) -> Path | None:
    """Where the development key of this instance lives: beside its SQLite
    file (the thing every worker shares), else in the instance folder; None
    for an in-memory database, which only one process can use anyway."""
    if app.config.get("SECRET_KEY_FILE"):
        return Path(app.config["SECRET_KEY_FILE"])
    url = make_url(database_url(app))
    if url.drivername.startswith("sqlite"):
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database).with_name(Path(url.database).name + ".secret_key")
    return Path(app.instance_path) / "secret_key"


def _shared_secret(path: Path) -> str:
    """A development key kept in a file (mode 0600), drawn by whichever process comes first.

    Without PINDAI_SECRET_KEY each process draws its own key, so behind two
    gunicorn workers (``make demo``) a staff login made by one worker is not
    believed by the other. Every process of one instance reads the same file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it this instant
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty: delete it and start again") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key
