"""SIP2 (3M Standard Interchange Protocol 2.00) for Pindai.

Contents:
- ``messages``: the message table (fixed and variable fields of every message).
- ``protocol``: the codec shared by the client and the server (encode/decode,
  AY/AZ error detection, dates, framing, errors).
"""
from .protocol import (  # noqa: F401  (the public API of the codec)
    ChecksumError, FrameReader, MalformedMessage, Message, Sequence, SIP2Error,
    checksum, decode, encode, format_date, parse_date, patron_status_flags,
)
