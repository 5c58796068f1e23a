"""ISBN parsing and validation (ISBN-10 and ISBN-13 / EAN-13 "Bookland")."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—.]")
_PREFIX = re.compile(r"^(?:ISBN(?:-1[03])?:?)", re.IGNORECASE)


def compact(text: str) -> str:
    """Drop an ``ISBN`` prefix, spaces and hyphens; upper-case a final x."""
    return _SEPARATORS.sub("", _PREFIX.sub("", text.strip())).upper()


def isbn13_check_digit(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn10_check_digit(first9: str) -> str:
    total = sum(int(d) * (10 - i) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def is_valid_isbn13(s: str) -> bool:
    return (
        len(s) == 13
        and s.isdigit()
        and s[:3] in ("978", "979")
        and isbn13_check_digit(s[:12]) == s[12]
    )


def is_valid_isbn10(s: str) -> bool:
    return (
        len(s) == 10
        and s[:9].isdigit()
        and (s[9].isdigit() or s[9] == "X")
        and isbn10_check_digit(s[:9]) == s[9]
    )


def looks_like_isbn(s: str) -> bool:
    """Shape only: 13 digits with a Bookland prefix, or 9 digits and a check
    character. Says nothing about the check digit."""
    return bool(re.fullmatch(r"97[89]\d{10}", s) or re.fullmatch(r"\d{9}[\dX]", s))


def to_isbn13(text: str) -> str | None:
    """Normalise an ISBN-10 or ISBN-13 to ISBN-13; None when it is not valid."""
    s = compact(text)
    if is_valid_isbn13(s):
        return s
    if is_valid_isbn10(s):
        core = "978" + s[:9]
        return core + isbn13_check_digit(core)
    return None


def to_isbn10(isbn13: str) -> str | None:
    if not (is_valid_isbn13(isbn13) and isbn13.startswith("978")):
        return None
    core = isbn13[3:12]
    return core + isbn10_check_digit(core)
