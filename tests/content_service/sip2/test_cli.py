"""``flask sip2 check`` / ``queue`` against the real peer, and the settings read from
``PINDAI_SIP2_*`` environment variables."""
from __future__ import annotations

from datetime import datetime, timezone

from content_service import config
from content_service.sip2.models import OfflineCheckout

from .conftest import sip2_settings


def test_check_logs_in_and_shows_what_the_server_supports(make_app, library_peer):
    app = make_app(**sip2_settings(library_peer))
    result = app.test_cli_runner().invoke(args=["sip2", "check"])
    assert result.exit_code == 0, result.output
    assert "logged in as 'lpl-sc'" in result.output and "plain TCP" in result.output
    assert "online=True" in result.output and "protocol=2.00" in result.output
    assert "supports: patron_status, checkout, checkin" in result.output


def test_check_names_a_refused_login_and_an_unreachable_server(make_app, library_peer):
    app = make_app(**sip2_settings(library_peer, SIP2_PASSWORD="salah"))
    result = app.test_cli_runner().invoke(args=["sip2", "check"])
    assert result.exit_code == 1 and "refused login 'lpl-sc'" in result.output
    assert "PINDAI_SIP2_PASSWORD" in result.output
    app = make_app(**sip2_settings(library_peer, SIP2_PORT=1))
    result = app.test_cli_runner().invoke(args=["sip2", "check"])
    assert result.exit_code == 1 and "cannot reach SIP2 server 127.0.0.1:1" in result.output


def test_queue_lists_nothing_unconfirmed(make_app, library_peer):
    app = make_app(**sip2_settings(library_peer))
    result = app.test_cli_runner().invoke(args=["sip2", "queue"])
    assert result.exit_code == 0 and "0 not confirmed" in result.output


def test_settings_from_the_environment():
    loaded = config.load(environ={"PINDAI_CIRCULATION": "sip2", "PINDAI_SIP2_HOST": "ils.lokal",
                                  "PINDAI_SIP2_PORT": "6443", "PINDAI_SIP2_TLS": "on",
                                  "PINDAI_SIP2_TIMEOUT": "2.5", "PINDAI_SIP2_ENCODING": "ascii",
                                  "PINDAI_ENV": "test"})
    assert (loaded["SIP2_HOST"], loaded["SIP2_PORT"], loaded["SIP2_TLS"], loaded["SIP2_TIMEOUT"],
            loaded["SIP2_ENCODING"]) == ("ils.lokal", 6443, "on", 2.5, "ascii")


def test_queue_shows_each_checkout_s_time_in_wib(app, session):
    """Staff read the library's clock: 22.24 UTC is 05.24 the next morning in Batam."""
    session.add(OfflineCheckout(card_number="2171000001", barcode="B-0001", title="Laskar Pelangi", state="failed",
                                transaction_at=datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc),
                                error="Eksemplar tidak dikenal"))
    session.commit()
    result = app.test_cli_runner().invoke(args=["sip2", "queue"])
    assert result.exit_code == 0, result.output
    assert "2026-12-02 05:24 WIB\tB-0001\tLaskar Pelangi" in result.output and "22:24" not in result.output
