"""Library cards are read one way (``cards``): the same normalised number and
the same ``unknown_card`` answer for self-checkout and event registration."""
from __future__ import annotations

import pytest

from content_service import cards, kiosks
from content_service.events import registration


@pytest.mark.parametrize("typed, stored", [
    ("  ab-12 34 ", "AB1234"), ("0000042", "0000042"), ("", None), (None, None), ("AB1", None),
    ("kartu#1234", None), ("A" * 33, None),
])
def test_normalise_card(typed, stored):
    assert cards.normalise_card(typed) == stored


def test_checkout_and_event_registration_say_the_same_about_an_unknown_card(app, client, session):
    kiosk, key = kiosks.create_kiosk(session, "Kios Uji")
    session.commit()
    res = client.post("/api/v1/circulation/sessions", json={"card": "nosuch-123", "pin": "1234"},
                      headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 404
    with app.test_request_context():
        with pytest.raises(cards.UnknownCard) as raised:
            registration.check_card(session, "nosuch-123", None, at_kiosk=True)
    assert res.get_json()["error"] == raised.value.to_dict() == {
        "code": "unknown_card", "message": "This card is not registered. Please ask a librarian.",
        "message_id": "Kartu ini tidak terdaftar. Silakan hubungi petugas."}
