"""The deployment files are real: docker-compose.yml names the services and
settings the service reads, the nginx configuration serves the service over
TLS through Debian's real nginx (the same template the nginx image fills
in), and the kiosk's systemd units pass ``systemd-analyze verify`` with
options the kiosk really takes."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import urllib3
import yaml

from content_service.config import SETTINGS
from tests.security.conftest import gunicorn_service  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
SERVICE_VARIABLES = {setting.env for setting in SETTINGS if setting.env}
COMPOSE_ONLY = {"PINDAI_DB_PASSWORD", "PINDAI_SERVER_NAME"}  # read by docker-compose.yml itself


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_the_five_services_wired_together():
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", "redis", "service", "notify-worker", "nginx"}
    worker = services["notify-worker"]
    assert worker["command"] == ["flask", "notify-worker"] and worker["build"] == services["service"]["build"]
    assert worker["environment"]["PINDAI_DATABASE_URL"] == services["service"]["environment"]["PINDAI_DATABASE_URL"]
    assert set(worker["environment"]) <= SERVICE_VARIABLES
    service = services["service"]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile" and (REPO / "deploy/Dockerfile").is_file()
    env = service["environment"]
    assert env["PINDAI_DATABASE_URL"].startswith("postgresql+psycopg://pindai:") and "@db:5432/pindai" in env["PINDAI_DATABASE_URL"]
    assert env["PINDAI_RATE_LIMIT_STORAGE"] == "redis://redis:6379/0"
    assert env["PINDAI_TRUSTED_PROXIES"] == "1"  # exactly nginx in front
    assert set(env) <= SERVICE_VARIABLES, set(env) - SERVICE_VARIABLES
    assert "/health" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"] == {"db": {"condition": "service_healthy"},
                                     "redis": {"condition": "service_healthy"}}
    nginx = services["nginx"]
    assert nginx["environment"]["PINDAI_UPSTREAM"] == "service:8000"
    template = next(v.split(":")[0] for v in nginx["volumes"] if "templates" in v)
    assert (REPO / template).is_file()
    assert {"db", "media"} <= set(compose["volumes"])


def test_the_env_example_names_only_real_settings():
    names = {line.split("=", 1)[0] for line in (DEPLOY / "pindai.env.example").read_text().splitlines()
             if line and not line.startswith("#")}
    assert {"PINDAI_SECRET_KEY", "PINDAI_PUBLIC_BASE_URL"} <= names
    assert names <= SERVICE_VARIABLES | COMPOSE_ONLY, names - SERVICE_VARIABLES - COMPOSE_ONLY
    secret = next(line for line in (DEPLOY / "pindai.env.example").read_text().splitlines()
                  if line.startswith("PINDAI_SECRET_KEY="))
    assert len(secret.split("=", 1)[1]) >= 32  # the service refuses a shorter key at start


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fill(template: str, **values: str) -> str:
    """What the nginx image does with NGINX_ENVSUBST_FILTER=^PINDAI_: fill in our
    ${PINDAI_...} variables, leave nginx's own ($host, $remote_addr) alone."""
    return re.sub(r"\$\{(PINDAI_[A-Z_]+)\}", lambda found: values[found.group(1)], template)


@pytest.mark.slow
def test_nginx_serves_the_service_over_tls(gunicorn_service, tmp_path):  # noqa: F811
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).exists() or openssl is None:
        pytest.skip("needs Debian's nginx and openssl (make setup installs them)")
    base = gunicorn_service(TRUSTED_PROXIES=1, PUBLIC_BASE_URL="https://pindai.test")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pindai.test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    http_port, https_port = _free_port(), _free_port()
    server = _fill((DEPLOY / "nginx/pindai.conf.template").read_text(),
        PINDAI_UPSTREAM=base.removeprefix("http://"), PINDAI_SERVER_NAME="pindai.test",
        PINDAI_HTTP_PORT=f"127.0.0.1:{http_port}", PINDAI_HTTPS_PORT=f"127.0.0.1:{https_port}",
        PINDAI_TLS_CERT=str(tmp_path / "cert.pem"), PINDAI_TLS_KEY=str(tmp_path / "key.pem"))
    (tmp_path / "pindai.conf").write_text(server)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include /etc/nginx/mime.types;\n  include {tmp_path}/pindai.conf;\n}}\n")
    test = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:  # a self-signed certificate for pindai.test: this checks the proxying, not the chain
                health = requests.get(f"https://127.0.0.1:{https_port}/health", verify=False,
                                      headers={"Host": "pindai.test"}, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and proc.poll() is None, "nginx did not start"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        # The service knows the visitor came over HTTPS (X-Forwarded-Proto from one trusted proxy).
        assert health.headers["Strict-Transport-Security"].startswith("max-age=")
        page = requests.get(f"https://127.0.0.1:{https_port}/", verify=False, headers={"Host": "pindai.test"},
                            timeout=5)
        assert page.status_code == 200 and "Perpustakaan" in page.text
        plain = requests.get(f"http://127.0.0.1:{http_port}/q/ABCD2345", headers={"Host": "pindai.test"},
                             allow_redirects=False, timeout=5)
        assert plain.status_code == 301 and plain.headers["Location"] == "https://pindai.test/q/ABCD2345"
        direct = requests.get(base + "/health", timeout=5)
        assert "Strict-Transport-Security" not in direct.headers  # plain HTTP straight to gunicorn
    finally:
        proc.terminate()
        proc.wait(10)


def _kiosk_units() -> list[Path]:
    return sorted((DEPLOY / "systemd").glob("pindai-kiosk*.service"))


def test_kiosk_units_start_the_kiosk_with_options_it_takes():
    kiosk_unit = (DEPLOY / "systemd/pindai-kiosk.service").read_text()
    command = re.search(r"^ExecStart=(.*)$", kiosk_unit, re.M).group(1)
    assert "-m kiosk run" in command and re.search(r"^Restart=always$", kiosk_unit, re.M)
    taken = subprocess.run([sys.executable, "-m", "kiosk", "run", "--help"], capture_output=True, text=True,
                           cwd=REPO, check=True).stdout
    for option in re.findall(r"(--[a-z-]+)", command):
        assert option in taken, option
    browser = (DEPLOY / "systemd/pindai-kiosk-browser.service").read_text()
    assert "--kiosk" in browser and "http://127.0.0.1:8080/" in browser and "Restart=always" in browser
    assert "8080" in command  # the page the browser opens


def test_kiosk_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("needs systemd-analyze (Debian's systemd)")
    missing = [tool for tool in ("/usr/bin/cage", "/usr/bin/chromium") if not Path(tool).exists()]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (make setup installs them)")
    for unit in _kiosk_units():
        # As installed, but with this checkout's Python in place of /opt/pindai/venv.
        text = unit.read_text().replace("/opt/pindai/venv/bin/python", str(Path(sys.executable).absolute()))
        text = text.replace("/etc/pindai/kiosk.env", os.devnull)
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run([analyze, "verify", *[str(tmp_path / u.name) for u in _kiosk_units()]],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
