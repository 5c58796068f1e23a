"""SIP2 (3M Standard Interchange Protocol 2.00) for Pindai.

Contents:
- ``messages``: the message table (fixed and variable fields of every message).
- ``protocol``: the codec shared by the client and the server (encode/decode,
  AY/AZ error detection, dates), with ``framing`` and ``errors`` re-exported.
- ``client``: a persistent, logged-in connection with reconnect, resend (97), TLS.
- ``answers``, ``backend``: ``PINDAI_CIRCULATION=sip2``, the kiosk's circulation
  through the library system.
- ``models``, ``offline``: the store-and-forward queue of offline checkouts.
- ``cli`` (``flask sip2 ...``) and ``staff`` (the queue page in the staff portal).
"""
from __future__ import annotations

import time

from flask import Flask

from ..circulation.backends import BACKENDS

from .protocol import (  # noqa: F401  (the public API of the codec)
    ChecksumError, FrameReader, MalformedMessage, Message, Sequence, SIP2Error,
    checksum, decode, encode, format_date, parse_date, patron_status_flags,
)



def _backend(config: dict):
    from .backend import Sip2Backend  # only when chosen: it opens a connection

    return Sip2Backend(config)


def init_app(app: Flask) -> None:
    """Called by the application factory: the queue table, ``flask sip2``, the
    staff page, and (with ``PINDAI_CIRCULATION=sip2``) live availability."""
    from ..config import ConfigError
    from . import cli, models, staff  # noqa: F401  (models registers the table)
    from .client import Settings

    app.cli.add_command(cli.sip2_group)
    staff.init_app(app)
    BACKENDS.setdefault("sip2", _backend)
    if app.config.get("CIRCULATION") != "sip2":
        return
    try:
        Settings.from_config(app.config)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    ttl = float(app.config.get("SIP2_AVAILABILITY_CACHE_SECONDS") or 0)

    def item_status(barcode: str) -> str | None:
        from ..circulation.backends import get_backend

        return get_backend().item_status(barcode)  # type: ignore[attr-defined]  # Sip2Backend

    app.extensions["pindai.item_status"] = item_status
    # Cached scan answers carry availability: let them live no longer than it.
    app.extensions["pindai.answers_epoch"] = (lambda: int(time.monotonic() // ttl)) if ttl > 0 \
        else time.monotonic
