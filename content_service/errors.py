"""Domain errors and the one handler that turns them (and HTTP errors) into
JSON for API clients and a friendly bilingual page for people."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class PindaiError(Exception):
    """Base of every error the service answers on purpose.

    ``code`` is stable for machines; ``message_id`` / ``message_en`` are for
    people, Bahasa Indonesia first."""

    status = 400
    code = "bad_request"
    message_id = "Permintaan tidak dapat diproses."
    message_en = "The request could not be processed."

    def __init__(self, message_en: str | None = None, *, message_id: str | None = None, **details):
        self.message_en = message_en or self.message_en
        self.message_id = message_id or self.message_id
        self.details = details
        super().__init__(self.message_en)

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message_en, "message_id": self.message_id}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(PindaiError):
    status = 400
    code = "bad_request"


class MissingPayload(PindaiError):
    status = 400
    code = "missing_payload"
    message_id = "Tidak ada isi pindaian yang dikirim."
    message_en = "No scanned payload was sent (use ?payload=...)."


class PayloadTooLong(PindaiError):
    status = 400
    code = "payload_too_long"
    message_id = "Isi pindaian terlalu panjang."
    message_en = "The scanned payload is too long."


class NotOurs(PindaiError):
    status = 422
    code = "not_ours"
    message_id = "Ini bukan kode perpustakaan."
    message_en = "This is not a library code."


class InvalidIsbn(PindaiError):
    status = 422
    code = "invalid_isbn"
    message_id = "Nomor ISBN ini tidak valid (digit pemeriksa salah)."
    message_en = "This ISBN is not valid (wrong check digit)."


class UnknownCode(PindaiError):
    status = 404
    code = "unknown_code"
    message_id = "Kode ini tidak dikenal di perpustakaan kami."
    message_en = "This code is not known to the library."


class RetiredCode(PindaiError):
    status = 410
    code = "retired_code"
    message_id = "Label ini sudah tidak berlaku. Silakan tanyakan kepada petugas."
    message_en = "This label is no longer in use. Please ask a librarian."


class UnknownIsbn(PindaiError):
    status = 404
    code = "unknown_isbn"
    message_id = "Buku dengan ISBN ini tidak ada di katalog kami."
    message_en = "No book with this ISBN is in our catalogue."


class NotFound(PindaiError):
    status = 404
    code = "not_found"
    message_id = "Halaman atau data tidak ditemukan."
    message_en = "Not found."


class UnsupportedTarget(PindaiError):
    status = 404
    code = "unsupported_target"
    message_id = "Kode ini menunjuk ke sesuatu yang belum dapat ditampilkan."
    message_en = "This code points at something that cannot be shown yet."


# HTTP errors raised by Flask/werkzeug themselves (unknown URL, wrong method).
_HTTP_TEXT = {
    404: ("not_found", "Halaman tidak ditemukan.", "Page not found."),
    405: ("method_not_allowed", "Metode tidak diizinkan.", "Method not allowed."),
    413: ("too_large", "Data yang dikirim terlalu besar.", "The upload is too large."),
    429: ("rate_limited", "Terlalu banyak permintaan dari Anda. Silakan tunggu sebentar lalu coba lagi.",
          "Too many requests from you. Please wait a little and try again."),
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
        code, text_id, text_en = _HTTP_TEXT.get(
            exc.code, ("http_error", exc.name, exc.description or exc.name)
        )
        return respond(exc.code or 500, {"code": code, "message": text_en, "message_id": text_id})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        session = g.get("db_session")
        if session is not None:
            session.rollback()
        return respond(
            500,
            {
                "code": "internal_error",
                "message": "Something went wrong on our side. Please try again.",
                "message_id": "Terjadi kesalahan di sistem kami. Silakan coba lagi.",
            },
        )
