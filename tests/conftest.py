"""Fixtures: an app with a fresh database per test, on SQLite always and on
PostgreSQL too when ``TEST_DATABASE_URL`` is set (CI sets it)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from content_service import create_app
from content_service.db import Base, get_engine

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the clone, or where PINDAI_SHARED_DATA says (a worktree elsewhere).
SHARED_DATA = Path(os.environ.get("PINDAI_SHARED_DATA") or REPO.parent / "shared" / "data")
PUBLIC_BASE_URL = "https://pindai.example.id"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or a skip when the data is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{'/'.join(parts)} (not in a fresh clone; present in CI)")
    return path


def _backends():
    backends: list = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        # Marked, so `make test-fast` (-m "not postgresql") leaves these runs out.
        backends.append(pytest.param("postgresql", marks=pytest.mark.postgresql))
    return backends


@pytest.fixture(params=_backends())
def db_url(request, tmp_path):
    """A URL to an empty database: a temp SQLite file, or a fresh schema on
    the PostgreSQL server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pindai.db'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def make_app(db_url, tmp_path):
    """Build apps on the test database; the schema is created once."""
    created = []

    def factory(**overrides):
        config = {
            "ENV": "test",
            "TESTING": True,
            "DATABASE_URL": db_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        }
        config.update(overrides)
        app = create_app(config)
        with app.app_context():
            Base.metadata.create_all(get_engine())
        created.append(app)
        return app

    yield factory
    for app in created:
        app.extensions["pindai.engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def validate(client):
    """Check a JSON body against a schema of the service's OpenAPI document."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = client.get("/api/v1/openapi.json").get_json()
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))

    def check(body, schema_name):
        schema = {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}
        jsonschema.Draft202012Validator(schema, registry=registry).validate(body)
        return body

    return check


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session of the test's own on the app's database. No app context is
    held open, so each client request gets its own context and session as
    in production."""
    session = app.extensions["pindai.sessionmaker"]()
    yield session
    session.close()

from tests.slims_library import slims_db, slims_sql  # noqa: E402,F401  (the SLiMS 9 test peer, for any test)
