"""Generated demo media: readable back, small, and with honest ground truth."""
from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from kiosk.demo.synth import render_book_video


def test_book_video_reads_back_with_ground_truth(book_video):
    assert os.path.getsize(book_video["path"]) < 5_000_000
    capture = cv2.VideoCapture(book_video["path"])
    assert capture.isOpened()
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == book_video["frames"] == 200
    corners = book_video["label_corners"]
    assert len(corners) == 200
    for p in book_video["passes"]:
        # Empty counter before each pass, the label in full view in between.
        assert corners[p["enter"] - 1] is None
        assert p["enter"] < p["first_visible"] < p["last_visible"] < p["leave"]
        for quad in corners[p["first_visible"]:p["last_visible"] + 1]:
            assert all(0 <= x < 1280 and 0 <= y < 720 for x, y in quad)
        # The frame before first_visible cuts the label at the border.
        quad = corners[p["first_visible"] - 1]
        assert quad is None or not all(0 <= x < 1280 and 0 <= y < 720 for x, y in quad)


def test_label_corners_match_the_pixels(book_video):
    """Where the truth says the label is, the frame is label-white."""
    p = book_video["passes"][0]
    index = (p["first_visible"] + p["last_visible"]) // 2
    capture = cv2.VideoCapture(book_video["path"])
    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, frame = capture.read()
    assert ok
    quad = np.array(book_video["label_corners"][index])
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, quad.astype(np.int32), 1)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    inside = gray[mask == 1]
    # A QR with its quiet zone is mostly light, with dark modules.
    assert np.percentile(inside, 90) > 180 and np.percentile(inside, 10) < 90


@pytest.mark.parametrize("suffix", [".avi", ".mp4"])
def test_codecs_and_several_passes(tmp_path, suffix):
    truth = render_book_video(tmp_path / f"v{suffix}", "http://127.0.0.1:5000/q/WXYZ6789",
                              frames=90, passes=3, size=(640, 360), seed=5)
    assert truth["frames"] == 90 and len(truth["passes"]) == 3
    capture = cv2.VideoCapture(truth["path"])
    ok, frame = capture.read()
    assert ok and frame.shape == (360, 640, 3)


def test_a_rest_keeps_the_label_out_of_view_after_each_pass(tmp_path):
    # The demo's rest is the kiosk's idle timeout and more (content_service/demo/run.py),
    # so its kiosk goes back to the attract screen between two passes.
    truth = render_book_video(tmp_path / "rest.mp4", "http://127.0.0.1:5000/q/WXYZ6789", passes=2,
                              fps=10, size=(320, 180), seed=5, rest=4.0, codec="h264")
    first, second = truth["passes"]
    assert truth["frames"] == 2 * (140 + 40)
    assert second["first_visible"] - first["last_visible"] > 40
    assert all(quad is None for quad in truth["label_corners"][first["leave"]:first["leave"] + 40])
    assert all(quad is None for quad in truth["label_corners"][-40:])
    capture = cv2.VideoCapture(truth["path"])
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == truth["frames"]
    ok, frame = capture.read()
    assert ok and frame.shape == (180, 320, 3)


def test_the_demo_rest_outlasts_the_kiosks_idle_timeout(monkeypatch):
    from content_service.demo.run import ATTRACT_SECONDS, attract_rest

    monkeypatch.delenv("PINDAI_KIOSK_IDLE_SECONDS", raising=False)
    assert attract_rest() == 90 + ATTRACT_SECONDS
    monkeypatch.setenv("PINDAI_KIOSK_IDLE_SECONDS", "30")
    assert attract_rest() == 30 + ATTRACT_SECONDS
