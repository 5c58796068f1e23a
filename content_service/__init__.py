"""Pindai content service: the catalogue, QR codes, public pages and JSON API."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config as config_module

TEMPLATES = Path(__file__).resolve().parent / "templates"


def create_app(config: dict | None = None) -> Flask:
    """Build the service. ``config`` overrides ``PINDAI_*`` environment
    variables, which override the defaults (see ``config.DEFAULTS``)."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES))
    settings = config_module.load(config)
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = settings.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from . import api, db, demo, errors, i18n, imports, kiosks, media, public
    from .codes import labels

    db.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    media.init_app(app)
    public.init_app(app)
    api.init_app(app)
    labels.init_app(app)
    kiosks.init_app(app)
    imports.init_app(app)
    demo.init_app(app)
    from . import events

    events.init_app(app)
    from . import staff

    staff.init_app(app)
    from . import circulation

    circulation.init_app(app)
    from . import search

    search.init_app(app)
    return app
