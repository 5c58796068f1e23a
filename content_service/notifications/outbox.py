"""Writing the outbox: the core hook's writer (``content_service.outbox``).

One INSERT in the caller's transaction, nothing else: the message is made
when it is sent. Its ``dedupe_key`` names the happening (this registration's
promotion, this hold's copy on the shelf, this loan's due date), and a key
already written is skipped (``ON CONFLICT DO NOTHING``), so the same
happening never queues twice whoever reports it again."""
from __future__ import annotations

from flask import has_request_context
from sqlalchemy import JSON, DateTime, bindparam, text
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..i18n import current_language
from .kinds import KINDS
from .models import LANGUAGES

# One statement, the same on SQLite and PostgreSQL (both have ON CONFLICT DO
# NOTHING), prepared once: the ORM's insert() costs more than the round trip.
INSERT = text(
    "INSERT INTO notification (kind, dedupe_key, facts, status, language, attempts, next_attempt_at, created_at) "
    "VALUES (:kind, :dedupe_key, :facts, 'queued', :language, 0, :now, :now) ON CONFLICT (dedupe_key) DO NOTHING"
).bindparams(bindparam("facts", type_=JSON), bindparam("now", type_=DateTime(timezone=True)))

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
    session.execute(INSERT, {"kind": kind, "dedupe_key": dedupe_key(kind, facts), "facts": facts,
                             "language": language if language in LANGUAGES else None, "now": utcnow()})
