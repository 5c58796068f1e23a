"""Catalogue imports from the browser: upload a MARC or CSV file, watch the
records go in, and read the core importer's per-record report.

The import runs in a thread of this request while the answer streams: the
page's head first, then progress as records are written, then the report.
One request from upload to report, so it works the same behind several
gunicorn workers (no job table to share)."""
from __future__ import annotations

import logging
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path

from flask import Response, current_app, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.utils import secure_filename

from .. import errors
from ..db import get_session
from ..imports import detect_kind, estimate, import_file, online_links, tabular
from . import access, auditing
from .access import bp, requires

log = logging.getLogger(__name__)
KINDS = ("marc", "csv")
_MARK = "<!--import-progress-->"


@bp.get("/imports")
@requires("catalogue")
def imports():
    return render_template("staff/imports.html", report=None, error=None)


@bp.post("/imports")
@requires("catalogue")
def run_import():
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in KINDS:
        return _refused(errors.BadRequest(_l("Choose MARC or CSV.")))
    if upload is None or not upload.filename:
        return _refused(errors.BadRequest(_l("Choose a file to import.")))
    # The upload's own name (made safe) names the records' source; it is
    # never a path of ours: the file lands in a fresh temp folder.
    try:
        mapping = parse_mapping(request.form.get("map", ""))
    except errors.PindaiError as exc:
        return _refused(exc)
    name = secure_filename(upload.filename) or f"upload.{kind}"
    folder = Path(tempfile.mkdtemp(prefix="pindai-import-"))
    path = folder / name
    upload.save(path)
    total = estimate(path, detect_kind(path, kind))
    source = (request.form.get("source") or "").strip() or None  # not the file name: see tabular.read_rows
    events: queue.Queue = queue.Queue()
    worker = threading.Thread(
        target=_work, daemon=True,
        args=(current_app._get_current_object(), events, path, kind, source, mapping,
              (current_user.id, current_user.username)),
    )
    head, tail = render_template("staff/imports.html", running=True, total=total, report=None, error=None).split(_MARK)

    nonce = access.csp_nonce()  # the page's scripts, streamed after the request's context is gone

    def stream():
        yield head
        worker.start()
        done, shown = 0, time.monotonic()
        while True:
            try:
                event, value = events.get(timeout=0.5)
            except queue.Empty:
                continue
            if event == "progress":
                done += value
                if time.monotonic() - shown > 0.2:  # a few updates a second is plenty
                    shown = time.monotonic()
                    yield f'<script nonce="{nonce}">pindaiProgress({done}, {total})</script>\n'
                continue
            # The last word on progress says how it ended, with what was really read.
            final = (done, done, "done") if event == "done" else (done, total, "stopped")
            yield f'<script nonce="{nonce}">pindaiProgress({final[0]}, {final[1]}, "{final[2]}")</script>\n'
            if event == "done":
                yield render_template("staff/_import_report.html", report=value)
            else:
                yield render_template("staff/_alert.html", error=value)
            break
        yield tail

    # No proxy buffering: the progress is the point.
    return Response(stream_with_context(stream()), mimetype="text/html", headers={"X-Accel-Buffering": "no"})


def _refused(error: errors.PindaiError):
    return render_template("staff/imports.html", report=None, error=error), error.status


def parse_mapping(text: str) -> dict[str, str]:
    """CSV columns named by hand, ``COLUMN=FIELD`` one per line (what ``--map`` is on the command line)."""
    mapping = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        column, sep, field = line.partition("=")
        if not sep or not column.strip() or field.strip() not in (*tabular.FIELDS, "ignore"):
            raise errors.BadRequest(
                _l("%(value)s: write COLUMN=FIELD, FIELD one of %(value2)s or ignore.",
                   value=repr(line.strip()), value2=', '.join(tabular.FIELDS)))
        mapping[column.strip()] = field.strip()
    return mapping


def _work(app, events: queue.Queue, path: Path, kind: str, source: str, mapping: dict, who: tuple[int, str]) -> None:
    """Run the import in its own app context and session; report through ``events``."""
    run_id = None
    try:
        with app.app_context():
            session = get_session()
            run_id = auditing.import_started(session, who[1], who[0], kind=kind, file=path.name, via="browser")
            try:
                report = import_file(session, path, kind, mapping=mapping or None, source=source,
                                     progress=lambda n=1: events.put(("progress", n)))
            except (tabular.ImportProblem, UnicodeDecodeError, ValueError) as exc:
                session.rollback()
                auditing.import_ended(session, run_id, "import.interrupted", who[1], who[0], kind=kind,
                                      file=path.name, reason=str(exc)[:300])
                events.put(("error", errors.BadRequest(_l("The file cannot be imported: %(exc)s", exc=exc))))
                return
            session.commit()
            auditing.import_ended(session, run_id, "catalogue.import", who[1], who[0], kind=kind, file=report.source,
                                  summary=report.summary())
            events.put(("done", report))
    except Exception as exc:  # noqa: BLE001 - the page must end with an answer, not hang
        log.exception("import of %s failed", path.name)
        if run_id is not None:
            _interrupted(app, run_id, who, kind, path.name, exc)
        events.put(("error", errors.PindaiError(_l("The import stopped on an unexpected error; the records written so far are kept."))))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _interrupted(app, run_id: int, who: tuple[int, str], kind: str, name: str, exc: Exception) -> None:
    """The audit log's "interrupted" entry of an import that raised (in a fresh context: its own may be broken)."""
    try:
        with app.app_context():
            auditing.import_ended(get_session(), run_id, "import.interrupted", who[1], who[0], kind=kind, file=name,
                                  reason=f"{type(exc).__name__}: {str(exc)[:200]}")
    except Exception:  # noqa: BLE001 - the next import's start marks it from the open entry
        log.exception("could not record the interrupted import")




@bp.post("/imports/online-links")
@requires("catalogue")
def import_online_links():
    """A CSV of ISBN -> online resource (``imports.online_links``), with its row-by-row report."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refused(errors.BadRequest(_l("Choose a file to import.")))
    data = upload.read(16 * 1024 * 1024 + 1)
    session = get_session()
    try:
        if len(data) > 16 * 1024 * 1024:
            raise online_links.LinksFileProblem(_l("A file of links may be at most 16 MB."))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise online_links.LinksFileProblem(_l("The file is not text (UTF-8).")) from None
        report = online_links.import_links(session, text, published=request.form.get("published") == "1")
    except errors.PindaiError as exc:
        session.rollback()
        return _refused(exc)
    access.audit(session, "import.online_links", None, None, file=secure_filename(upload.filename),
                 **{status: report.count(status) for status in online_links.STATUSES})
    session.commit()
    return render_template("staff/imports.html", report=None, error=None, links_report=report)
