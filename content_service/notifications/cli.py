"""``flask notify-worker`` (send the outbox) and ``flask notify-reminders``
(queue the day's reminders)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from .reminders import queue_reminders
from .worker import Worker


@click.command("notify-worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop (a periodic job).")
@click.option("--poll", type=click.FloatRange(min=0.05), default=None,
              help="Seconds between looks when idle (default PINDAI_NOTIFY_POLL_SECONDS).")
@with_appcontext
def notify_worker_command(once: bool, poll: float | None) -> None:
    """Send queued notifications (email, WhatsApp), with retries; runs until stopped."""
    worker = Worker(current_app._get_current_object())  # type: ignore[attr-defined]
    worker.stop_on_signals()
    if not once:
        click.echo(f"notify-worker {worker.name}: sending (Ctrl+C stops after the message in hand)")
    counts = worker.run(poll if poll is not None else float(current_app.config["NOTIFY_POLL_SECONDS"]), once=once)
    click.echo(f"sent {counts.sent}, to retry {counts.retried}, failed {counts.failed}, "
               f"cancelled {counts.cancelled}, for staff (wa.me) {counts.manual}")


@click.command("notify-reminders")
@with_appcontext
def notify_reminders_command() -> None:
    """Queue the reminders due today: events tomorrow, loans due in 2 days, overdue loans (each once)."""
    session = get_session()
    counts = queue_reminders(session)
    session.commit()
    click.echo(f"events tomorrow {counts['event_reminder']}, due in 2 days {counts['due_soon']}, "
               f"overdue {counts['overdue']} (each queued once)")
