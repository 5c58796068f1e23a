"""The staff portal (``/staff``): library staff log in and look after the
catalogue, the extras visitors see (video, audio, images, 3D, AR overlays,
links), label sheets, imports and the analytics dashboard.

The parts, one module each: ``access`` (accounts, roles, login throttling,
the permission guard, audit log), ``content`` (a book's extras; the files are checked by
``content_service.media.checks``), ``catalogue`` (records, copies), ``labelling`` (codes, label sheets),
``importing`` (MARC/CSV from the browser), ``merging`` (likely duplicates, merge records), ``analytics`` (dashboard, CSV),
``admin`` (accounts, kiosks, audit log), ``guide`` (the guide to making extras), ``libraries`` (the libraries of the network), ``scope``
(what an account limited to one library may change) and ``plays`` (the plays API).
Logins, CSRF and cookies for the whole app are set up by ``security``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from . import access


def init_app(app: Flask) -> None:
    from . import admin, analytics, catalogue, content, guide, importing, labelling, libraries, merging, plays  # noqa: F401  (views join the blueprint)

    entry = ("staff.libraries", _l("Libraries"), "admin")
    if entry not in access.NAV:
        access.NAV.append(entry)
    access.init_app(app)
    app.register_blueprint(access.bp)
    plays.init_app(app)
    app.jinja_env.globals["asset_links"] = content.asset_links
    content.register_media_references(app)
