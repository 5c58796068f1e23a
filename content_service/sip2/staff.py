"""The offline queue in the staff portal (``/staff/sip2``): what was borrowed while
the library system was away, what has been confirmed, and what it refused (those
need a librarian at the desk). Librarians and admins; "replay now" is a form with
CSRF, audited like other staff actions."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..staff import access

bp = Blueprint("sip2_staff", __name__, url_prefix="/staff/sip2")



access.guard(bp, "catalogue")  # librarians and admins; card numbers


@bp.get("")
def queue():
    from . import offline

    session = get_session()
    return render_template("sip2/queue.html", rows=offline.recent(session), counts=offline.counts(session),
                           sip2=current_app.config.get("CIRCULATION") == "sip2",
                           sent=_sent(request.args.get("sent", "")))


def _sent(value: str) -> dict | None:
    """The counts the redirect after a replay carries (``sent=done,failed,left``), as numbers."""
    match = re.fullmatch(r"(\d{1,6}),(\d{1,6}),(\d{1,6})", value)
    return dict(zip(("done", "failed", "left"), map(int, match.groups()))) if match else None


@bp.post("/replay")
def replay_now():
    from ..circulation.backends import get_backend
    from . import offline

    session = get_session()
    if current_app.config.get("CIRCULATION") != "sip2":
        return redirect(url_for(".queue"))
    client = get_backend().client  # type: ignore[attr-defined]  # the Sip2Backend (checked above)
    client.try_now()  # a librarian asked: do not wait out the "server away" pause
    result = offline.replay(session, client)
    access.audit(session, "sip2.replay", **result)
    session.commit()
    return redirect(url_for(".queue", sent=f"{result['done']},{result['failed']},{result['left']}"))


def init_app(app: Flask) -> None:
    # The menu shows an entry only where its endpoint exists: only SIP2 apps get the page.
    entry = ("sip2_staff.queue", _l("SIP2 queue"), "catalogue")
    if entry not in access.NAV:
        access.NAV.append(entry)
    if app.config.get("CIRCULATION") == "sip2":
        app.register_blueprint(bp)
