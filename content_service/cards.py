"""Library card numbers, read one way by every feature that takes a card
(self-checkout, event registration, the resolve API): ``normalise_card``
gives the number as stored, ``UnknownCard`` is the one ``unknown_card``
answer for a number the library does not know."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from . import errors

_CARD_RE = re.compile(r"^[A-Z0-9]{4,32}$")


def normalise_card(text: str | None) -> str | None:
    """A card number as stored: upper case, no spaces or dashes; None when
    ``text`` cannot be a card number."""
    if not text:
        return None
    value = re.sub(r"[\s-]", "", text).upper()
    return value if _CARD_RE.match(value) else None


class UnknownCard(errors.PindaiError):
    status = 404
    code = "unknown_card"
    message_en = _l("This card is not registered. Please ask a librarian.")
