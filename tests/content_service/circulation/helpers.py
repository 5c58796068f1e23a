"""Rows and requests for circulation tests."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from content_service.circulation.models import Patron
from content_service.circulation.patrons import hash_pin
from content_service.kiosks import create_kiosk

_serial = itertools.count(1)
PIN = "2468"


def make_patron(session, *, pin: str | None = PIN, **fields) -> Patron:
    n = next(_serial)
    fields.setdefault("card_number", f"2171{n:06d}")
    fields.setdefault("name", f"Siti Rahma Uji{n}")
    fields.setdefault("category", "adult")
    fields.setdefault("expires_on", date.today() + timedelta(days=365))
    # Few rounds: tests check the PIN logic, not the hash's cost.
    patron = Patron(pin_hash=hash_pin(pin, rounds=1000) if pin else None, **fields)
    session.add(patron)
    session.flush()
    return patron


def kiosk_headers(session, name: str = "Kios Lobi") -> dict:
    _kiosk, key = create_kiosk(session, name)
    return {"Authorization": f"Bearer {key}"}


def login(client, headers: dict, card: str, pin: str = PIN) -> dict:
    """Log in and answer headers carrying the patron session too."""
    res = client.post("/api/v1/circulation/sessions", json={"card": card, "pin": pin}, headers=headers)
    assert res.status_code == 201, res.get_json()
    return {**headers, "X-Patron-Session": res.get_json()["session"]}
