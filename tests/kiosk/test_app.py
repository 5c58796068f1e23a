"""The kiosk app's own parts against a real content service (no browser):
scan results, the relay with the kiosk key, the offline cache, SSE, the
AR overlay drawing."""
from __future__ import annotations

import json
import os
import time
import uuid

import cv2
import numpy as np
import pytest
from sqlalchemy import create_engine, text

from kiosk.app import NODE_MODULES, create_app
from kiosk.preview import decode_overlay, draw_overlay
from kiosk.runtime import KioskRuntime
from kiosk.service import BookCache, ServiceClient
from tests.kiosk.live import LiveService


def _backends():
    return ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="module", params=_backends())
def service(request, tmp_path_factory):
    """The service on SQLite, and on PostgreSQL (a fresh schema) when TEST_DATABASE_URL is set."""
    url = schema = admin = None
    if request.param == "postgresql":
        base = os.environ["TEST_DATABASE_URL"]
        schema = f"k_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    live = LiveService(tmp_path_factory.mktemp("service"), media=False, database_url=url)
    yield live
    live.close()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kiosk_app(service, key=None, **config):
    client = ServiceClient(service.url, key if key is not None else service.key, timeout=2.0)
    runtime = KioskRuntime(client, None)
    return create_app({"SERVICE_URL": service.url, **config}, runtime=runtime)


def test_a_scanned_label_resolves_to_its_book(service):
    app = kiosk_app(service)
    code, title = service.samples[0]
    message = app.test_client().post("/k/scan", json={"payload": service.label(code)}).get_json()
    assert message["type"] == "scan" and message["outcome"] == "ok" and not message["cached"]
    assert message["resolution"]["book"]["title"] == title
    assert message["resolution"]["type"] == "item"


def test_a_foreign_qr_is_not_ours_and_a_blank_scan_is_refused(service):
    client = kiosk_app(service).test_client()
    message = client.post("/k/scan", json={"payload": "https://example.com/promo"}).get_json()
    assert message["outcome"] == "error" and message["error"]["code"] == "not_ours"
    response = client.post("/k/scan", json={"payload": "  "})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "missing_payload"
    assert client.post("/k/scan", data="nonsense").status_code == 400


def test_a_wrong_kiosk_key_is_refused_not_ignored(service):
    message = kiosk_app(service, key="not-a-key").test_client().post(
        "/k/scan", json={"payload": service.label(service.samples[0][0])}).get_json()
    assert message["outcome"] == "error" and message["error"]["code"] == "bad_kiosk_key"


def test_the_relay_sends_the_key_and_passes_answers_through(service):
    client = kiosk_app(service).test_client()
    body = client.get("/service/api/v1/books?per_page=2").get_json()
    assert len(body["items"]) == 2

    assert client.get("/service/api/v1/no-such-endpoint").status_code == 404
    bad = kiosk_app(service, key="wrong").test_client().get("/service/api/v1/resolve?payload=x")
    assert bad.status_code == 401


def test_service_down_serves_cached_books_and_says_so(service, tmp_path):
    app = kiosk_app(service)
    runtime = app.extensions["kiosk"]
    code, title = service.samples[0]
    payload = service.label(code)
    first = runtime.submit(payload)
    book_id = first["resolution"]["book"]["id"]
    messages = runtime.hub.subscribe()
    # The same kiosk, now pointed at a port nobody listens on.
    runtime.client.base_url = "http://127.0.0.1:9"
    offline = runtime.submit(payload)
    assert offline["outcome"] == "ok" and offline["cached"] is True
    assert offline["resolution"]["book"]["title"] == title
    assert runtime.service_state == "down"
    published = [json.loads(messages.get_nowait()) for _ in range(messages.qsize())]
    assert {"type": "service", "state": "down"} in published
    unknown = runtime.submit(service.label(service.samples[1][0]))
    assert unknown["outcome"] == "offline"
    client = app.test_client()
    assert client.get(f"/k/books/{book_id}").get_json()["cached"] is True
    assert client.get("/k/books/999999").status_code == 503
    relay = client.get("/service/api/v1/books")
    assert relay.status_code == 503 and relay.get_json()["error"]["code"] == "service_down"
    runtime.client.base_url = service.url
    assert runtime.submit(payload)["cached"] is False and runtime.service_state == "up"


def test_the_cache_keeps_recent_and_most_scanned_books():
    cache = BookCache(recent=2, popular=1)
    view = lambda i: {"book": {"id": i, "title": f"B{i}"}, "assets": []}  # noqa: E731
    for _ in range(3):
        cache.remember(view(1), payload="p1")
    for i in range(2, 6):
        cache.remember(view(i), payload=f"p{i}")
    assert cache.by_payload("p1")["book"]["id"] == 1  # most scanned survives
    assert cache.by_payload("p2") is None  # old and scanned once: gone
    assert {b for b in cache.book_ids()} == {1, 4, 5}


def test_the_event_stream_starts_with_the_kiosk_state(service):
    app = kiosk_app(service)
    response = app.test_client().get("/events", buffered=False)
    assert response.mimetype == "text/event-stream"
    chunk = next(response.response)
    chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
    assert chunk.startswith("data: ") and chunk.endswith("\n\n")
    hello = json.loads(chunk[6:])
    assert hello["type"] == "hello" and hello["service"] in ("unknown", "up")
    response.close()


def test_vendor_files_are_served_from_node_modules_only(service):
    client = kiosk_app(service).test_client()
    assert client.get("/vendor/../package.json").status_code == 404
    assert client.get("/vendor/left-pad.js").status_code == 404
    response = client.get("/vendor/axe.min.js")
    if (NODE_MODULES / "axe-core").is_dir():
        assert response.status_code == 200 and b"axe" in response.data[:2000]
    else:  # a clear message when `npm ci` has not run
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_installed"


def test_the_ar_overlay_is_warped_onto_the_label_corners():
    frame = np.zeros((200, 300, 3), np.uint8)
    overlay = np.zeros((50, 50, 4), np.uint8)
    overlay[:, :] = (0, 0, 255, 255)  # opaque red
    overlay[:25, :, 3] = 0  # top half transparent
    corners = [(100, 50), (180, 60), (170, 150), (90, 140)]
    draw_overlay(frame, overlay, corners)
    assert tuple(frame[120, 135]) == (0, 0, 255)  # lower half of the quad: red
    assert tuple(frame[70, 135]) == (0, 0, 0)  # upper half: transparent, frame shows
    assert tuple(frame[20, 20]) == (0, 0, 0)  # outside the quad: untouched
    png = cv2.imencode(".png", overlay)[1].tobytes()
    assert decode_overlay(png).shape == (50, 50, 4)
    assert decode_overlay(b"not a png") is None


def test_the_page_lists_every_registered_screen(service):
    from kiosk.app import SCREENS

    page = kiosk_app(service, IDLE_SECONDS=30).test_client().get("/").get_data(as_text=True)
    for name in SCREENS:
        assert f'id="screen-{name}"' in page and f"screens/{name}.js" in page
    assert '"idleSeconds": 30' in page


def test_kiosk_settings_come_from_the_environment_and_are_documented():
    from kiosk.app import ENV_SETTINGS, REPO, load_config

    config = load_config({"SOURCE": "0"}, environ={"PINDAI_SERVICE_URL": "http://svc:8000",
                                                   "PINDAI_KIOSK_IDLE_SECONDS": "30"})
    assert (config["SERVICE_URL"], config["IDLE_SECONDS"], config["SOURCE"]) == ("http://svc:8000", 30.0, "0")
    with pytest.raises(SystemExit, match="PINDAI_KIOSK_IDLE_SECONDS"):
        load_config(environ={"PINDAI_KIOSK_IDLE_SECONDS": "soon"})
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for variable in ENV_SETTINGS:
        assert f"`{variable}`" in docs, f"{variable} is not in docs/configuration.md"


def test_the_cache_survives_a_restart_and_ignores_a_broken_file(tmp_path):
    path = tmp_path / "cache.json"
    cache = BookCache(path=path)
    cache.remember({"book": {"id": 7, "title": "Bumi"}, "item": {"id": 3}, "assets": []}, payload="p7")
    again = BookCache(path=path)
    assert again.by_payload("p7")["book"]["title"] == "Bumi" and again.by_payload("p7")["item"] == {"id": 3}
    assert again.by_id(7)["item"] is None
    path.write_text("{not json", encoding="utf-8")
    assert BookCache(path=path).book_ids() == []


def test_a_slow_page_loses_its_oldest_messages_never_blocks_the_scanner():
    from kiosk.hub import Hub

    hub = Hub(backlog=3)
    slow, gone = hub.subscribe(), hub.subscribe()
    hub.unsubscribe(gone)
    for seq in range(5):
        hub.publish({"type": "scan", "seq": seq})
    assert [json.loads(slow.get_nowait())["seq"] for _ in range(3)] == [2, 3, 4]
    assert gone.empty() and hub.listeners == 1


def test_a_slow_service_is_said_to_be_slow_and_a_timeout_is_down(service):
    slow = service.sibling()
    delay = {"seconds": 0.0}
    slow.app.before_request(lambda: time.sleep(delay["seconds"]) if delay["seconds"] else None)
    try:
        client = ServiceClient(slow.url, slow.key, timeout=1.5)
        runtime = KioskRuntime(client, None, slow_after=0.4)
        messages = runtime.hub.subscribe()
        payload = service.label(service.samples[0][0])
        delay["seconds"] = 0.6
        assert runtime.submit(payload)["outcome"] == "ok" and runtime.service_state == "slow"
        delay["seconds"] = 2.0  # longer than the client waits: no answer is an answer too late
        assert runtime.submit(payload)["cached"] is True and runtime.service_state == "down"
        delay["seconds"] = 0.0
        assert runtime.submit(payload)["cached"] is False and runtime.service_state == "up"
        states = [m["state"] for m in map(json.loads, [messages.get_nowait() for _ in range(messages.qsize())])
                  if m["type"] == "service"]
        assert states == ["slow", "down", "up"]
    finally:
        slow.close()


def test_the_relay_passes_repeated_parameters_and_bodies_as_sent(service):
    from flask import request

    seen = []
    sibling = service.sibling()
    sibling.app.before_request(lambda: seen.append((request.args.getlist("subject"), request.get_data())) and None)
    try:
        client = kiosk_app(sibling).test_client()
        client.get("/service/api/v1/search?q=anak&subject=Fiksi&subject=Sains")
        client.post("/service/api/v1/feedback", json={"rating": 5})
    finally:
        sibling.close()
    assert seen[0][0] == ["Fiksi", "Sains"]
    assert json.loads(seen[1][1]) == {"rating": 5}


def test_a_quick_ping_does_not_hide_slow_scan_answers(service):
    from flask import request

    slow = service.sibling()
    slow.app.before_request(lambda: time.sleep(0.6) if request.path.endswith("/resolve") else None)
    runtime = KioskRuntime(ServiceClient(slow.url, slow.key, timeout=1.5), None, slow_after=0.4,
                           health_interval=0.05)
    try:
        runtime.start()
        assert runtime.submit(service.label(service.samples[0][0]))["outcome"] == "ok"
        messages = runtime.hub.subscribe()
        assert runtime.service_state == "slow"
        # The watch pings (quickly) every 50 ms meanwhile; none of that may report "up".
        deadline = time.monotonic() + 0.5
        states = []
        while time.monotonic() < deadline:
            try:
                message = json.loads(messages.get(timeout=deadline - time.monotonic()))
            except Exception:
                break
            if message["type"] == "service":
                states.append(message["state"])
        assert "up" not in states and runtime.service_state == "slow"
    finally:
        runtime.stop()
        slow.close()


def test_the_preview_waits_for_the_first_frame_without_spinning():
    """A preview opened before the camera gives a frame (or after it is lost)
    waits: a loop that spun there took a core and starved the service's
    requests in the same process of the GIL (a read-aloud took 14 s)."""
    import threading

    from kiosk.preview import Preview

    preview = Preview()
    parts: list[bytes] = []
    used: list[float] = []

    def watch():
        start = time.thread_time()
        stream = preview.stream()
        parts.extend(stream)  # until close(): the first part, then the end
        used.append(time.thread_time() - start)

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(1.0)
    preview.on_frame(np.full((240, 320, 3), 200, np.uint8), [])
    time.sleep(0.3)
    preview.close()
    watcher.join(5)
    assert not watcher.is_alive()
    assert len(parts) == 1 and parts[0].startswith(b"--") and b"image/jpeg" in parts[0]
    assert used[0] < 0.2, f"the waiting stream used {used[0]:.2f} s of CPU in 1.3 s"
