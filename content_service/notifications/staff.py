"""The notifications in the staff portal (``/staff/notifications``, librarians
and admins): what was sent, what waits, what failed and why (with "Coba
lagi"); WhatsApp messages waiting for a librarian (no Cloud API token) with
their ``wa.me`` link and "Sudah dikirim"; and each kind's words in both
languages and its on/off switch. Every change is a form with CSRF, audited."""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import errors
from ..clock import utcnow
from ..db import get_session
from ..staff import access
from . import wording
from .kinds import COMMON, KINDS
from .models import LANGUAGES, STATUSES, Notification, NotificationKind, NotificationTemplate
from .senders import wa_me_link, whatsapp_text, Message

bp = Blueprint("notifications_staff", __name__, url_prefix="/staff/notifications")
SHOWN = 200
STATUS_WORDS = {"queued": _l("queued"), "sending": _l("sending"), "sent": _l("sent"), "failed": _l("failed"),
                "cancelled": _l("not sent"), "manual": _l("waiting for staff (WhatsApp)")}


access.guard(bp, "catalogue")  # librarians and admins; members' addresses


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise errors.BadRequest(_l("Unknown %(name)s.", name=name))
    return value


@bp.get("")
def index():
    session = get_session()
    status, kind = _choice("status", STATUSES), _choice("kind", KINDS)
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(SHOWN)
    if status:
        query = query.where(Notification.status == status)
    if kind:
        query = query.where(Notification.kind == kind)
    rows = session.scalars(query).all()
    counts = dict(session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())
    links = {row.id: wa_me_link(row.recipient, whatsapp_text(Message(
        row.id, "whatsapp", row.recipient, row.subject or "", row.body_text or "", "", row.language or "id", "")))
        for row in rows if row.status == "manual" and row.recipient}
    return render_template("notifications/staff.html", rows=rows, counts=counts, status=status, kind=kind,
                           kinds=KINDS, statuses=STATUSES, words=STATUS_WORDS, links=links,
                           done=request.args.get("done"))


def _row(session, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None:
        raise errors.NotFound(_l("No such message."))
    return row


@bp.post("/<int:notification_id>/retry")
def retry(notification_id: int):
    """A failed (or not sent) message queued again, its attempts counted from nought."""
    session = get_session()
    row = _row(session, notification_id)
    if row.status in ("failed", "cancelled"):
        row.status, row.attempts, row.next_attempt_at, row.lease_until = "queued", 0, utcnow(), None
        access.audit(session, "notifications.retry", "notification", row.id, kind=row.kind)
        session.commit()
    return redirect(url_for(".index", done="retry"), 303)


@bp.post("/<int:notification_id>/sent")
def mark_sent(notification_id: int):
    """A librarian sent a WhatsApp message through its wa.me link."""
    session = get_session()
    row = _row(session, notification_id)
    if row.status == "manual":
        row.status, row.sent_at, row.last_error = "sent", utcnow(), None
        row.provider_id = f"wa.me by {current_user.username}"[:200]
        access.audit(session, "notifications.sent_by_hand", "notification", row.id, kind=row.kind)
        session.commit()
    return redirect(url_for(".index", status="manual", done="sent"), 303)


def _templates_page(status: int = 200, error=None, done=None):
    session = get_session()
    own = wording.staff_templates(session)
    off = set(session.scalars(select(NotificationKind.kind).where(NotificationKind.enabled.is_(False))))
    forms = {(k, lang): (own[(k, lang)].subject, own[(k, lang)].body) if (k, lang) in own
             else (kind.subject[lang], kind.body[lang]) for k, kind in KINDS.items() for lang in LANGUAGES}
    if error is not None and request.form:
        forms[(error.details["kind"], error.details["language"])] = (request.form.get("subject", ""),
                                                                     request.form.get("body", ""))
    return render_template("notifications/templates.html", kinds=KINDS, languages=LANGUAGES, forms=forms,
                           own=own, off=off, error=error, done=done, common=COMMON), status


@bp.get("/templates")
def templates():
    return _templates_page(done=request.args.get("done"))


@bp.post("/templates/<kind>/<language>")
def save_template(kind: str, language: str):
    session = get_session()
    if kind not in KINDS or language not in LANGUAGES:
        raise errors.NotFound()
    row = session.get(NotificationTemplate, (kind, language))
    if request.form.get("reset") == "1":
        if row is not None:
            session.delete(row)
        access.audit(session, "notifications.template_reset", kind=kind, language=language)
        session.commit()
        return redirect(url_for(".templates", done="reset") + f"#{kind}-{language}", 303)
    subject, body = request.form.get("subject", ""), request.form.get("body", "")
    try:
        wording.check(kind, language, subject, body)
    except wording.BadTemplate as exc:
        exc.details.update(kind=kind, language=language)
        return _templates_page(exc.status, error=exc)
    if row is None:
        row = NotificationTemplate(kind=kind, language=language, subject=subject, body=body)
        session.add(row)
    row.subject, row.body, row.updated_at = subject.strip(), body.replace("\r\n", "\n").strip(), utcnow()
    access.audit(session, "notifications.template", kind=kind, language=language)
    session.commit()
    return redirect(url_for(".templates", done="saved") + f"#{kind}-{language}", 303)


@bp.post("/kinds/<kind>")
def switch(kind: str):
    """Turn one kind of message on or off (off: queued ones are not sent)."""
    session = get_session()
    if kind not in KINDS:
        raise errors.NotFound()
    enabled = request.form.get("enabled") == "1"
    row = session.get(NotificationKind, kind) or NotificationKind(kind=kind)
    row.enabled, row.updated_at = enabled, utcnow()
    session.add(row)
    access.audit(session, "notifications.switch", kind=kind, enabled=enabled)
    session.commit()
    return redirect(url_for(".templates", done="on" if enabled else "off") + f"#{kind}", 303)


def init_app(app: Flask) -> None:
    entry = ("notifications_staff.index", _l("Messages"), "catalogue")
    if entry not in access.NAV:
        access.NAV.append(entry)
    app.register_blueprint(bp)
