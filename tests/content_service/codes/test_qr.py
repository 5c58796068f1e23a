"""``codes.qr.qr_svg``: the one SVG QR of the service (event posters and
the kiosk's event QR, receipt links). Read back with OpenCV's decoder."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from content_service.codes.qr import qr_svg

cv2 = pytest.importorskip("cv2")
_SQUARE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z")


def _decode(svg: str) -> str:
    """Draw the SVG's squares (what qrcode's path image holds) and decode them."""
    root = ET.fromstring(svg)
    size = int(float(root.get("viewBox").split()[2]))
    scale = 8
    image = np.full((size * scale, size * scale), 255, np.uint8)
    for x0, y0, x1, y1 in (map(int, m) for m in _SQUARE.findall(root.find("{http://www.w3.org/2000/svg}path").get("d"))):
        image[y0 * scale:y1 * scale, x0 * scale:x1 * scale] = 0
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def test_qr_svg_encodes_the_url_and_inlines_into_html():
    url = "https://pindai.example.id/events/12?date=20261205T020000Z"
    svg = qr_svg(url)
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert _decode(svg) == url


def test_the_event_qr_api_draws_the_event_page_url(app, client):
    from tests.content_service.events.helpers import make_event

    with app.app_context():
        from content_service.db import get_session

        session = get_session()
        event = make_event(session)
        session.commit()
        event_id = event.id
    res = client.get(f"/api/v1/events/{event_id}/qr.svg")
    assert res.status_code == 200 and res.mimetype == "image/svg+xml"
    assert _decode(res.get_data(as_text=True)) == f"http://localhost/events/{event_id}"
