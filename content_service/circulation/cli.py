"""Operator commands of circulation: the patron import, the closed-days
list and the loan rules."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import errors
from ..db import get_session
from ..i18n import in_language
from . import calendar, operations
from ..catalogue.models import Item
from .local import active_hold, cancel_holds, place_hold
from .models import PATRON_CATEGORIES
from ..cards import normalise_card
from .patrons import find_patron, import_patrons


@click.command("import-patrons")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_patrons_command(path: str) -> None:
    """Create or update patrons from a CSV (card number, name, category,
    expiry, PIN, email, phone, fines; English or Indonesian column names)."""
    session = get_session()
    report = import_patrons(session, path)
    session.commit()
    for line, reason in report.failed:
        click.echo(f"line {line}: {in_language('en', reason)}", err=True)
    click.echo(f"{report.imported} new, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.failed)} failed")


def _english(exc: errors.PindaiError) -> str:
    return in_language("en", exc.message_en)


def _days(spec: str) -> list[date]:
    """'2026-12-25' or a range '2026-12-24..2026-12-26'."""
    try:
        return operations.days_of_spec(spec)
    except errors.PindaiError as exc:
        raise click.BadParameter(f"{spec!r}: {_english(exc)}") from None


@click.command("closed-days")
@click.option("--add", "add", multiple=True, metavar="DAY[..DAY]", help="Mark a day (or a range) closed.")
@click.option("--remove", "remove", multiple=True, metavar="DAY[..DAY]", help="Open a day again.")
@click.option("--reason", help="Why the library is closed, e.g. 'Idul Fitri'.")
@with_appcontext
def closed_days_command(add: tuple[str, ...], remove: tuple[str, ...], reason: str | None) -> None:
    """List the days the library is closed (no loan falls due on them), or edit the list."""
    session = get_session()
    try:
        added = operations.close_days(session, [d for spec in add for d in _days(spec)], reason) if add else 0
    except errors.PindaiError as exc:
        raise click.ClickException(_english(exc)) from None
    removed = operations.open_days(session, [d for spec in remove for d in _days(spec)]) if remove else 0
    session.commit()
    if add or remove:
        click.echo(f"{added} added, {removed} removed")
    for row in operations.upcoming_closed_days(session):
        click.echo(f"{row.day.isoformat()}  {row.reason or ''}".rstrip())


@click.command("loan-rules")
@click.option("--set", "target", nargs=2, metavar="CATEGORY ITEM_TYPE",
              help="Set the rule for a patron category (or *) and item type (or *).")
@click.option("--days", type=click.IntRange(1, 365))
@click.option("--max-loans", type=click.IntRange(0, 1000))
@click.option("--renewals", type=click.IntRange(0, 100))
@with_appcontext
def loan_rules_command(target, days, max_loans, renewals) -> None:
    """Show the loan rules (period, open-loan limit, renewals), or set one."""
    session = get_session()
    if target:
        category, item_type = target
        if category not in (*PATRON_CATEGORIES, "*"):
            raise click.BadParameter(f"category must be one of {', '.join(PATRON_CATEGORIES)} or *")
        if None in (days, max_loans, renewals):
            raise click.UsageError("--set needs --days, --max-loans and --renewals")
        try:
            operations.set_loan_rule(session, category, item_type, days, max_loans, renewals)
        except errors.PindaiError as exc:
            raise click.ClickException(_english(exc)) from None
        session.commit()
    click.echo("category  item type  days  max loans  renewals")
    for r in operations.loan_rules(session):
        click.echo(f"{r.patron_category:<9} {r.item_type:<10} {r.loan_days:>4}  {r.max_loans:>9}  {r.max_renewals:>8}")
    for category, r in operations.default_rules().items():
        click.echo(f"{category:<9} {'* (default)':<10} {r.loan_days:>4}  {r.max_loans:>9}  {r.max_renewals:>8}")


@click.command("hold")
@click.argument("barcode")
@click.argument("card", required=False)
@click.option("--cancel", is_flag=True, help="End the holds on this copy instead.")
@with_appcontext
def hold_command(barcode: str, card: str | None, cancel: bool) -> None:
    """Set a copy aside for a member (nobody else can borrow it at a kiosk), or --cancel."""
    session = get_session()
    item = session.scalars(select(Item).where(Item.barcode == barcode)).first()
    if item is None:
        raise click.ClickException(f"no copy with barcode {barcode!r}")
    if cancel:
        click.echo(f"{cancel_holds(session, item)} hold(s) on {barcode} ended")
        session.commit()
        return
    patron = find_patron(session, normalise_card(card or "") or "")
    if patron is None:
        raise click.ClickException(f"no member with card {card!r}")
    if active_hold(session, item) is not None:
        raise click.ClickException(f"{barcode} is already on hold (cancel it first with --cancel)")
    place_hold(session, patron, item)
    session.commit()
    click.echo(f"{barcode} is on hold for card …{patron.card_number[-3:]}")


@click.command("expire-holds")
@with_appcontext
def expire_holds_command() -> None:
    """End the holds not collected from the hold shelf by their pickup day; each copy
    passes to the next member in its title's queue (run it daily, e.g. from cron)."""
    from flask import current_app

    from . import holds

    session = get_session()
    done = holds.expire(session, holds.Policy.from_config(current_app.config))
    session.commit()
    for expired, passed in done:
        to = f", now for card …{passed.patron.card_number[-3:]}" if passed is not None else ", back to the shelf"
        click.echo(f"hold {expired.id} expired (card …{expired.patron.card_number[-3:]}){to}")
    click.echo(f"{len(done)} hold(s) expired")


@click.command("patron")
@click.argument("card")
@click.option("--lost/--found", default=None, help="The card was reported lost (blocks it), or found again.")
@click.option("--block", metavar="REASON", help="Suspend borrowing, with the reason staff give.")
@click.option("--unblock", is_flag=True, help="Lift a staff block.")
@click.option("--fines", type=click.IntRange(0), help="Set the fines owed (rupiah).")
@click.option("--set-pin", is_flag=True, help="Ask for a new PIN (typed twice, never shown) and store its hash.")
@click.option("--unlock", is_flag=True, help="Lift a wrong-PIN lock now.")
@with_appcontext
def patron_command(card, lost, block, unblock, fines, set_pin, unlock) -> None:
    """Show a member's card status and loans, or change what staff control:
    lost card, staff block, fines, PIN, wrong-PIN lock."""
    from .local import blocks, open_loans

    session = get_session()
    patron = find_patron(session, normalise_card(card) or "")
    if patron is None:
        raise click.ClickException(f"no member with card {card!r}")
    try:
        if lost is not None:
            operations.set_lost(patron, lost)
        if block:
            operations.set_block(patron, block)
        if unblock:
            operations.set_block(patron, None)
        if fines is not None:
            operations.set_fines(patron, fines)
        if set_pin:
            operations.set_pin(patron, click.prompt("New PIN (4-8 digits)", hide_input=True, confirmation_prompt=True))
        if unlock:
            operations.unlock_pin(patron)
    except errors.PindaiError as exc:
        raise click.ClickException(_english(exc)) from None
    session.commit()
    from flask import current_app

    found = blocks(session, patron, int(current_app.config["CIRCULATION_MAX_FINES"]))
    click.echo(f"{patron.name} ({patron.category}), card expires {patron.expires_on or 'never'}, "
               f"fines Rp {patron.fines:,}".replace(",", "."))
    click.echo("blocks: " + (", ".join(b.code for b in found) or "none")
               + (f" (staff: {patron.staff_block})" if patron.staff_block else ""))
    until = operations.locked_until(patron)
    if until is not None:
        click.echo(f"locked after wrong PINs until {calendar.local(until):%H:%M} WIB")
    for loan in open_loans(session, patron):
        click.echo(f"  {loan.item.barcode}  {loan.item.book.title}  due {calendar.due_date(loan.due_at)}")
