"""Domain errors and the one handler that turns them (and HTTP errors) into
JSON for API clients and a friendly bilingual page for people.

Messages are English gettext message ids (``lazy_gettext``); ``to_dict``
renders each one twice from the catalogues: ``message`` in English and
``message_id`` in Bahasa Indonesia, whatever the request's language."""
from __future__ import annotations

import logging

from flask import has_app_context, Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .i18n import in_language

log = logging.getLogger(__name__)


class PindaiError(Exception):
    """Base of every error the service answers on purpose.

    ``code`` is stable for machines; ``message_en`` is for people: a lazy
    gettext string (``_l("No book with id %(book_id)s.", book_id=...)``),
    answered in English and in Bahasa Indonesia. ``message_id`` is only for
    a caller that still writes its Indonesian by hand (it wins when given)."""

    status = 400
    code = "bad_request"
    message_en = _l("The request could not be processed.")
    _message_id: str | None = None

    def __init__(self, message_en=None, *, message_id: str | None = None, **details):
        self.message_en = message_en or self.message_en
        if message_id:
            self.message_id = message_id
        elif has_app_context():
            # Worded now, while the app's catalogues are at hand: the error may be
            # read after its request (a log, a test, another thread).
            self._message_id = in_language("id", self.message_en)
        self.details = details
        super().__init__(self.message_en)

    @property
    def message_id(self) -> str:
        """The message in Bahasa Indonesia: from the catalogue, unless given by hand."""
        return self._message_id or in_language("id", self.message_en)

    @message_id.setter
    def message_id(self, text: str) -> None:
        self._message_id = text

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": in_language("en", self.message_en), "message_id": self.message_id}
        if self.details:
            body["details"] = self.details
        return body


def bilingual(message) -> dict:
    """``{"message": English, "message_id": Indonesian}`` for one message id."""
    return {"message": in_language("en", message), "message_id": in_language("id", message)}


class BadRequest(PindaiError):
    status = 400
    code = "bad_request"


class MissingPayload(PindaiError):
    status = 400
    code = "missing_payload"
    message_en = _l("No scanned payload was sent (use ?payload=...).")


class PayloadTooLong(PindaiError):
    status = 400
    code = "payload_too_long"
    message_en = _l("The scanned payload is too long.")


class NotOurs(PindaiError):
    status = 422
    code = "not_ours"
    message_en = _l("This is not a library code.")


class InvalidIsbn(PindaiError):
    status = 422
    code = "invalid_isbn"
    message_en = _l("This ISBN is not valid (wrong check digit).")


class UnknownCode(PindaiError):
    status = 404
    code = "unknown_code"
    message_en = _l("This code is not known to the library.")


class RetiredCode(PindaiError):
    status = 410
    code = "retired_code"
    message_en = _l("This label is no longer in use. Please ask a librarian.")


class UnknownIsbn(PindaiError):
    status = 404
    code = "unknown_isbn"
    message_en = _l("No book with this ISBN is in our catalogue.")


class NotFound(PindaiError):
    status = 404
    code = "not_found"
    message_en = _l("Not found.")


class UnsupportedTarget(PindaiError):
    status = 404
    code = "unsupported_target"
    message_en = _l("This code points at something that cannot be shown yet.")


# HTTP errors raised by Flask/werkzeug themselves (unknown URL, wrong method).
_HTTP_TEXT = {
    404: ("not_found", _l("Page not found.")),
    405: ("method_not_allowed", _l("Method not allowed.")),
    413: ("too_large", _l("The upload is too large.")),
    429: ("rate_limited", _l("Too many requests from you. Please wait a little and try again.")),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def respond(status: int, body: dict):
    if wants_json():
        return jsonify({"error": body}), status
    return render_template("content_service/error.html", status=status, error=body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(PindaiError)
    def _domain_error(exc: PindaiError):
        return respond(exc.status, exc.to_dict())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code, message = _HTTP_TEXT.get(exc.code, ("http_error", None))
        if message is None:  # werkzeug's own English: no Indonesian to give
            body, status = respond(exc.code or 500, {"code": code, "message": exc.description or exc.name,
                                                     "message_id": exc.name})
        else:
            body, status = respond(exc.code or 500, {"code": code, **bilingual(message)})
        # What the exception says of itself beyond its page: Allow on a 405
        # (RFC 9110), Retry-After on a 429 or 503.
        headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        session = g.get("db_session")
        if session is not None:
            session.rollback()
        return respond(
            500,
            {"code": "internal_error", **bilingual(_l("Something went wrong on our side. Please try again."))},
        )
