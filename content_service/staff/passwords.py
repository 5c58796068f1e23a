"""How strong a staff password must be, and what a username may hold.

A password needs ``MIN_PASSWORD`` characters and must not be easy to guess:
zxcvbn (a well-kept estimator with the common-password lists attackers try
first) scores it, with the account's own name and the words everyone at a
library in Batam would try (perpustakaan, buku, batam, ...) as extra guesses.
Usernames are plain lower-case letters, digits, dots, dashes and underscores,
so they read the same in the audit log, a shell and an e-mail."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from .. import errors

MIN_PASSWORD = 12
MIN_SCORE = 3  # zxcvbn 0-4: 3 is "safely unguessable" for an online attack with throttling
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
# Guesses zxcvbn's English lists lack: local words and the library's own names.
LOCAL_WORDS = ("perpustakaan", "pustaka", "pustakawan", "buku", "batam", "kepri", "pindai", "petugas", "admin",
               "katasandi", "sandi", "rahasia", "indonesia", "merdeka", "bismillah", "sayang", "cinta", "selamat")


class GuessablePassword(errors.PindaiError):
    code = "weak_password"
    message_en = (_l("This password is too easy to guess (a common word, a name or a pattern such as 123/qwerty). Use a few unrelated words, at least 12 characters."))  # noqa: E501 (one msgid)


class BadUsername(errors.PindaiError):
    code = "bad_username"
    message_en = (_l("A username may hold only lower-case letters, digits, dots, dashes and underscores (at most 80 characters), starting with a letter or digit."))  # noqa: E501 (one msgid)


def check_username(username: str) -> str:
    """The username as stored (lower case), or ``BadUsername``."""
    name = (username or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise BadUsername()
    return name


def guessable(password: str, *, username: str | None = None) -> bool:
    """True when zxcvbn finds the password among what attackers try first."""
    hints = [*LOCAL_WORDS, *([username] if username else [])]
    return zxcvbn(password[:100], user_inputs=hints)["score"] < MIN_SCORE
