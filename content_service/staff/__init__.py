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

from . import access, text


def init_app(app: Flask) -> None:
    from . import admin, analytics, catalogue, content, importing, labelling, plays  # noqa: F401  (views join the blueprint)

    text.install()
    if app.config.get("SECRET_KEY_GENERATED") and not app.testing:
        app.config["SECRET_KEY"] = _instance_secret(app)
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


def _instance_secret(app: Flask) -> str:
    """A development key kept in the instance folder (mode 0600).

    Without PINDAI_SECRET_KEY each process draws its own key, so behind two
    gunicorn workers (``make demo``) a staff login made by one worker is not
    believed by the other. Every process of one instance reads the same file."""
    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
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
