"""Fixtures for the SIP2 tests: a real peer per test module (see peer.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from .peer import SipPeer, require_peer
from .server_helpers import sc, server  # noqa: F401  (the SIP2 server tests' fixtures)


@pytest.fixture(scope="module")
def sip_peer():
    """The bare peer with its sample data only (patrons djfiander, miker)."""
    require_peer()
    peer = SipPeer().start()
    yield peer
    peer.stop()


FIXTURES = Path(__file__).with_name("fixtures.pl")


@pytest.fixture(scope="module")
def library_peer():
    """The peer with Pindai's test library (fixtures.pl): one per test module,
    because loans made over SIP2 live in that process."""
    require_peer()
    peer = SipPeer(FIXTURES).start()
    yield peer
    peer.stop()


def sip2_settings(peer, **overrides) -> dict:
    """App settings pointing Pindai at the peer (LPL: the UTF-8 institution)."""
    settings = {"CIRCULATION": "sip2", "SIP2_HOST": peer.host, "SIP2_PORT": peer.port,
                "SIP2_LOGIN": "lpl-sc", "SIP2_PASSWORD": "1234", "SIP2_INSTITUTION": "LPL",
                "SIP2_LOCATION": "KIOS-1", "SIP2_TIMEOUT": 2, "SIP2_CONNECT_TIMEOUT": 1,
                "SIP2_REPLAY_SECONDS": 3600, "SIP2_ENCODING": "utf-8"}
    settings.update(overrides)
    return settings


@pytest.fixture
def sip2_app(make_app, library_peer):
    """An app whose circulation is the peer; its SIP2 connection and replayer
    thread are closed after the test."""
    apps = []

    def build(**overrides):
        app = make_app(**sip2_settings(library_peer, **overrides))
        apps.append(app)
        return app

    yield build
    for app in apps:
        backend = app.extensions.get("pindai.circulation")
        if backend is not None:
            backend.replayer.stop()
            backend.client.close()
