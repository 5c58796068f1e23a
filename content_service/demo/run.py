"""``make demo``: set up the demo library, register a demo kiosk, start the
content service under gunicorn and the kiosk (``python -m kiosk run``) on a
generated demo video (or the camera when there is one), and print what to
open: the kiosk screen (full screen in Chromium) and the public pages.

It also writes ``demo.env`` beside the demo database (the ``PINDAI_*``
variables of the demo) and prints how to run ``flask`` commands on the demo
library with it.

``--check`` starts everything, fetches a demo page through the running
server, the kiosk screen, and waits for the kiosk to have scanned and
resolved the demo video's label, then stops: the test suite runs it so
``make demo`` stays true."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


DEMO_KIOSK = "Kios demo"
# After each pass of the book the demo video shows an empty counter for longer than
# the kiosk's idle timeout, so the screen goes back to its attract screen and shows it
# for about this long before the book comes again.
ATTRACT_SECONDS = 10


def prepare(env: dict) -> tuple[list[tuple[str, str]], str, str]:
    """Migrate and seed the database and give the demo kiosk a fresh key;
    returns sample (url, title) pairs, the label URL the demo video shows
    and the kiosk key."""
    os.environ.update(env)
    from content_service import codes, create_app
    from content_service.db import get_engine, get_session, upgrade
    from content_service.demo import sample_codes, seed
    from content_service.kiosks import create_kiosk, hash_key
    from content_service.kiosks.models import Kiosk
    from content_service.tokens import url_token
    from sqlalchemy import select

    app = create_app()
    with app.app_context():
        upgrade(get_engine())
        session = get_session()
        for note in seed(session)["notes"]:
            print(f"Note: {note}", flush=True)
        base = app.config["PUBLIC_BASE_URL"]
        samples = [(codes.label_url(base, code), title) for code, title in sample_codes(session)]
        kiosk = session.scalars(select(Kiosk).where(Kiosk.name == DEMO_KIOSK)).first()
        if kiosk is None:
            _, key = create_kiosk(session, DEMO_KIOSK, "Demo")
        else:  # keys are shown once and stored hashed: a new run gets a new key
            key = url_token(32)
            kiosk.key_hash, kiosk.retired_at = hash_key(key), None
        session.commit()
    app.extensions["pindai.engine"].dispose()
    return samples, samples[0][0], key


def attract_rest() -> float:
    """Seconds of empty counter after each pass of the demo video: the kiosk's
    idle timeout (``IDLE_SECONDS``, ``PINDAI_KIOSK_IDLE_SECONDS``, as the kiosk
    process reads it) and ``ATTRACT_SECONDS`` more."""
    from kiosk.settings import load_config

    return float(load_config()["IDLE_SECONDS"]) + ATTRACT_SECONDS


def demo_video(folder: Path, payload: str, rest: float) -> Path:
    """The generated video of a book whose label carries ``payload``, out of
    view for ``rest`` seconds after each pass (re-rendered only when either changes).
    H.264 keeps the long empty stretches small (about 2 MB for three passes)."""
    from kiosk.demo.synth import render_book_video

    folder.mkdir(parents=True, exist_ok=True)
    video, meta = folder / "demo-book.mp4", folder / "demo-book.json"
    wanted = {"payload": payload, "rest": rest}
    known = json.loads(meta.read_text()) if meta.exists() else {}
    if not (video.exists() and all(known.get(k) == v for k, v in wanted.items())):
        print(f"Rendering the demo video (a book with its QR label in front of the camera, three passes, "
              f"{rest:.0f} s of empty counter after each)...", flush=True)
        truth = render_book_video(video, payload, title="Laskar Pelangi", passes=3, rest=rest, codec="h264")
        meta.write_text(json.dumps({**wanted, "frames": truth.get("frames")}))
    return video


DEMO_OPENING_HOURS = "mon-fri 08:00-16:00; sat 09:00-14:00; sun closed"


def write_env_file(path: Path, env: dict) -> None:
    """The demo's PINDAI_* variables as a file a shell sources (``set -a; . FILE; set +a``)."""
    lines = ["# The demo library's settings, written by `make demo`: set -a; . " + shown(path) + "; set +a"]
    lines += [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it (symlinks
    kept as they are: a linked ``.venv`` still shows as ``.venv/bin/flask``)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def flask_help(env: dict, env_file: Path) -> list[str]:
    """The lines telling how to run `flask` commands on the demo library."""
    flask = shown(Path(sys.executable).parent / "flask")
    return [
        "  flask commands on the demo library (another terminal, this directory):",
        *[f"    export {name}={shlex.quote(value)}" for name, value in env.items()],
        f"    {flask} --app content_service events list",
        f"  or, with the same settings from {shown(env_file)}:",
        f"    set -a; . {shlex.quote(shown(env_file))}; set +a",
        f"    {flask} --app content_service events list   (--help lists every command)",
    ]


def camera_present() -> bool:
    return Path("/dev/video0").exists()


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_scan(kiosk_url: str, seconds: float = 90) -> dict:
    """The kiosk's first resolved scan (polls its /status)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = json.loads(urllib.request.urlopen(f"{kiosk_url}/status", timeout=5).read())
        if status.get("last_scan"):
            return status["last_scan"]
        time.sleep(0.5)
    raise TimeoutError(f"the kiosk at {kiosk_url} resolved no scan in {seconds:.0f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PINDAI_DEMO_PORT", "5000")))
    parser.add_argument("--kiosk-port", type=int, default=int(os.environ.get("PINDAI_DEMO_KIOSK_PORT", "8080")),
                        help="port of the kiosk screen (default 8080; 0: any free port)")
    parser.add_argument("--check", action="store_true", help="start, fetch a demo page, stop")
    args = parser.parse_args(argv)

    instance = Path(os.environ.get("PINDAI_DEMO_DIR", REPO / "instance" / "demo")).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        "PINDAI_ENV": os.environ.get("PINDAI_ENV", "development"),
        "PINDAI_DATABASE_URL": os.environ.get("PINDAI_DATABASE_URL", f"sqlite:///{instance / 'pindai.db'}"),
        "PINDAI_MEDIA_ROOT": os.environ.get("PINDAI_MEDIA_ROOT", str(instance / "media")),
        "PINDAI_PUBLIC_BASE_URL": os.environ.get("PINDAI_PUBLIC_BASE_URL", f"http://localhost:{args.port}"),
        # The demo library's hours, shown on the book page phones open.
        "PINDAI_OPENING_HOURS": os.environ.get("PINDAI_OPENING_HOURS", DEMO_OPENING_HOURS),
    }
    env_file = instance / "demo.env"
    write_env_file(env_file, env)
    samples, payload, key = prepare(env)
    kiosk_port = free_port() if args.check or args.kiosk_port == 0 else args.kiosk_port
    source = "0" if camera_present() and not args.check else str(demo_video(instance, payload, attract_rest()))
    children_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    bin_dir = Path(sys.executable).parent
    service = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-w", "2", "-b", f"0.0.0.0:{args.port}", "content_service:create_app()"],
        cwd=REPO, env=children_env,
    )
    kiosk = None
    try:
        wait_for(f"http://127.0.0.1:{args.port}/ping")
        kiosk_cmd = [sys.executable, "-m", "kiosk", "run", "--service", f"http://127.0.0.1:{args.port}",
                     "--key", key, "--source", source, "--port", str(kiosk_port),
                     "--cache", str(instance / "kiosk-cache.json")]
        if source != "0":
            kiosk_cmd.append("--loop")
        kiosk = subprocess.Popen(kiosk_cmd, cwd=REPO, env=children_env)
        kiosk_url = f"http://localhost:{kiosk_port}"
        wait_for(f"http://127.0.0.1:{kiosk_port}/status")
        local = samples[0][0].replace(env["PINDAI_PUBLIC_BASE_URL"], f"http://127.0.0.1:{args.port}")
        page = urllib.request.urlopen(local, timeout=10).read().decode("utf-8")
        if samples[0][1] not in page:
            print(f"demo page {local} does not show {samples[0][1]!r}", file=sys.stderr)
            return 1
        print("\nPindai demo is running.")
        print(f"  Kiosk screen:  {kiosk_url}/   (full screen: chromium --kiosk {kiosk_url}/)")
        print(f"                 scanning {'the camera' if source == '0' else 'a generated video of ' + samples[0][1]}")
        if source != "0":
            print(f"                 (out of view {attract_rest():.0f} s after each pass: the kiosk's idle timeout "
                  "passes and it goes back to its attract screen)")
        print("  Public book pages (open one on a phone or in a browser):")
        for url, title in samples:
            print(f"    {url}   {title}")
        print(f"  JSON API:      http://localhost:{args.port}/api/v1/books   (OpenAPI: /api/v1/openapi.json)")
        print("  Phones need the server's network address: set PINDAI_PUBLIC_BASE_URL=http://<this-machine>:"
              f"{args.port} before `make demo` so printed labels point there.")
        print("\n".join(flask_help(env, env_file)), flush=True)
        if args.check:
            screen = urllib.request.urlopen(f"http://127.0.0.1:{kiosk_port}/", timeout=10).read().decode("utf-8")
            if "screen-attract" not in screen:
                print("the kiosk screen did not load", file=sys.stderr)
                return 1
            scan = wait_for_scan(f"http://127.0.0.1:{kiosk_port}")
            print(f"demo check: the kiosk scanned {scan['payload']} -> {scan['outcome']}: {scan.get('title')}")
            if scan["outcome"] != "ok" or scan.get("title") != samples[0][1]:
                return 1
            print("demo check: ok")
            return 0
        print("Press Ctrl-C to stop.\n", flush=True)
        service.wait()
        return service.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        for child in (kiosk, service):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


if __name__ == "__main__":
    sys.exit(main())
