"""The API fuzzer in CI: Schemathesis over ``/api/v1/openapi.json`` against a
real gunicorn (two workers) on SQLite and PostgreSQL, as an anonymous phone
and as a kiosk with its key, on the demo library (books, copies, codes,
events), so generated ids and payloads reach real rows.

It fails on any server error, any status code the document does not list
for the operation, a body or header that does not match the document, a
405 without ``Allow``, and a request that breaks the document's own rules
yet is accepted. The run is bounded (``PINDAI_FUZZ_EXAMPLES`` examples per
operation, default 20) and seeded (``PINDAI_FUZZ_SEED``, default fixed, so a
red run replays); set a new seed to explore further."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from content_service.kiosks import create_kiosk

HERE = Path(__file__).resolve().parent
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "unsupported_method",
          "negative_data_rejection")


def _seed_demo_library(app) -> None:
    runner = app.test_cli_runner()
    for args in (["seed-demo", "--no-media"], ["events", "seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.parametrize("as_kiosk", [False, True], ids=["phone", "kiosk"])
def test_fuzzer_finds_nothing(gunicorn_service, make_app, session, as_kiosk, tmp_path):
    app = make_app()
    _seed_demo_library(app)
    headers: list[str] = []
    if as_kiosk:
        _, key = create_kiosk(session, "Kiosk fuzz", "Lantai 1")
        session.commit()
        headers = ["-H", f"Authorization: Bearer {key}"]
    # Without the rate limits, so the fuzzer reaches the views (the limits have their own tests).
    base = gunicorn_service(RATE_LIMITS=0)
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--no-color",
        "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"{base}/api/v1/openapi.json", *headers,
        "--checks", ",".join(CHECKS),
        "--max-examples", os.environ.get("PINDAI_FUZZ_EXAMPLES", "20"),
        "--seed", os.environ.get("PINDAI_FUZZ_SEED", "20261202"),
        "--generation-database", "none", "--request-timeout", "30",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    report = run.stdout[-12000:] + run.stderr[-2000:]
    assert run.returncode == 0, "schemathesis found problems:\n" + report
    assert "Tested:" in run.stdout  # it reached the operations, not just the document
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]
