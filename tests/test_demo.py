"""`make demo` stays true: the demo runner seeds, serves a demo page through
gunicorn and runs the kiosk (`python -m kiosk run`) on the generated video,
which scans the label and resolves it to the demo book; the `flask` commands the
README shows then work on the demo library with the settings it printed."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV_FILE = "instance/demo/demo.env"


def readme_demo_commands() -> list[str]:
    """The shell lines of the README's block that runs `flask` on the demo library."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"set -a; . {ENV_FILE}; set +a")
    return readme[start:readme.index("```", start)].strip().splitlines()


@pytest.mark.slow
def test_demo_runner_check(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINDAI_")}
    env["PINDAI_DEMO_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "content_service.demo.run", "--check", "--port", str(port)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo check: ok" in result.stdout
    assert f"http://localhost:{port}/q/" in result.stdout
    assert "Kiosk screen:  http://localhost:" in result.stdout
    # The kiosk read the demo video's label and the service resolved it to its book.
    assert f"demo check: the kiosk scanned http://localhost:{port}/q/" in result.stdout
    assert "-> ok: Laskar Pelangi" in result.stdout
    # The settings it printed and wrote, and the README's commands with them.
    assert f"export PINDAI_DATABASE_URL=sqlite:///{tmp_path / 'pindai.db'}" in result.stdout
    assert f"export PINDAI_MEDIA_ROOT={tmp_path / 'media'}" in result.stdout
    assert "export PINDAI_OPENING_HOURS='mon-fri 08:00-16:00; sat 09:00-14:00; sun closed'" in result.stdout
    assert "--app content_service events list" in result.stdout
    commands = readme_demo_commands()
    assert any("flask --app content_service events list" in line for line in commands)
    script = "\n".join(commands).replace(ENV_FILE, str(tmp_path / "demo.env"))
    ran = subprocess.run(["bash", "-ec", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "WIB" in ran.stdout and "Cerita di Pagi Hari" in ran.stdout and "seats left: 25" in ran.stdout
    assert "seed-demo" in ran.stdout  # the --help line lists the commands
