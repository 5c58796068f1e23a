"""The receipt page a member opens on a phone from the kiosk's QR: titles,
barcodes and due dates and the library's name, nothing personal; it works
for ``CIRCULATION_RECEIPT_DAYS``."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template

from ..db import get_session
from . import calendar, sessions

bp = Blueprint("circulation_pages", __name__)


@bp.get("/r/<token>")
def receipt(token: str):
    found = sessions.find_receipt(get_session(), token)
    lines = [{**line, "due": date.fromisoformat(line["due_date"])} for line in found.lines]
    response = render_template("circulation/receipt.html", lines=lines,
                               made=calendar.local(found.created_at), expires=calendar.local(found.expires_at))
    # A receipt is for its member's phone only: no shared caches, no referrers.
    return response, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
                           "X-Robots-Tag": "noindex"}
