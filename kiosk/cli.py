"""`python -m kiosk`: the installer's tools.

    python -m kiosk decode IMAGE...      one JSON line per image with its scans
    python -m kiosk watch --source SRC   scan events live, one JSON line each
                                         (state changes go to stderr)
    python -m kiosk run --service URL --key KEY --source SRC [--port 8080]
                                         the kiosk: scanner + full-screen page
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time

import cv2

from kiosk.scan.debounce import Debouncer
from kiosk.scan.decoding import decode
from kiosk.scan.scanner import Scanner
from kiosk.scan.sources import FOLDER_FPS, open_source


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("decode", help="read codes in image files")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.set_defaults(func=cmd_decode)

    p = commands.add_parser("watch", help="print scan events from a camera/file/stream/folder")
    p.add_argument("--source", required=True,
                   help="camera index (0), video file, stream URL or image folder")
    p.add_argument("--loop", action="store_true", help="restart a video file or folder at its end")
    p.add_argument("--no-realtime", dest="realtime", action="store_false",
                   help="read a video file or folder as fast as possible instead of at its frame rate")
    p.add_argument("--fps", type=float, default=FOLDER_FPS, metavar="N",
                   help=f"frames a second from an image folder (default {FOLDER_FPS:g})")
    p.add_argument("--gone-after", type=float, default=1.0, metavar="SECONDS",
                   help="how long a code must be out of view to fire again (default 1.0)")
    p.add_argument("--seconds", type=float, default=None,
                   help="stop after this long (default: until Ctrl-C or the source ends)")
    p.set_defaults(func=cmd_watch)

    p = commands.add_parser("run", help="run the kiosk: scanner, resolver and the full-screen page")
    p.add_argument("--service", default=os.environ.get("PINDAI_SERVICE_URL"),
                   help="content service URL (default: $PINDAI_SERVICE_URL or http://127.0.0.1:5000)")
    p.add_argument("--key", default=os.environ.get("PINDAI_KIOSK_KEY"),
                   help="this kiosk's key from `flask create-kiosk` (default: $PINDAI_KIOSK_KEY)")
    p.add_argument("--source", default="0",
                   help="camera index (default 0), video file, stream URL or image folder")
    p.add_argument("--host", default="127.0.0.1", help="address to serve the page on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port of the kiosk page (default 8080)")
    p.add_argument("--loop", action="store_true", help="restart a video file or folder at its end")
    p.add_argument("--fps", type=float, default=FOLDER_FPS, metavar="N",
                   help=f"frames a second from an image folder (default {FOLDER_FPS:g})")
    p.add_argument("--idle", type=float, default=None, metavar="SECONDS",
                   help="back to the attract screen after this long untouched (default 90)")
    p.add_argument("--gone-after", type=float, default=1.0, metavar="SECONDS",
                   help="how long a code must be out of view to fire again (default 1.0)")
    p.add_argument("--cache", default="instance/kiosk-cache.json", metavar="FILE",
                   help="books kept for when the service is down, across restarts "
                        "(default instance/kiosk-cache.json; '' keeps them in memory only)")
    p.set_defaults(func=cmd_run)
    return parser


def cmd_decode(args) -> int:
    status = 0
    for path in args.images:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            print(json.dumps({"image": path, "error": "cannot read image"}), flush=True)
            status = 1
            continue
        started = time.perf_counter()
        scans = decode(image)
        record = {"image": path, "width": image.shape[1], "height": image.shape[0],
                  "ms": round((time.perf_counter() - started) * 1000, 1),
                  "scans": [s.to_dict() for s in scans]}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return status


def cmd_watch(args) -> int:
    source = open_source(args.source, loop=args.loop, realtime=args.realtime, fps=args.fps)

    def on_event(event):
        print(json.dumps(event.to_dict(), ensure_ascii=False), flush=True)

    def on_state(state, status):
        print(json.dumps({"state": state, **status}), file=sys.stderr, flush=True)

    scanner = Scanner(source, on_event, on_state=on_state,
                      debouncer=Debouncer(gone_after=args.gone_after))
    thread = scanner.start()
    signal.signal(signal.SIGTERM, lambda *_: scanner.stop(timeout=0))
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    try:
        while thread.is_alive():
            thread.join(0.2)
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        pass
    scanner.stop()
    if scanner.ended and scanner.frames == 0:
        print(f"error: {scanner.last_error}", file=sys.stderr)
        return 1
    return 0


def cmd_run(args) -> int:
    from kiosk.app import KioskServer, create_app

    config = {"SOURCE": args.source, "LOOP": args.loop, "FOLDER_FPS": args.fps,
              "GONE_AFTER": args.gone_after,
              "CACHE_FILE": args.cache or None}
    if args.service:
        config["SERVICE_URL"] = args.service
    if args.key:
        config["KIOSK_KEY"] = args.key
    if args.idle is not None:
        config["IDLE_SECONDS"] = args.idle
    if not config.get("KIOSK_KEY") and not os.environ.get("PINDAI_KIOSK_KEY"):
        print("warning: no kiosk key (--key or PINDAI_KIOSK_KEY): scans are not logged for this kiosk",
              file=sys.stderr)
    server = KioskServer(create_app(config), args.host, args.port).start()
    print(f"Kiosk page: {server.url}/  (open it full screen: chromium --kiosk {server.url}/)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


def main(argv=None) -> int:
    """Entry point of `python -m kiosk`."""
    args = build_parser().parse_args(argv)
    return args.func(args)
