"""The staff portal (``/staff``): library staff log in and look after the
catalogue, the extras visitors see (video, audio, images, 3D, AR overlays,
links), label sheets, imports and the analytics dashboard.

The parts, one module each: ``access`` (accounts, roles, login throttling,
CSRF, audit log), ``uploads`` (checking files by their bytes), ``content``
(a book's extras), ``catalogue`` (records, copies), ``labelling`` (codes, label sheets),
``importing`` (MARC/CSV from the browser), ``analytics`` (dashboard, CSV),
``admin`` (accounts, kiosks, audit log) and ``plays`` (the plays API)."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.engine import make_url

from ..db import database_url

from . import access


def init_app(app: Flask) -> None:
    from . import admin, analytics, catalogue, content, importing, labelling, plays  # noqa: F401  (views join the blueprint)

    if app.config.get("SECRET_KEY_GENERATED") and not app.testing:
        path = _key_path(app)
        if path is not None:
            app.session_interface = _SharedKeySessions(path)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx every request comes from the proxy: the login throttle
        # (and CSRF's HTTPS referrer check) need the visitor's address and scheme.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    access.init_app(app)
    app.register_blueprint(access.bp)
    app.register_blueprint(plays.api_bp)
    app.jinja_env.globals["asset_links"] = content.asset_links

    @app.after_request
    def _harden_media(response):
        # Stored files are only ever what their type says: never sniffed into
        # HTML, and never able to run script if opened directly.
        if request.blueprint == "media":
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Content-Security-Policy"] = "sandbox"
        return response


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
