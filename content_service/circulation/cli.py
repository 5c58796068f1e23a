"""Operator commands of circulation: the patron import, the closed-days
list and the loan rules."""
from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import get_session
from . import calendar
from ..catalogue.models import Item
from .local import DEFAULT_RULES, active_hold, cancel_holds, place_hold
from .models import PATRON_CATEGORIES, ClosedDay, LoanRule
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
        click.echo(f"line {line}: {reason}", err=True)
    click.echo(f"{report.imported} new, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.failed)} failed")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _days(spec: str) -> list[date]:
    """'2026-12-25' or a range '2026-12-24..2026-12-26'."""
    first, _, last = spec.partition("..")
    start, end = _day(first), _day(last or first)
    if end < start:
        raise click.BadParameter(f"{spec!r}: the range ends before it starts")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@click.command("closed-days")
@click.option("--add", "add", multiple=True, metavar="DAY[..DAY]", help="Mark a day (or a range) closed.")
@click.option("--remove", "remove", multiple=True, metavar="DAY[..DAY]", help="Open a day again.")
@click.option("--reason", help="Why the library is closed, e.g. 'Idul Fitri'.")
@with_appcontext
def closed_days_command(add: tuple[str, ...], remove: tuple[str, ...], reason: str | None) -> None:
    """List the days the library is closed (no loan falls due on them), or edit the list."""
    session = get_session()
    added = calendar.add_closed_days(session, [d for spec in add for d in _days(spec)], reason) if add else 0
    removed = calendar.remove_closed_days(session, [d for spec in remove for d in _days(spec)]) if remove else 0
    session.commit()
    if add or remove:
        click.echo(f"{added} added, {removed} removed")
    for row in session.scalars(select(ClosedDay).where(ClosedDay.day >= calendar.local_today()).order_by(ClosedDay.day)):
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
        rule = session.scalars(select(LoanRule).where(LoanRule.patron_category == category,
                                                      LoanRule.item_type == item_type)).first()
        if rule is None:
            rule = LoanRule(patron_category=category, item_type=item_type)
            session.add(rule)
        rule.loan_days, rule.max_loans, rule.max_renewals = days, max_loans, renewals
        session.commit()
    click.echo("category  item type  days  max loans  renewals")
    for r in session.scalars(select(LoanRule).order_by(LoanRule.patron_category, LoanRule.item_type)):
        click.echo(f"{r.patron_category:<9} {r.item_type:<10} {r.loan_days:>4}  {r.max_loans:>9}  {r.max_renewals:>8}")
    for category, r in DEFAULT_RULES.items():
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
    from .patrons import hash_pin, valid_pin

    session = get_session()
    patron = find_patron(session, normalise_card(card) or "")
    if patron is None:
        raise click.ClickException(f"no member with card {card!r}")
    if lost is not None:
        patron.card_lost = lost
    if block:
        patron.staff_block = block
    if unblock:
        patron.staff_block = None
    if fines is not None:
        patron.fines = fines
    if set_pin:
        pin = click.prompt("New PIN (4-8 digits)", hide_input=True, confirmation_prompt=True)
        if not valid_pin(pin):
            raise click.ClickException("a PIN is 4 to 8 digits")
        patron.pin_hash = hash_pin(pin)
    if unlock or set_pin:
        patron.failed_pins, patron.locked_until = 0, None
    session.commit()
    from flask import current_app

    found = blocks(session, patron, int(current_app.config["CIRCULATION_MAX_FINES"]))
    click.echo(f"{patron.name} ({patron.category}), card expires {patron.expires_on or 'never'}, "
               f"fines Rp {patron.fines:,}".replace(",", "."))
    click.echo("blocks: " + (", ".join(b.code for b in found) or "none")
               + (f" (staff: {patron.staff_block})" if patron.staff_block else ""))
    if patron.locked_until and calendar.as_utc(patron.locked_until) > calendar.utcnow():
        click.echo(f"locked after wrong PINs until {calendar.local(patron.locked_until):%H:%M} WIB")
    for loan in open_loans(session, patron):
        click.echo(f"  {loan.item.barcode}  {loan.item.book.title}  due {calendar.due_date(loan.due_at)}")
