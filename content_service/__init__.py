"""Pindai content service: the catalogue, QR codes, public pages and JSON API."""
from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

from . import config as config_module

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The parts of the service, each a module or package with ``init_app(app)``,
# wired in this order. Why the order: ``args`` bounds ``<int:...>`` ids
# before any route is added; ``db`` makes the engine and the
# sessionmaker everything else uses; ``errors`` and ``i18n`` answer and word
# whatever the rest raises; ``security`` binds logins, CSRF and cookies before
# any feature with forms; ``catalogue`` puts its version listeners on the
# sessionmaker before anything writes; ``codes`` (the resolve registries)
# and ``openapi`` (the API document) are filled by the features after them;
# ``inputs`` checks every request's text and JSON body (against that document,
# read at the first request) before any view runs;
# ``staff`` sets up logins and CSRF before ``events`` adds pages behind them;
# ``sip2`` and ``slims`` add their backends to circulation's registry before
# ``circulation`` checks ``PINDAI_CIRCULATION`` against it, and the SIP2 server
# (``sip2.server_cli``) serves circulation once it is wired;
# ``search`` indexes what all the others write; ``headers`` and ``throttle``
# come last: throttle wraps the public views the features registered;
# ``staff.auditing`` after them all: it audits every feature's commands.
FEATURES = (
    "args",
    "db",
    "errors",
    "i18n",
    "security",
    "media",
    "libraries",
    "catalogue",
    "codes",
    "openapi",
    "inputs",
    "api",
    "public",
    "kiosks",
    "imports",
    "demo",
    "staff",
    "events",
    "sip2",
    "slims",
    "circulation",
    "visitors",
    "notifications",
    "opds",
    "sip2.server_cli",
    "search",
    "headers",
    "throttle",
    "staff.auditing",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the service. ``config`` overrides ``PINDAI_*`` environment
    variables, which override the defaults (see ``config.DEFAULTS``)."""
    settings = config_module.load(config)
    instance = settings.get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES),
                instance_path=str(Path(instance).resolve()) if instance else None)
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["SECRET_KEY"]
    app.config["MAX_CONTENT_LENGTH"] = settings.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    for name in FEATURES:
        importlib.import_module(f"{__name__}.{name}").init_app(app)
    return app
