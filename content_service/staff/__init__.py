"""The staff portal (``/staff``): library staff log in and look after the
catalogue, the extras visitors see (video, audio, images, 3D, AR overlays,
links), label sheets, imports and the analytics dashboard.

The parts, one module each: ``access`` (accounts, roles, login throttling,
CSRF, audit log), ``uploads`` (checking files by their bytes), ``content``
(a book's extras), ``catalogue`` (records, copies, codes, labels),
``importing`` (MARC/CSV from the browser), ``analytics`` (dashboard, CSV),
``admin`` (accounts, kiosks, audit log) and ``plays`` (the plays API)."""
from __future__ import annotations

from flask import Flask, request

from . import access, text


def init_app(app: Flask) -> None:
    from . import admin, analytics, catalogue, content, importing, plays  # noqa: F401  (their views join the blueprint)

    text.install()
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
