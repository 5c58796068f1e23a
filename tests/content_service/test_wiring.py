"""How features are wired: one ordered ``FEATURES`` tuple, and registries
that belong to an app (``app.extensions``) and are filled by ``init_app``
only. Importing a module registers nothing; two apps share nothing."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

import content_service
from content_service import openapi
from content_service.catalogue import versioning

REPO = Path(__file__).resolve().parents[2]


def test_every_feature_has_an_init_app():
    for name in content_service.FEATURES:
        module = importlib.import_module(f"content_service.{name}")
        assert callable(getattr(module, "init_app", None)), f"content_service.{name} has no init_app"


def test_importing_every_module_registers_nothing():
    """In a fresh interpreter: import every module of the service, and the
    core's OpenAPI paths are still only the core's."""
    script = (
        "import pkgutil, importlib, content_service\n"
        "from content_service import openapi\n"
        "core = set(openapi.PATHS)\n"
        "importlib.import_module('content_service.staff.content')\n"  # enters the uploads/containers pair from its front door

        "for m in pkgutil.walk_packages(content_service.__path__, 'content_service.'):\n"
        "    if '.migrations' not in m.name and not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "assert set(openapi.PATHS) == core, set(openapi.PATHS) - core\n"
        "print('clean')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "clean", done.stderr[-2000:]


def test_two_apps_have_registries_of_their_own(make_app):
    first, second = make_app(), make_app()
    for key in ("pindai.openapi", "pindai.resolve.recognisers", "pindai.resolve.target_resolvers",
                "pindai.answers"):
        assert first.extensions[key] is not second.extensions[key], key
    assert "/api/v1/events/upcoming" in first.extensions["pindai.openapi"]["paths"]
    assert "/api/v1/events/upcoming" not in openapi.PATHS  # features add to the app's copy only
    assert list(first.extensions["pindai.resolve.target_resolvers"]) == ["event"]
    assert len(first.extensions["pindai.resolve.recognisers"]) == 1  # circulation's library cards


def test_session_listeners_sit_on_the_apps_sessionmaker(app):
    assert not event.contains(Session, "before_flush", versioning._bump_on_flush)
    assert event.contains(app.extensions["pindai.sessionmaker"], "before_flush", versioning._bump_on_flush)
