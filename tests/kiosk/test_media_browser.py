"""The kiosk page on its own origin with the service's media: a 3D model
loads in model-viewer, and "Bacakan" reads a book aloud on a Chromium with
no speech voices (Debian's, as a kiosk runs it) from the service's
generated narration.

Real kiosks serve their page from the kiosk computer (another origin than
the service), as these tests do: the kiosk on one port, the service on
another. Screenshots go to test-artifacts/kiosk/."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from kiosk.app import KioskServer, create_app
from tests.kiosk.live import LiveService, expose_core

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (make setup installs it)", allow_module_level=True)

VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    live = LiveService(tmp_path_factory.mktemp("service"))
    yield live
    live.close()


@pytest.fixture
def kiosk(service):
    server = KioskServer(create_app({"SERVICE_URL": service.url, "KIOSK_KEY": service.key,
                                     "HEALTH_INTERVAL": 0.5})).start(scan=False)
    yield server
    server.stop()


def cube_glb() -> bytes:
    """A binary glTF 2.0 cube (8 corners, 12 triangles) in a bright red material."""
    corners = [(x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]
    faces = [(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
             (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)]
    positions = b"".join(struct.pack("<3f", *c) for c in corners)
    indices = b"".join(struct.pack("<3H", *f) for f in faces)
    indices += b"\0" * (-len(indices) % 4)
    binary = positions + indices
    gltf = {
        "asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
        "materials": [{"pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.1, 0.1, 1], "metallicFactor": 0}}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "material": 0}]}],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": len(positions), "target": 34962},
                        {"buffer": 0, "byteOffset": len(positions), "byteLength": 72, "target": 34963}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 8, "type": "VEC3",
                       "min": [-0.5, -0.5, -0.5], "max": [0.5, 0.5, 0.5]},
                      {"bufferView": 1, "componentType": 5123, "count": 36, "type": "SCALAR"}],
    }
    text = json.dumps(gltf).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<I4s", len(text), b"JSON") + text + struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body


def open_kiosk(page, kiosk):
    page.goto(kiosk.url + "/")
    expose_core(page)
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'connected')")


def scan(page, kiosk, payload: str) -> None:
    page.request.post(kiosk.url + "/k/scan", data=json.dumps({"payload": payload}),
                      headers={"Content-Type": "application/json"})


def test_a_3d_model_loads_on_a_kiosk_of_another_origin(service, kiosk, page):
    from content_service.catalogue.models import Asset, Item
    from content_service.codes import lookup_code
    from content_service.db import get_session
    from content_service.media import checks, storage

    data = cube_glb()
    with service.app.app_context():
        checks.check("model3d", data)  # what the portal's upload accepts
    code, title = service.samples[1]
    with service.app.app_context():
        session = get_session()
        book_id = session.get(Item, lookup_code(session, code).target_id).book_id
        session.add(Asset(book_id=book_id, kind="model3d", title="Kubus", media_hash=storage().put(data),
                          media_type="model/gltf-binary", language="both", audience="all"))
        session.commit()
    assert kiosk.url.split(":")[-1] != service.url.split(":")[-1]  # two origins
    open_kiosk(page, kiosk)
    scan(page, kiosk, service.label(code))
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'title')")
    viewer = page.locator("#book-extras model-viewer")
    assert viewer.get_attribute("src").startswith(service.url + "/media/")
    page.wait_for_function("!!customElements.get('model-viewer')")
    # model-viewer fetches the GLB with fetch(): cross-origin, it needs CORS.
    page.wait_for_function("document.querySelector('#book-extras model-viewer').loaded === true",
                           timeout=20_000)
    viewer.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = viewer.screenshot(path=str(ARTIFACTS / "book-3d-model.png"))
    import cv2

    pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    b, g, r = (pixels[:, :, i].astype(int) for i in range(3))
    red = (r > 120) & (r > g + 40) & (r > b + 40)  # the cube's material, not the background
    assert red.mean() > 0.01, red.mean()


def test_read_aloud_plays_the_generated_narration_on_a_chromium_without_voices(service, kiosk, page):
    import shutil

    if not shutil.which("espeak-ng"):
        pytest.skip("needs espeak-ng (make setup installs it)")
    code, title = service.samples[0]  # Laskar Pelangi: the demo has no narration for it
    open_kiosk(page, kiosk)
    # Debian's Chromium: the Web Speech API is there but has no voice to speak with.
    page.wait_for_timeout(300)
    assert page.evaluate("speechSynthesis.getVoices().length") == 0
    scan(page, kiosk, service.label(code))
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'title')")
    assert page.locator("body.child").count() == 0
    read = page.locator("#book-read")
    assert read.is_visible() and read.inner_text() == "Bacakan"  # outside child mode too
    read.click()
    assert read.inner_text() == "Berhenti"
    page.wait_for_function("Kiosk.marks.some(m => m.name === 'read-aloud')", timeout=20_000)
    mark = page.evaluate("Kiosk.marks.filter(m => m.name === 'read-aloud').pop()")
    assert mark["via"] == "generated" and mark["lang"] == "id"
    # It really plays: the audio element's clock moves on.
    page.wait_for_function("(document.getElementById('book-narration') || {}).currentTime > 0.5",
                           timeout=15_000)
    src = page.evaluate("document.getElementById('book-narration').src")
    assert src.startswith(service.url + "/media/") and src.endswith(".ogg")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "book-read-aloud.png"))
    read.click()  # "Berhenti" stops it
    assert page.locator("#book-narration").count() == 0 and read.inner_text() == "Bacakan"
    # In English, the English voice: another file.
    page.click("#lang-button")
    assert read.inner_text() == "Read aloud"
    read.click()
    page.wait_for_function("(document.getElementById('book-narration') || {}).currentTime > 0.3",
                           timeout=20_000)
    english = page.evaluate("document.getElementById('book-narration').src")
    assert english != src
    with service.app.app_context():
        from sqlalchemy import select

        from content_service.catalogue.models import Narration
        from content_service.db import get_session

        assert set(get_session().scalars(select(Narration.language))) >= {"id", "en"}
