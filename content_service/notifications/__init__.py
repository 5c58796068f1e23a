"""Notifications (a feature): email and WhatsApp messages to members, sent
from an outbox by a worker.

The parts, one module each: ``models`` (the outbox, templates, switches,
preferences), ``kinds`` (the messages and their built-in words), ``outbox``
(the writer behind the core's ``outbox.happened`` hook: one row in the
caller's transaction), ``facts`` (what each message says, read when it is
sent), ``wording`` (templates in a sandbox, the HTML part), ``recipients``
(channel, address, opt-out), ``senders`` (SMTP, the WhatsApp Cloud API),
``worker`` (claim, send, retry), ``reminders``, ``cli``, ``staff``
(``/staff/notifications``) and ``member`` (``/pesan/<token>``, the part of
``/akun``)."""
from __future__ import annotations

from flask import Flask

from .. import outbox as core_outbox
from ..config import ConfigError


def init_app(app: Flask) -> None:
    from ..circulation import account
    from . import cli, member, models, outbox, staff  # noqa: F401  (models registers the tables)

    if app.config.get("SMTP_TLS", "off") not in ("off", "starttls", "ssl"):
        raise ConfigError(f"PINDAI_SMTP_TLS={app.config['SMTP_TLS']!r}: choose off, starttls or ssl")
    core_outbox.set_writer(app, outbox.write)
    app.register_blueprint(member.bp)
    staff.init_app(app)
    account.add_section(app, member.account_section)  # "Akun saya": how the member hears from us
    app.cli.add_command(cli.notify_worker_command)
    app.cli.add_command(cli.notify_reminders_command)
