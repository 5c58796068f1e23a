"""Tokens people type on a command line never start with "-" (click and
argparse would read them as options), and the commands take old ones that do."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from content_service.events import registration
from content_service.events.models import Registration
from content_service.kiosks import create_kiosk
from content_service.tokens import url_token
from kiosk.cli import build_parser
from tests.content_service.events.helpers import make_event


def test_many_tokens_never_start_with_an_option_character():
    # With plain token_urlsafe about 64 of these 4096 would start with "-".
    tokens = [url_token(24) for _ in range(4096)]
    assert all(t[0].isalnum() for t in tokens)
    assert len(set(tokens)) == len(tokens) and {len(t) for t in tokens} == {32}
    assert any("-" in t[1:] for t in tokens), "the rest of a token keeps the whole alphabet"


def _first_draw_starts_with_a_dash(monkeypatch):
    """The next token_urlsafe draw starts with "-" (the 1-in-64 case that made a test flaky)."""
    real = secrets.token_urlsafe
    draws = iter(["-" + real(24)[1:]])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n=None: next(draws, None) or real(n))


def test_registration_tokens_and_kiosk_keys_are_redrawn(monkeypatch, session):
    event = make_event(session, capacity=5, registration_required=True)
    _first_draw_starts_with_a_dash(monkeypatch)
    made = registration.register(session, event, event.starts_at, name="Siti", phone="081200000001")
    assert made.token[0].isalnum()
    _first_draw_starts_with_a_dash(monkeypatch)
    _, key = create_kiosk(session, "Ruang Anak")
    assert key[0].isalnum()
    args = build_parser().parse_args(["run", "--key", key, "--source", "0"])
    assert args.key == key


def test_attended_takes_an_old_token_that_starts_with_a_dash(runner, session):
    event = make_event(session, capacity=5, registration_required=True)
    made = registration.register(session, event, event.starts_at, name="Budi", phone="081200000002")
    old = "-" + made.token[1:]  # as token_urlsafe made them before
    made.token = old
    session.commit()
    result = runner.invoke(args=["events", "attended", old])
    assert result.exit_code == 0, result.output
    assert "Marked as attended." in result.output
    session.expire_all()
    assert session.scalars(select(Registration.attended_at).where(Registration.token == old)).one() is not None
    unknown = runner.invoke(args=["events", "attended", "-NoSuchToken"])
    assert unknown.exit_code != 0 and "No such option" not in unknown.output
