"""Short codes printed in QR labels: minting, normalising, looking up
(``lookup_code``, the one check that a code is in use) and label URLs.

A code is 8 characters of Crockford base32 (no I, L, O, U), 40 random bits.
What a person might misread is folded on input (O->0, I/L->1).

Every new copy gets its code in the flush that creates it, however it was
created (the staff form, an import, a SLiMS sync, the demo, a script):
``init_app`` listens on the app's sessionmaker, so a label can be printed,
and the copy's QR resolved, from the moment the copy exists.

The package's other parts: ``models`` (the ``code`` table), ``resolve``
(interpreting whatever a camera read) and ``labels`` (PDF label sheets)."""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from .. import errors
from ..clock import utcnow
from .models import Code

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_RE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(text: str) -> str | None:
    """The canonical form of something typed or scanned as a code, or None
    when it cannot be one (wrong length or characters)."""
    s = text.strip().upper().replace("-", "").replace(" ", "").translate(_FOLD)
    return s if _CODE_RE.match(s) else None


def mint(session: Session, target_type: str, target_id: int) -> Code:
    """Create a new code for a target. Codes are never reused: a collision
    with any existing row, retired or not, draws again."""
    for _ in range(20):
        value = new_code()
        if session.get(Code, value) is None:
            code = Code(code=value, target_type=target_type, target_id=target_id)
            session.add(code)
            session.flush()
            return code
    raise RuntimeError("could not draw a free code after 20 tries")  # 2^40 space: never in practice


def lookup_code(session: Session, text: str | None) -> Code:
    """The code row that a typed or scanned code names, if it is in use.

    Raises ``UnknownCode`` when ``text`` cannot be a code or no such code was
    ever minted, ``RetiredCode`` when the label was retired or its copy is
    gone (deleted or withdrawn): a label on a withdrawn copy must not lead on."""
    value = normalise(text or "")
    row = session.get(Code, value) if value else None
    if row is None:
        raise errors.UnknownCode()
    if row.retired_at is not None:
        raise errors.RetiredCode()
    if row.target_type == "item":
        from ..catalogue.models import Item

        item = session.get(Item, row.target_id)
        if item is None or item.status == "withdrawn":
            raise errors.RetiredCode()
    return row


def active_code_for(session: Session, target_type: str, target_id: int) -> Code | None:
    return session.scalars(
        select(Code)
        .where(Code.target_type == target_type, Code.target_id == target_id, Code.retired_at.is_(None))
        .order_by(Code.created_at.desc())
    ).first()


def ensure_code(session: Session, target_type: str, target_id: int) -> Code:
    """The target's active code, minting one if it has none."""
    return active_code_for(session, target_type, target_id) or mint(session, target_type, target_id)


def retire(code: Code) -> None:
    if code.retired_at is None:
        code.retired_at = utcnow()


def label_url(base_url: str, code: str) -> str:
    """What a label's QR encodes: an ordinary URL any phone camera opens."""
    return f"{base_url.rstrip('/')}/q/{code}"


def code_from_url(text: str, base_url: str) -> str | None | bool:
    """Read a code out of one of our label URLs.

    Returns the code text when ``text`` is a URL on our host with a ``/q/``
    path, ``False`` when it is a URL that is not ours, ``None`` when it is not
    a URL at all. The scheme is not compared (labels printed for http keep
    working after a move to https)."""
    if "://" not in text:
        return None
    try:
        url = urlsplit(text.strip())
        ours = urlsplit(base_url)
        host, our_host = (url.hostname or "").lower(), (ours.hostname or "").lower()
        port, our_port = _port(url), _port(ours)
    except ValueError:
        return False
    if not host or host != our_host or port != our_port:
        return False
    prefix = ours.path.rstrip("/") + "/q/"
    if not url.path.startswith(prefix):
        return False
    return url.path[len(prefix):].strip("/")


def _port(parts) -> int | None:
    # Ports default by scheme, so http://host/ and http://host:80/ are the
    # same place; https on 443 and http on 80 compare equal too.
    port = parts.port
    return None if port in (None, 80, 443) else port


def _code_new_copies(session: Session, _context) -> None:
    """After a flush that inserted copies: a code for each, in the same
    transaction (one query for collisions, one insert for all)."""
    from ..catalogue.models import Item

    new = [obj.id for obj in session.new if isinstance(obj, Item) and obj.status != "withdrawn"]
    if not new:
        return
    connection = session.connection()
    coded = set(connection.scalars(select(Code.target_id).where(Code.target_type == "item",
                                                                   Code.target_id.in_(new))))
    wanted = [item_id for item_id in new if item_id not in coded]
    values = {new_code() for _ in range(len(wanted) * 2 + 4)}
    taken = set(connection.scalars(select(Code.code).where(Code.code.in_(sorted(values)))))
    free = sorted(values - taken)
    while len(free) < len(wanted):  # 2^40 codes: never in practice
        value = new_code()
        if value not in free and connection.scalar(select(Code.code).where(Code.code == value)) is None:
            free.append(value)
    if wanted:
        now = utcnow()
        connection.execute(insert(Code), [{"code": code, "target_type": "item", "target_id": item_id,
                                           "created_at": now} for code, item_id in zip(free, wanted)])


def init_app(app: Flask) -> None:
    """Called by the application factory, before the features that add
    payloads and code targets of their own: the resolve registries, the
    ``print-labels`` command, and codes for new copies."""
    from . import labels, resolve

    resolve.init_app(app)
    labels.init_app(app)
    event.listen(app.extensions["pindai.sessionmaker"], "after_flush", _code_new_copies)
