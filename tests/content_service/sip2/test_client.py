"""The SIP2 client on a real network: TLS (stunnel-style, self-signed certificate),
a lost answer and a damaged answer (resend, 97), the server restarting (reconnect
and log in again), a refused login, and a server that never answers (timeouts)."""
from __future__ import annotations

import socket
import time

import pytest

from content_service.sip2.client import LoginRefused, Settings, SIP2Client, Unavailable

from .relay import Relay, self_signed


def settings(port, **more) -> Settings:
    values = dict(host="127.0.0.1", port=port, login="lpl-sc", password="1234",
                  institution="LPL", timeout=2.0, connect_timeout=1.0, encoding="utf-8")
    values.update(more)
    return Settings(**values)


@pytest.fixture
def closing():
    made = []

    def keep(thing):
        made.append(thing)
        return thing

    yield keep
    for thing in made:
        thing.close()


def test_tls_with_a_self_signed_certificate(library_peer, tmp_path, closing):
    cert, key = self_signed(tmp_path)
    relay = closing(Relay((library_peer.host, library_peer.port), tls=(cert, key)).start())
    client = closing(SIP2Client(settings(relay.port, tls="on", tls_ca=str(cert))))
    answer = client.item_information("PDB-0002")
    assert answer.get("AJ") == "Bumi Manusia — Pramoedya Ananta Toer"
    assert relay.seen and relay.seen[0].startswith(b"93")  # it went through the TLS relay
    client.close()  # the peer serves one connection at a time
    # Without trusting that certificate the client refuses the server...
    strict = closing(SIP2Client(settings(relay.port, tls="on")))
    with pytest.raises(Unavailable, match="CERTIFICATE_VERIFY_FAILED"):
        strict.sc_status()
    # ... and "insecure" encrypts without checking it.
    loose = closing(SIP2Client(settings(relay.port, tls="insecure")))
    assert loose.sc_status().code == "98"
    loose.close()
    # Plain TCP to a TLS port is no SIP2 conversation.
    plain = closing(SIP2Client(settings(relay.port, timeout=0.5, retries=0)))
    with pytest.raises(Unavailable):
        plain.sc_status()


def test_a_lost_checkout_answer_is_asked_for_again_not_repeated(library_peer, closing):
    relay = closing(Relay((library_peer.host, library_peer.port), drop=b"12").start())
    client = closing(SIP2Client(settings(relay.port, timeout=0.5)))
    answer = client.checkout("2171000043", "PDB-0003")
    assert answer["ok"] and answer.get("AB") == "PDB-0003"
    assert relay.dropped and relay.dropped[0].startswith(b"121")
    sent = [frame[:2] for frame in relay.seen]
    assert sent.count(b"11") == 1 and b"97" in sent  # one checkout, one resend request
    assert client.checkin("PDB-0003")["ok"]


def test_a_damaged_answer_is_asked_for_again(library_peer, closing):
    relay = closing(Relay((library_peer.host, library_peer.port), corrupt=b"18").start())
    client = closing(SIP2Client(settings(relay.port)))
    answer = client.item_information("PDB-0001")
    assert answer.get("AJ") == "Laskar Pelangi" and relay.corrupted
    assert [frame[:2] for frame in relay.seen].count(b"97") == 1


def test_reconnects_and_logs_in_again_after_the_server_restarts(library_peer, closing):
    client = closing(SIP2Client(settings(library_peer.port)))
    assert client.sc_status().code == "98" and client.connections == 1
    library_peer.restart()
    assert client.item_information("PDB-0001").get("AJ") == "Laskar Pelangi"
    assert client.connections == 2  # a new connection, with a new 93 login


def test_refused_login(library_peer, closing):
    client = closing(SIP2Client(settings(library_peer.port, password="salah")))
    with pytest.raises(LoginRefused):
        client.sc_status()


def test_a_server_that_never_answers_times_out_and_counts_as_away(closing):
    silent = closing(socket.create_server(("127.0.0.1", 0)))
    client = closing(SIP2Client(settings(silent.getsockname()[1], timeout=0.3, retries=1)))
    started = time.monotonic()
    with pytest.raises(Unavailable):
        client.sc_status()
    assert time.monotonic() - started < 2
    started = time.monotonic()
    with pytest.raises(Unavailable, match="moments ago"):  # no new wait while it is down
        client.sc_status()
    assert time.monotonic() - started < 0.1


def test_nothing_listening(closing):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    client = closing(SIP2Client(settings(port)))
    with pytest.raises(Unavailable, match="cannot reach"):
        client.sc_status()


def test_settings_from_config_name_the_bad_setting():
    with pytest.raises(ValueError, match="PINDAI_SIP2_HOST"):
        Settings.from_config({})
    with pytest.raises(ValueError, match="PINDAI_SIP2_TLS"):
        Settings.from_config({"SIP2_HOST": "ils", "SIP2_TLS": "maybe"})
    with pytest.raises(ValueError, match="encoding"):
        Settings.from_config({"SIP2_HOST": "ils", "SIP2_ENCODING": "klingon"})
    s = Settings.from_config({"SIP2_HOST": "ils", "SIP2_TLS": "true", "SIP2_ENCODING": "UTF8",
                              "SIP2_RETRIES": 0})
    assert (s.tls, s.encoding, s.retries, s.port) == ("on", "utf-8", 0, 6001)
