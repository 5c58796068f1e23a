"""Operator commands of the SIP2 server: ``flask sip2-server`` runs it,
``flask sip2-account add/list/remove`` manage the machines' logins.
``init_app`` (called by the application factory) registers them."""
from __future__ import annotations

import logging
import signal

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..db import get_session
from . import server_models  # noqa: F401  (registers the table)
from .server_accounts import (
    AccountError,
    create_account,
    generate_password,
    list_accounts,
    remove_account,
)
from .server_models import ENCODINGS


@click.command("sip2-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=6001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="PEM certificate: speak SIP2 over TLS.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM key (when not in the certificate file).")
@click.option("--library-name", default="Perpustakaan", show_default=True, help="AM in status answers.")
@click.option("--hold-bin", default="RAK PESANAN", show_default=True, help="Sort bin (CL) of copies that fill a hold.")
@click.option("--security-marker", default="02", show_default=True, type=click.Choice(["00", "01", "02", "03"]),
              help="Item information's security marker: 01 none, 02 tattle-tape/RFID, 03 whisper tape.")
@click.option("--require-checksum", is_flag=True, help="Answer 96 to every message without an AZ checksum.")
@click.option("--idle-timeout", default=600, show_default=True, type=click.IntRange(5),
              help="Seconds before a silent connection is closed.")
@with_appcontext
def sip2_server_command(host, port, tls_cert, tls_key, library_name, hold_bin, security_marker, require_checksum,
                        idle_timeout) -> None:
    """Serve SIP2 to self-check machines and RFID gates (Pindai's own circulation is the system of record)."""
    from .server import Sip2Server, tls_context
    from .server_dispatch import Settings

    # The app itself, not its context-bound proxy: the server's threads outlive this context.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("CIRCULATION", "local") != "local":
        raise click.ClickException("the SIP2 server serves Pindai's own circulation: set PINDAI_CIRCULATION=local")
    if tls_key and not tls_cert:
        raise click.UsageError("--tls-key needs --tls-cert")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings(library_name=library_name, hold_bin=hold_bin, security_marker=security_marker,
                        require_checksum=require_checksum)
    context = tls_context(tls_cert, tls_key) if tls_cert else None
    server = Sip2Server(app, host, port, settings, ssl_context=context, idle_timeout=idle_timeout)
    session = get_session()
    accounts = len(list_accounts(session))
    # End this command's transaction: on SQLite a CLI session begins as a write
    # (BEGIN IMMEDIATE), which would hold every machine's messages off for as
    # long as the server runs. Each message writes in a session of its own.
    session.rollback()
    click.echo(f"SIP2 server on {host}:{server.port}{' (TLS)' if context else ''}, {accounts} machine login(s); "
               "Ctrl+C stops it")
    def _stop(_signum, _frame):  # systemd's stop: the same clean end as Ctrl+C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("SIP2 server stopped")
    finally:
        server.server_close()


@click.group("sip2-account")
def sip2_account_command() -> None:
    """Logins of the self-check machines that connect to the SIP2 server."""


@sip2_account_command.command("add")
@click.argument("login")
@click.option("--institution", default="PINDAI", show_default=True, help="Institution id (AO) the machine uses.")
@click.option("--location", help="Where the machine stands, for staff.")
@click.option("--encoding", default="utf-8", show_default=True, type=click.Choice(ENCODINGS))
@click.option("--generate", is_flag=True, help="Make up a password and print it once.")
@with_appcontext
def add_command(login, institution, location, encoding, generate) -> None:
    """Add a machine login (the password is asked twice, or generated; only its hash is kept)."""
    password = generate_password() if generate else click.prompt("Password", hide_input=True,
                                                                  confirmation_prompt=True)
    session = get_session()
    try:
        create_account(session, login, password, institution=institution, location=location, encoding=encoding)
    except AccountError as exc:
        raise click.ClickException(exc.message_en) from None
    session.commit()
    click.echo(f"machine login {login} added (institution {institution}, {encoding})")
    if generate:
        click.echo(f"password: {password}  (shown once: enter it in the machine's SIP2 settings)")


@sip2_account_command.command("list")
@with_appcontext
def list_command() -> None:
    """The machine logins, with where and when each last logged in."""
    rows = list_accounts(get_session())
    if not rows:
        click.echo("no machine logins yet: flask sip2-account add LOGIN")
    for row in rows:
        last = f"last login {row.last_login_at:%Y-%m-%d %H:%M} UTC from {row.last_address}" if row.last_login_at else "never logged in"
        click.echo(f"{row.login:<20} {row.institution:<10} {row.encoding:<8} {row.location or '-':<24} {last}")


@sip2_account_command.command("remove")
@click.argument("login")
@with_appcontext
def remove_command(login) -> None:
    """Remove a machine login (its open connections are refused from their next message)."""
    session = get_session()
    if not remove_account(session, login):
        raise click.ClickException(f"no machine login {login!r}")
    session.commit()
    click.echo(f"machine login {login} removed")


def init_app(app: Flask) -> None:
    app.cli.add_command(sip2_server_command)
    app.cli.add_command(sip2_account_command)
