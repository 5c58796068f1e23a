"""Self-checkout: patrons, loans, holds and rules (``local`` backend, behind
an interface a SIP2 backend can implement), the kiosk JSON API, receipt
pages and the operator commands. Library cards scanned at a kiosk resolve
to ``{"type": "patron_card"}``."""
from __future__ import annotations

from flask import Flask, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .. import openapi
from ..cards import normalise_card
from ..catalogue import versioning
from ..codes import resolve
from ..config import ConfigError
from . import apidoc, holds, models  # noqa: F401  (models registers the tables)
from .backends import BACKENDS, get_backend


def recognise_card(session: Session, text: str):
    """A scanned library card: ``patron_card`` with the normalised number only."""
    card = normalise_card(text)
    if card is None or not has_app_context() or not get_backend().find_card(session, card):
        return None
    return resolve.Resolution(type="patron_card", via="card_number", card=card)


# A new card number changes what a payload resolves to: bump the catalogue
# version so no worker serves a cached answer from before it.
def _bump_on_card_change(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, models.Patron) and (obj in session.new or obj in session.deleted
                                               or inspect(obj).attrs.card_number.history.has_changes()):
            versioning.bump(session)
            return


def closed_today(session, day):
    """The reason (possibly empty) when ``day`` is one of the desk's closed days, else None."""
    row = session.get(models.ClosedDay, day)
    return None if row is None else (row.reason or "")


def init_app(app: Flask) -> None:
    from . import account, api, cli, desk, pages
    from ..libraries import hours

    name = app.config.get("CIRCULATION", "local")
    if name not in BACKENDS:
        raise ConfigError(f"PINDAI_CIRCULATION={name!r}: choose one of {', '.join(BACKENDS)}")
    holds.parse_limits(app.config.get("HOLD_LIMITS", ""))  # a ConfigError at start, not at the first hold
    resolve.add_recogniser(app, recognise_card)
    event.listen(app.extensions["pindai.sessionmaker"], "before_flush", _bump_on_card_change)
    openapi.register(app, paths=apidoc.PATHS, schemas=apidoc.SCHEMAS)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    account.init_app(app)
    desk.init_app(app)
    hours.add_closure_source(app, closed_today)  # the book page's opening hours say "closed today: Idul Fitri"
    for command in (cli.import_patrons_command, cli.closed_days_command, cli.loan_rules_command, cli.hold_command,
                    cli.expire_holds_command, cli.patron_command):
        app.cli.add_command(command)
