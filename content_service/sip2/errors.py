"""SIP2 errors (re-exported by ``protocol``): ``SIP2Error``, the base of every SIP2
failure; ``MalformedMessage`` (a server answers it with 96); ``ChecksumError``."""
from __future__ import annotations


class SIP2Error(Exception):
    """Base of every SIP2 failure (protocol, connection, refused login)."""


class MalformedMessage(SIP2Error):
    """A message that cannot be read as SIP2; a server answers it with 96."""

    def __init__(self, reason: str, raw: bytes | str = b"") -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


class ChecksumError(MalformedMessage):
    """The AZ checksum does not match the bytes received."""
