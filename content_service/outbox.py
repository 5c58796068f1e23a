"""The outbox hook: a feature says what happened to a member ("a hold is
ready", "a seat was given from the waiting list") inside the transaction that
made it happen, and whatever the app registered as the outbox writer (the
notifications feature) adds its row to that same session. The message and the
change it tells of then commit together or not at all: nothing is lost, and a
rolled-back change sends nothing.

Events and circulation call ``happened``; they never import notifications. An
app without a writer (notifications left out) sends nothing and loses nothing."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

Writer = Callable[[Session, str, dict], None]
_KEY = "pindai.outbox"


def set_writer(app: Flask, writer: Writer) -> None:
    """Called by the notifications feature's ``init_app``: ``writer(session, kind, facts)``."""
    app.extensions[_KEY] = writer


def available() -> bool:
    """Whether this app writes messages at all (a kiosk offers "Kirim ke email" only then)."""
    return has_app_context() and _KEY in current_app.extensions


def happened(session: Session, kind: str, **facts) -> None:
    """Record that ``kind`` happened (``facts``: ids and plain values, JSON-able),
    in ``session``'s transaction; a no-op outside an app or without a writer."""
    if has_app_context():
        writer = current_app.extensions.get(_KEY)
        if writer is not None:
            writer(session, kind, facts)
