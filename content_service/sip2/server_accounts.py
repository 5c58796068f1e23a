"""Self-check machine logins: create, list, remove, and check a 93 login.

Contents:
- ``create_account`` / ``remove_account`` / ``list_accounts``: what the
  ``flask sip2-account`` commands do.
- ``verify_login``: the account for a login and password, or None (a wrong
  login costs as much time as a wrong password: no oracle of valid logins).
"""
from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import errors
from ..circulation import calendar
from .server_models import ENCODINGS, Sip2Account

LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
INSTITUTION_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
MIN_PASSWORD = 8
_DUMMY_HASH = generate_password_hash("pindai-sip2-dummy")


class AccountError(errors.PindaiError):
    status = 400
    code = "sip2_account_invalid"


def generate_password() -> str:
    """A password a technician can type into a machine's setup screen."""
    return secrets.token_urlsafe(12)


def create_account(session: Session, login: str, password: str, *, institution: str, location: str | None = None,
                   encoding: str = "utf-8", method: str | None = None) -> Sip2Account:
    """Add a machine login. ``method`` is for tests only (a cheaper hash)."""
    if not LOGIN_RE.match(login or ""):
        raise AccountError(_l("A login is 1-64 letters, digits or . _ @ - (no | or spaces: SIP2 cannot carry them)."))
    if len(password or "") < MIN_PASSWORD or "|" in password or not password.isprintable():
        raise AccountError(_l("A machine password needs at least %(min_password)s printable characters and no |.", min_password=MIN_PASSWORD))  # noqa: E501 (one msgid)
    if not INSTITUTION_RE.match(institution or ""):
        raise AccountError(_l("The institution id is 1-32 letters, digits or . _ -."))
    if encoding not in ENCODINGS:
        raise AccountError(_l("Encoding must be one of %(value)s.", value=', '.join(ENCODINGS)))
    if session.scalar(select(Sip2Account.id).where(Sip2Account.login == login)) is not None:
        raise AccountError(_l("The login %(login)s exists already.", login=repr(login)))
    account = Sip2Account(login=login, institution=institution, location=location, encoding=encoding,
                          password_hash=generate_password_hash(password, method) if method else generate_password_hash(password))
    session.add(account)
    session.flush()
    return account


def remove_account(session: Session, login: str) -> bool:
    account = session.scalars(select(Sip2Account).where(Sip2Account.login == login)).first()
    if account is None:
        return False
    session.delete(account)
    session.flush()
    return True


def list_accounts(session: Session) -> list[Sip2Account]:
    return list(session.scalars(select(Sip2Account).order_by(Sip2Account.login)))


def verify_login(session: Session, login: str, password: str, address: str | None = None) -> Sip2Account | None:
    """The account when ``login``/``password`` match (its last login is
    recorded; the caller commits), else None."""
    account = session.scalars(select(Sip2Account).where(Sip2Account.login == login)).first() if login else None
    ok = check_password_hash(account.password_hash if account else _DUMMY_HASH, password or "")
    if account is None or not ok:
        return None
    account.last_login_at = calendar.utcnow()
    account.last_address = (address or "")[:64] or None
    session.flush()
    return account
