"""Random tokens that people copy onto a command line.

- `url_token(nbytes)`: URL-safe random text (as `secrets.token_urlsafe`) whose
  first character is a letter or digit.

Why: `token_urlsafe` draws from A-Z a-z 0-9 - _, so one token in 64 starts
with "-", and `flask events attended -Xy...` or `python -m kiosk run --key -Xy...`
then reads it as an option. Redrawing keeps every token uniform over the
tokens that start with a letter or digit (62 of 64 first characters), so a
token loses well under one bit of its randomness.
"""
from __future__ import annotations

import secrets


def url_token(nbytes: int = 32) -> str:
    """A URL-safe token of `nbytes` random bytes that never starts with "-" or "_"."""
    while True:
        token = secrets.token_urlsafe(nbytes)
        if token[0].isalnum():
            return token
