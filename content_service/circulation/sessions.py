"""A member's session at a kiosk (after card + PIN) and the receipt links a
phone can open. Tokens are random; only their SHA-256 is stored."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from . import calendar, refusals
from .models import PatronSession, Receipt


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


_digest = digest


def open_session(session: Session, card: str, first_name: str, kiosk_id: int | None, minutes: int) -> tuple[PatronSession, str]:
    """Start a member's session; returns it and its token (given to the kiosk only)."""
    token = secrets.token_urlsafe(32)
    row = PatronSession(token_hash=_digest(token), card_number=card, first_name=first_name[:100], kiosk_id=kiosk_id,
                        expires_at=calendar.utcnow() + timedelta(minutes=minutes), receipt_lines=[])
    session.add(row)
    # Sessions long over hold nothing anyone needs (receipts are rows of their own).
    session.execute(delete(PatronSession).where(PatronSession.expires_at < calendar.utcnow() - timedelta(days=1)))
    session.flush()
    return row, token


def current_session(session: Session, token: str | None, kiosk_id: int | None, minutes: int) -> PatronSession:
    """The live session for ``token`` on this kiosk, its idle timer restarted."""
    if not token:
        raise refusals.SessionRequired()
    row = session.get(PatronSession, _digest(token))
    now = calendar.utcnow()
    if row is None or row.kiosk_id != kiosk_id:
        raise refusals.SessionRequired()
    if row.ended_at is not None or calendar.as_utc(row.expires_at) <= now:
        raise refusals.SessionExpired()
    row.expires_at = now + timedelta(minutes=minutes)
    return row


def end_session(row: PatronSession) -> None:
    row.ended_at = calendar.utcnow()


def add_receipt_line(row: PatronSession, action: str, loan: dict) -> None:
    # Reassign: a JSON column only notices a new list, not an appended one.
    row.receipt_lines = [*row.receipt_lines, {"action": action, "title": loan["title"],
                                              "barcode": loan.get("barcode") or "", "due_date": loan["due_date"]}]


# What a receipt keeps of each line: the book and its copy, never the member.
RECEIPT_FIELDS = ("action", "title", "barcode", "due_date")


def create_receipt(session: Session, lines: list[dict], days: int, now: datetime | None = None) -> tuple[Receipt, str]:
    """A receipt of ``lines`` (titles, copy barcodes and due dates only) whose
    link works for ``days``: the member keeps it on a phone until the books are back."""
    now = now or calendar.utcnow()
    token = secrets.token_urlsafe(24)
    receipt = Receipt(token_hash=_digest(token), lines=[{k: line.get(k) or "" for k in RECEIPT_FIELDS}
                                                        for line in lines],
                      created_at=now, expires_at=now + timedelta(days=days))
    session.add(receipt)
    # Expired receipts are worth nothing: sweep them while here.
    session.execute(delete(Receipt).where(Receipt.expires_at < now - timedelta(days=1)))
    session.flush()
    return receipt, token


def find_receipt(session: Session, token: str, now: datetime | None = None) -> Receipt:
    """The receipt behind a link, or ``ReceiptExpired`` (also for unknown links: no oracle)."""
    receipt = session.get(Receipt, _digest(token)) if token else None
    if receipt is None or calendar.as_utc(receipt.expires_at) <= (now or calendar.utcnow()):
        raise refusals.ReceiptExpired()
    return receipt
