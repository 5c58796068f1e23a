"""``flask slims sync``: once, or every N seconds (``--every 300``) as the
periodic job; a summary per run like the other import commands."""
from __future__ import annotations

import time
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_session
from . import schema, sync as syncing


@click.group("slims")
def slims_group() -> None:
    """Connect to the library's SLiMS database."""


def _engine(url: str | None):
    url = url or current_app.config.get("SLIMS_DATABASE_URL")
    if not url:
        raise click.UsageError("Set PINDAI_SLIMS_DATABASE_URL (mysql://user:password@host/slims) or pass --database-url.")
    return schema.make_slims_engine(url)


def run_once(engine, dry_run: bool = False) -> syncing.SyncReport:
    """One sync in one Pindai transaction (committed, or rolled back for a dry run)."""
    session = get_session()
    try:
        with engine.connect() as conn:
            report = syncing.sync(session, conn)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _echo(report: syncing.SyncReport, dry_run: bool, verbose: bool) -> None:
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    click.echo(f"[{stamp}] {report.summary()}" + (" (dry run: nothing saved)" if dry_run else ""))
    for warning in report.warnings if verbose else report.warnings[:10]:
        click.echo(f"  warning: {warning}")
    if not verbose and len(report.warnings) > 10:
        click.echo(f"  ... {len(report.warnings) - 10} more warnings (--verbose lists them all)")


@slims_group.command("sync")
@click.option("--database-url", help="The SLiMS database (default: PINDAI_SLIMS_DATABASE_URL).")
@click.option("--every", type=click.IntRange(min=10), metavar="SECONDS",
              help="Keep running: sync again every SECONDS (the periodic job; e.g. 300).")
@click.option("--dry-run", is_flag=True, help="Show what would change; save nothing.")
@click.option("--verbose", is_flag=True, help="List every warning.")
@with_appcontext
def sync_command(database_url: str | None, every: int | None, dry_run: bool, verbose: bool) -> None:
    """Mirror SLiMS's titles, copies and members into Pindai (idempotent)."""
    engine = _engine(database_url)
    try:
        while True:
            try:
                _echo(run_once(engine, dry_run), dry_run, verbose)
            except SQLAlchemyError as exc:
                message = f"SLiMS sync failed: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}"
                if every is None:
                    raise click.ClickException(message) from exc
                click.echo(message + f"; trying again in {every} s", err=True)  # the job keeps running
            if every is None:
                return
            time.sleep(every)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        engine.dispose()
