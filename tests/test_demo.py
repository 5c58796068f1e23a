"""`make demo` stays true: the demo runner seeds, serves a demo page through
gunicorn and runs the kiosk (`python -m kiosk run`) on the generated video,
which scans the label and resolves it to the demo book."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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
