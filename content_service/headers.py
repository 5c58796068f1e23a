"""Security headers on every page and API answer, and the health check.

- Every response: a Content-Security-Policy that runs only our own script
  files (no inline script anywhere; the staff portal sets a stricter one with
  a nonce for its few inline scripts), no framing by other sites, ``nosniff``,
  a Referrer-Policy, and HSTS when the request came over HTTPS (directly, or
  through a trusted proxy's ``X-Forwarded-Proto``).
- ``GET /health``: the database answers (``/ping`` stays a liveness check that
  touches nothing); 503 with a clear reason when it does not.
- A database that cannot be reached answers 503 ``database_unavailable`` with
  ``Retry-After`` on any page or API call, never a 500, so a kiosk shows
  "service down" calmly instead of flapping."""
from __future__ import annotations

import logging
import sqlite3
import time

from flask import Blueprint, Flask, g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from . import errors
from .db import get_engine

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
       "media-src 'self' blob:; connect-src 'self' blob: data:; worker-src 'self' blob:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"

bp = Blueprint("health", __name__)


class DatabaseUnavailable(errors.PindaiError):
    status = 503
    code = "database_unavailable"
    message_en = _l("The library's database cannot be reached right now. Please try again in a moment.")


def _secure_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)  # the staff portal and media set their own
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


@bp.get("/health")
def health():
    """Deep health: the database answers a query. For load balancers and kiosks."""
    started = time.perf_counter()
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        log.warning("health check: the database does not answer: %s", exc.__class__.__name__)
        body = {"status": "unavailable", "database": "unreachable", "error": DatabaseUnavailable().to_dict()}
        return jsonify(body), 503, {"Retry-After": "10", "Cache-Control": "no-store"}
    return jsonify({"status": "ok", "database": "ok",
                    "database_ms": round((time.perf_counter() - started) * 1000, 1)}), 200, {"Cache-Control": "no-store"}


def _unreachable(exc: Exception):
    """A database that is down or refusing connections: 503, never a 500."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except DBAPIError:
            pass
    body, status = errors.respond(503, DatabaseUnavailable().to_dict())
    return body, status, {"Retry-After": "10"}


def init_app(app: Flask) -> None:
    """Called by the application factory."""
    app.register_blueprint(bp)
    app.after_request(_secure_headers)
    app.register_error_handler(OperationalError, _unreachable)
    # Raw connections (the answer cache's version check) raise the driver's own error.
    app.register_error_handler(sqlite3.OperationalError, _unreachable)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return
    app.register_error_handler(psycopg.OperationalError, _unreachable)
