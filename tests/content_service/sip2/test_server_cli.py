"""``flask sip2-account add/list/remove`` and ``flask sip2-server`` as an
operator runs them (the server in its own process, stopped by its id)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import check_password_hash

from content_service.db import upgrade
from content_service.sip2.server_models import Sip2Account

from .peer import free_port
from .server_helpers import MachineClient

REPO = Path(__file__).resolve().parents[3]


def test_add_list_remove_machine_logins(app, runner, session):
    res = runner.invoke(args=["sip2-account", "add", "mesin-lobi", "--institution", "BATAM", "--location",
                              "Lobi lantai 1", "--encoding", "latin-1"], input="rahasia-mesin\nrahasia-mesin\n")
    assert res.exit_code == 0, res.output
    account = session.scalars(select(Sip2Account)).one()
    assert account.password_hash != "rahasia-mesin" and check_password_hash(account.password_hash, "rahasia-mesin")
    assert (account.institution, account.location, account.encoding) == ("BATAM", "Lobi lantai 1", "latin-1")
    res = runner.invoke(args=["sip2-account", "add", "gerbang-rfid", "--generate"])
    assert res.exit_code == 0 and "password: " in res.output
    generated = res.output.split("password: ")[1].split()[0]
    session.rollback()  # a new snapshot: the command committed since
    session.expire_all()
    gate = session.scalars(select(Sip2Account).where(Sip2Account.login == "gerbang-rfid")).one()
    assert check_password_hash(gate.password_hash, generated)
    listing = runner.invoke(args=["sip2-account", "list"]).output
    assert "mesin-lobi" in listing and "gerbang-rfid" in listing and "never logged in" in listing
    assert "rahasia" not in listing and generated not in listing
    for bad, why in ((["add", "mesin-lobi"], "exists already"), (["add", "ada spasi"], "1-64 letters"),
                     (["add", "pendek"], "at least 8")):
        res = runner.invoke(args=["sip2-account", *bad], input="pendek\npendek\n" if "pendek" in bad else
                            "rahasia-mesin\nrahasia-mesin\n")
        assert res.exit_code != 0 and why in res.output, res.output
    assert runner.invoke(args=["sip2-account", "remove", "mesin-lobi"]).exit_code == 0
    res = runner.invoke(args=["sip2-account", "remove", "mesin-lobi"])
    assert res.exit_code != 0 and "no machine login" in res.output


def test_sip2_server_refuses_when_circulation_is_not_local(make_app):
    app = make_app(CIRCULATION="sip2", SIP2_HOST="127.0.0.1", SIP2_PORT=free_port())
    res = app.test_cli_runner().invoke(args=["sip2-server", "--port", "0"])
    assert res.exit_code != 0 and "PINDAI_CIRCULATION=local" in res.output


def test_flask_sip2_server_command_serves_machines(tmp_path):
    db = tmp_path / "pindai.db"
    env = {**os.environ, "PINDAI_ENV": "development", "PINDAI_DATABASE_URL": f"sqlite:///{db}",
           "PINDAI_SEARCH_INDEX": str(tmp_path / "index"), "PYTHONPATH": str(REPO)}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "content_service"]
    # The database as `flask init-db` makes it (the migrations), and one machine login.
    from content_service import create_app
    from content_service.sip2.server_accounts import create_account

    app = create_app({"ENV": "test", "DATABASE_URL": env["PINDAI_DATABASE_URL"], "SEARCH_INDEX": "memory"})
    upgrade(app.extensions["pindai.engine"])
    with app.extensions["pindai.sessionmaker"]() as session:
        create_account(session, "mesin-lobi", "rahasia-mesin-1", institution="BATAM", method="pbkdf2:sha256:1000")
        session.commit()
    app.extensions["pindai.engine"].dispose()
    port = free_port()
    server = subprocess.Popen([*flask, "sip2-server", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                client = MachineClient(port)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        assert client.login("mesin-lobi", "rahasia-mesin-1").fixed["ok"] is True
        status = client.ask("99", status_code="0", max_print_width=40)
        assert status.fixed["online_status"] is True and status.get("AO") == "BATAM"
        client.close()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=10)
    assert f"SIP2 server on 127.0.0.1:{port}" in out.decode() and "1 machine login(s)" in out.decode()
    assert "SIP2 server stopped" in out.decode()  # SIGTERM ends it cleanly
    assert "mesin-lobi logged in" in err.decode()
