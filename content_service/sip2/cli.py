"""``flask sip2 ...``: operator commands for the SIP2 connection.

- ``flask sip2 check``: connect, log in and ask the server's status (99/98).
- ``flask sip2 replay``: send the offline queue now (it is also sent on its own).
- ``flask sip2 queue``: list what is queued or failed.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import local
from ..db import get_session
from .client import LoginRefused, Settings, SIP2Client, Unavailable
from .messages import SUPPORTED_MESSAGES


def _client() -> SIP2Client:
    try:
        return SIP2Client(Settings.from_config(current_app.config))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("sip2", help="The library system's SIP2 server (PINDAI_CIRCULATION=sip2).")
def sip2_group() -> None:
    pass


@sip2_group.command("check", help="Connect, log in and show the SIP2 server's status.")
@with_appcontext
def check_command() -> None:
    client = _client()
    s = client.settings
    try:
        answer = client.sc_status()
    except LoginRefused:
        raise click.ClickException(f"{s.host}:{s.port} refused login {s.login!r}: "
                                   "check PINDAI_SIP2_LOGIN / PINDAI_SIP2_PASSWORD") from None
    except Unavailable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        client.close()
    supported = answer.get("BX") or ""
    names = [name for flag, name in zip(supported, SUPPORTED_MESSAGES) if flag == "Y"]
    click.echo(f"{s.host}:{s.port} ({'TLS' if s.tls != 'off' else 'plain TCP'}): logged in as {s.login!r}")
    click.echo(f"online={answer['online_status']} checkout={answer['checkout_ok']} "
               f"checkin={answer['checkin_ok']} renewal={answer['acs_renewal_policy']} "
               f"offline={answer['offline_ok']} protocol={answer['protocol_version']}")
    click.echo(f"institution={answer.get('AO')!r} library={answer.get('AM') or ''!r}")
    click.echo("supports: " + (", ".join(names) or "(not said)"))
    for line in answer.screen_messages:
        click.echo(f"screen message: {line}")


@sip2_group.command("replay", help="Send the offline checkout queue to the SIP2 server now.")
@with_appcontext
def replay_command() -> None:
    from . import offline

    client = _client()
    try:
        result = offline.replay(get_session(), client)
    finally:
        client.close()
    click.echo(f"confirmed {result['done']}, refused {result['failed']}, still queued {result['left']}")
    if result["left"]:
        raise click.ClickException("the SIP2 server did not take every checkout; they stay queued")


@sip2_group.command("queue", help="List offline checkouts that are queued or failed.")
@with_appcontext
def queue_command() -> None:
    from . import offline

    rows = [r for r in offline.recent(get_session()) if r.state != "done"]
    for row in rows:
        click.echo(f"{row.id}\t{row.state}\t{local(row.transaction_at):%Y-%m-%d %H:%M} WIB\t{row.barcode}\t"
                   f"{row.title or ''}\t{row.error or ''}")
    click.echo(f"{len(rows)} not confirmed")
