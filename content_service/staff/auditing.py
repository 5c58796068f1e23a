"""Security events in the staff audit log, beside the changes staff make.

- ``record``: one entry (who, what, on what), added to the caller's session;
  ``ACTIONS``: what each action reads as on the audit page (Indonesian first).
- Logins: success, failure, lockout and logout are recorded by ``access``.
- Refused access: every 403 a logged-in staff member meets (``init_app``).
- Imports: ``import_started`` / ``import_ended`` around every catalogue import
  (the browser's and ``flask import-*``); an import that raises ends
  "interrupted", and one whose process died (a started entry with no end,
  from a process that is gone) is marked interrupted when the next starts.
- Commands: every ``flask`` command that wrote to the database leaves an
  entry with the operating-system user who ran it (``getpass.getuser()``).
  Wired last in ``FEATURES`` so it sees every feature's commands."""
from __future__ import annotations

import contextvars
import functools
import getpass
import os
import socket
from datetime import timedelta

import click
from flask import Flask, current_app, has_app_context, request
from flask.cli import ScriptInfo
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session, aliased

from .. import db
from ..clock import as_utc, utcnow
from .models import AuditEntry

# What a librarian reads for each action (the code is shown beside it).
ACTIONS = {
    "login.success": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "login.lockout": _l("Login locked after too many failures"),
    "logout": _l("Logged out"),
    "access.refused": _l("Access refused (role)"),
    "import.started": _l("Import started"),
    "import.finished": _l("Import finished"),
    "catalogue.import": _l("Import finished"),
    "import.interrupted": _l("Import interrupted"),
    "cli.command": _l("Command run on the server"),
    "staff.create": _l("Staff account created"),
    "staff.update": _l("Staff account changed"),
    "staff.password": _l("Password changed"),
    "book.create": _l("Title added"),
    "book.update": _l("Title changed"),
    "book.merge": _l("Duplicate records merged"),
    "item.create": _l("Copy added"),
    "item.update": _l("Copy changed"),
    "asset.upload": _l("Extra uploaded"),
    "asset.update": _l("Extra changed"),
    "asset.replace": _l("Extra's file replaced"),
    "asset.publish": _l("Extra published or hidden"),
    "asset.delete": _l("Extra deleted"),
    "asset.reorder": _l("Extras reordered"),
    "code.mint": _l("QR code made"),
    "code.retire": _l("QR code retired"),
    "labels.print": _l("Label sheet printed"),
    "import.online_links": _l("Online resource links imported"),
    "kiosk.create": _l("Kiosk added"),
    "kiosk.retire": _l("Kiosk retired"),
    "library.create": _l("Library added"),
    "library.update": _l("Library changed"),
    "loan.checkout": _l("Checked out at the desk"),
    "loan.checkin": _l("Checked in at the desk"),
    "loan_rule.set": _l("Loan rule saved"),
    "loan_rule.remove": _l("Loan rule removed"),
    "closed_day.add": _l("Closed day added"),
    "closed_day.remove": _l("Closed day removed"),
    "hold.place": _l("Reservation placed"),
    "hold.cancel": _l("Reservation cancelled"),
    "hold.expire": _l("Reservations not collected ended"),
    "hold.arrived": _l("Reserved copy arrived"),
    "patron.block": _l("Card suspended"),
    "patron.unblock": _l("Card suspension lifted"),
    "patron.lost": _l("Card reported lost"),
    "patron.found": _l("Lost card found"),
    "patron.new_card": _l("New card number"),
    "patron.pin": _l("PIN reset"),
    "patron.unlock": _l("PIN lock lifted"),
    "patron.fines": _l("Fines changed"),
    "patron.fines_paid": _l("Fines paid"),
    "patron.import": _l("Members imported"),
    "event.create": _l("Event added"),
    "event.edit": _l("Event changed"),
    "event.cancel_date": _l("Event date cancelled"),
    "event.attended": _l("Attendance marked"),
    "school_visit.accept": _l("School visit accepted"),
    "school_visit.decline": _l("School visit declined"),
    "notifications.template": _l("Message words changed"),
    "notifications.template_reset": _l("Message words reset"),
    "notifications.switch": _l("Message kind switched on or off"),
    "notifications.retry": _l("Message queued again"),
    "notifications.sent_by_hand": _l("Message sent by hand"),
    "sip2.replay": _l("Offline checkouts sent to the library system"),
}
# Commands that write though they change nothing anyone audits, or that are
# the audit's own plumbing: none yet; a name here is left out of the log.
QUIET_COMMANDS: frozenset[str] = frozenset()
RUN_TARGET = "import_run"  # an import's end entries point at its started entry
_WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP")
_command_run: contextvars.ContextVar[dict | None] = contextvars.ContextVar("pindai_command_run", default=None)


def action_words(action: str):
    """The words for an action on the audit page (the code itself when it has none)."""
    return ACTIONS.get(action, action)


def os_user() -> str:
    """Who runs this process on the server."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid {os.getuid()}"


def record(session: Session, action: str, *, username: str, user_id: int | None = None,
           target_type: str | None = None, target_id: int | None = None, **detail) -> AuditEntry:
    """Add one audit entry to ``session`` (committed with whatever the caller commits)."""
    entry = AuditEntry(staff_user_id=user_id, username=(username or "?")[:80], action=action,
                       target_type=target_type, target_id=target_id, detail=detail)
    session.add(entry)
    return entry


# --- imports ------------------------------------------------------------------

def import_started(session: Session, username: str, user_id: int | None, **detail) -> int:
    """Record (and commit) that an import starts; first mark interrupted any
    earlier import whose process is gone without an end. Answers the entry's id."""
    def work(s: Session) -> int:
        _mark_dead_imports(s)
        entry = record(s, "import.started", username=username, user_id=user_id,
                       host=socket.gethostname(), pid=os.getpid(), **detail)
        s.flush()
        return entry.id

    return db.write(work, session)


def import_ended(session: Session, run_id: int, action: str, username: str, user_id: int | None, **detail) -> None:
    """Record (and commit) an import's end: ``import.finished`` / ``catalogue.import`` or ``import.interrupted``."""
    db.write(lambda s: record(s, action, username=username, user_id=user_id, target_type=RUN_TARGET,
                              target_id=run_id, **detail), session)


def _mark_dead_imports(session: Session) -> None:
    end = aliased(AuditEntry)
    open_runs = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "import.started",
        ~select(end.id).where(end.target_type == RUN_TARGET, end.target_id == AuditEntry.id).exists())).all()
    host, day_ago = socket.gethostname(), utcnow() - timedelta(days=1)
    for run in open_runs:
        detail = run.detail or {}
        here = detail.get("host") == host
        if (here and not _alive(detail.get("pid"))) or (not here and as_utc(run.at) < day_ago):
            record(session, "import.interrupted", username=run.username, user_id=run.staff_user_id,
                   target_type=RUN_TARGET, target_id=run.id, kind=detail.get("kind"), file=detail.get("file"),
                   reason="no end was recorded: the process stopped")


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True  # this process is running it (a thread of a worker)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- refused access -------------------------------------------------------------

def _audit_refusal(response):
    if response.status_code == 403 and current_user.is_authenticated:
        session = db.get_session()
        session.rollback()  # whatever the refused view had begun is not kept
        db.write(lambda s: record(s, "access.refused", username=current_user.username, user_id=current_user.id,
                                  method=request.method, path=request.path[:300]), session)
    return response


# --- commands -------------------------------------------------------------------

def _audited(name: str, callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        app = _this_app() if has_app_context() else click.get_current_context().ensure_object(ScriptInfo).load_app()
        if not app.extensions.get("pindai.audit_commands") or name in QUIET_COMMANDS:
            return callback(*args, **kwargs)
        state = {"wrote": False}
        run_id = None
        if name.startswith("import-"):  # catalogue imports: started, then finished or interrupted
            with app.app_context():
                run_id = import_started(db.get_session(), os_user(), None, kind=name, via="command",
                                        file=str(kwargs.get("file") or "")[:200])
        token = _command_run.set(state)
        outcome = "ok"
        try:
            return callback(*args, **kwargs)
        except click.exceptions.Exit as exc:
            outcome = "ok" if not exc.exit_code else f"exit {exc.exit_code}"
            raise
        except BaseException as exc:
            outcome = f"stopped: {type(exc).__name__}: {_describe(exc)[:200]}"
            raise
        finally:
            _command_run.reset(token)
            if run_id is not None:
                _in_app(app, lambda s: record(
                    s, "import.finished" if outcome == "ok" else "import.interrupted", username=os_user(),
                    target_type=RUN_TARGET, target_id=run_id, kind=name, outcome=outcome))
            if state["wrote"]:
                _record_command(app, name, kwargs, outcome)

    run._pindai_audited = True  # type: ignore[attr-defined]
    return run


def _this_app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _describe(exc: BaseException) -> str:
    try:  # a ClickException's message may be a lazy gettext string
        return str(exc.message) if isinstance(exc, click.ClickException) else str(exc)
    except Exception:  # noqa: BLE001 - the log entry must not fail the command
        return ""


def _record_command(app: Flask, name: str, params: dict, outcome: str) -> None:
    shown = {k: (v if isinstance(v, (int, float, bool)) or v is None else str(v)[:200])
             for k, v in params.items() if "password" not in k and "pin" not in k and "key" not in k}

    _in_app(app, lambda s: record(s, "cli.command", username=os_user(), command=name, params=shown,
                                  outcome=outcome, host=socket.gethostname()))


def _in_app(app: Flask, work) -> None:
    """Write one entry at a command's end, in the command's own session when
    its context is still there (on SQLite a second session would wait on its
    write lock), rolled back first: a failed command's half-work is not kept."""
    if has_app_context() and _this_app() is app:
        session = db.get_session()
        session.rollback()
        db.write(work, session)
    else:
        with app.app_context():
            db.write(work, db.get_session())


def _wrap(command: click.Command, name: str) -> None:
    if isinstance(command, click.Group):
        for sub_name, sub in command.commands.items():
            _wrap(sub, f"{name} {sub_name}")
    if command.callback is not None and not getattr(command.callback, "_pindai_audited", False):
        command.callback = _audited(name, command.callback)


def init_app(app: Flask) -> None:
    """Called by the application factory last: every feature's commands and views exist."""
    app.extensions["pindai.audit_commands"] = True
    for name, command in app.cli.commands.items():
        _wrap(command, name)

    @event.listens_for(app.extensions["pindai.engine"], "before_cursor_execute")
    def _note_write(_conn, _cursor, statement, _params, _context, _many):
        state = _command_run.get()
        if state is not None and not state["wrote"] and statement.lstrip().upper().startswith(_WRITES):
            state["wrote"] = True

    app.after_request(_audit_refusal)
    app.jinja_env.globals["audit_action_words"] = action_words
