"""Writing the outbox: the core hook's writer (``content_service.outbox``).

One INSERT in the caller's transaction, nothing else: the message is made
when it is sent. Its ``dedupe_key`` names the happening (this registration's
promotion, this hold's copy on the shelf, this loan's due date), and a key
already written is skipped (``ON CONFLICT DO NOTHING``), so the same
happening never queues twice whoever reports it again."""
from __future__ import annotations

from flask import has_request_context
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..i18n import current_language
from .kinds import KINDS
from .models import LANGUAGES, Notification
from .recipients import insert_ignoring_duplicates

# What makes a happening the same one again, per kind (formatted with its facts).
DEDUPE = {
    "registration": "registration:{registration_id}",
    "waitlist_promoted": "waitlist_promoted:{registration_id}",
    "event_reminder": "event_reminder:{registration_id}",
    "hold_ready": "hold_ready:{hold_id}:{item_id}",
    "due_soon": "due_soon:{loan_id}:{due_date}",
    "overdue": "overdue:{loan_id}:{due_date}",
    "kiosk_receipt": "kiosk_receipt:{receipt}",
}


def dedupe_key(kind: str, facts: dict) -> str:
    return DEDUPE[kind].format(**facts)[:200]


def write(session: Session, kind: str, facts: dict) -> None:
    """Queue a message of ``kind`` about ``facts`` in ``session``'s transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    language = facts.pop("language", None)
    if language is None and has_request_context():
        language = current_language().split("-")[0]  # the language the member used, until they choose
    now = utcnow()
    insert_ignoring_duplicates(session, Notification.__table__, {
        "kind": kind, "dedupe_key": dedupe_key(kind, facts), "facts": facts, "status": "queued",
        "language": language if language in LANGUAGES else None, "attempts": 0,
        "next_attempt_at": now, "created_at": now})
