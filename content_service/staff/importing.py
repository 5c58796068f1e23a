"""Catalogue imports from the browser: upload a MARC or CSV file and read
the core importer's per-record report."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import render_template, request
from werkzeug.utils import secure_filename

from .. import errors
from ..db import get_session
from ..imports import import_file, tabular
from .access import audit, bp, requires

KINDS = ("marc", "csv")


@bp.get("/imports")
@requires("catalogue")
def imports():
    return render_template("staff/imports.html", report=None, error=None)


@bp.post("/imports")
@requires("catalogue")
def run_import():
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    try:
        if kind not in KINDS:
            raise errors.BadRequest("Choose MARC or CSV.", message_id="Pilih MARC atau CSV.")
        if upload is None or not upload.filename:
            raise errors.BadRequest("Choose a file to import.", message_id="Pilih berkas yang akan diimpor.")
        report = _import(upload, kind, (request.form.get("source") or "").strip() or None)
    except errors.PindaiError as exc:
        get_session().rollback()
        return render_template("staff/imports.html", report=None, error=exc), exc.status
    session = get_session()
    audit(session, "catalogue.import", None, None, kind=kind, file=report.source, summary=report.summary())
    session.commit()
    return render_template("staff/imports.html", report=report, error=None)


def _import(upload, kind: str, source: str | None):
    # The importer reads a path; the upload's own name (made safe) names the
    # records' source, and the temp file is removed whatever happens.
    name = secure_filename(upload.filename) or f"upload.{kind}"
    folder = tempfile.mkdtemp(prefix="pindai-import-")
    path = Path(folder) / name
    try:
        upload.save(path)
        try:
            return import_file(get_session(), path, kind, source=source or Path(name).stem)
        except (tabular.ImportProblem, UnicodeDecodeError, ValueError) as exc:
            raise errors.BadRequest(f"The file cannot be imported: {exc}",
                                    message_id=f"Berkas tidak dapat diimpor: {exc}") from None
    finally:
        if path.exists():
            os.unlink(path)
        os.rmdir(folder)
