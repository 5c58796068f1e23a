"""Fixtures for the SIP2 tests: a real peer per test module (see peer.py)."""
from __future__ import annotations

import pytest

from .peer import SipPeer, require_peer


@pytest.fixture(scope="module")
def sip_peer():
    """The bare peer with its sample data only (patrons djfiander, miker)."""
    require_peer()
    peer = SipPeer().start()
    yield peer
    peer.stop()
