"""Every kind of frame source, on real files, folders and a real HTTP stream."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest

from kiosk.scan.decoding import decode
from kiosk.scan.sources import (CameraSource, ImageFolderSource, SourceEnded,
                           SourceUnavailable, StreamSource, VideoFileSource,
                           classify, open_source)
from kiosk.demo.symbols import render_qr

URL = "http://127.0.0.1:5000/q/ABCD2345"


def read_all(source, limit=10_000):
    frames = []
    with source:
        with pytest.raises(SourceEnded):
            while len(frames) < limit:
                frames.append(source.read())
    return frames


@pytest.mark.parametrize("spec, kind", [
    ("0", "camera"), ("2", "camera"), ("camera:1", "camera"),
    ("rtsp://10.0.0.5:554/stream1", "stream"), ("http://cam.local/video.mjpg", "stream"),
    ("stream:rtsp://x/1", "stream"), ("demo.mp4", "file"), ("file:0", "file"),
])
def test_source_strings(spec, kind):
    assert classify(spec)[0] == kind
    assert open_source(spec).kind == kind


def test_folder_string(tmp_path):
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)


def test_missing_camera_is_unavailable_not_a_crash():
    source = CameraSource(97)
    with pytest.raises(SourceUnavailable):
        source.open()
    source.close()
    assert source.live


def test_video_file_reads_every_frame_then_ends(book_video):
    frames = read_all(VideoFileSource(book_video["path"]))
    assert len(frames) == book_video["frames"]
    assert frames[0].shape == (720, 1280, 3)


def test_video_file_loops(book_video):
    source = VideoFileSource(book_video["path"], loop=True)
    with source:
        for _ in range(book_video["frames"] + 5):
            source.read()
        # Frame time keeps counting across the loop (the debouncer's clock).
        assert source.frame_time == pytest.approx((book_video["frames"] + 5) / 30)


def test_missing_file_ends():
    with pytest.raises(SourceEnded):
        VideoFileSource("/nonexistent/video.mp4").open()


def test_image_folder_in_name_order_skipping_non_images(tmp_path):
    for i, text in enumerate(["one", "two", "three"]):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), render_qr(f"{URL}/{text}"))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    frames = read_all(ImageFolderSource(tmp_path))
    assert [decode(f)[0].text for f in frames] == [f"{URL}/one", f"{URL}/two", f"{URL}/three"]
    looping = ImageFolderSource(tmp_path, loop=True)
    with looping:
        assert [decode(looping.read())[0].text[-3:] for _ in range(4)] == ["one", "two", "ree", "one"]


class _MJPEGHandler(BaseHTTPRequestHandler):
    """An IP camera's MJPEG stream: 20 JPEG frames of a QR label."""

    def do_GET(self):
        label = cv2.copyMakeBorder(render_qr(URL, module_px=5), 100, 100, 300, 300,
                                   cv2.BORDER_CONSTANT, value=255)
        jpeg = cv2.imencode(".jpg", cv2.cvtColor(label, cv2.COLOR_GRAY2BGR))[1].tobytes()
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for _ in range(20):
            self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                             % len(jpeg) + jpeg + b"\r\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def mjpeg_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MJPEGHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    server.shutdown()
    server.server_close()


def test_http_stream(mjpeg_url):
    source = open_source(mjpeg_url)
    assert isinstance(source, StreamSource) and source.live
    frames = []
    with source:
        # A stream that stops is "unavailable" (worth reconnecting), not ended.
        with pytest.raises(SourceUnavailable):
            for _ in range(100):
                frames.append(source.read())
    assert len(frames) == 20
    assert [s.text for s in decode(frames[0])] == [URL]


def test_unreachable_stream_is_unavailable():
    with pytest.raises(SourceUnavailable):
        StreamSource("http://127.0.0.1:9/none.mjpg").open()


def _read_for(source, seconds):
    """Frames read and this thread's CPU seconds over `seconds` of wall time."""
    frames = 0
    with source:
        cpu, start = time.thread_time(), time.monotonic()
        while time.monotonic() - start < seconds:
            source.read()
            frames += 1
        return frames, time.thread_time() - cpu


def test_looping_image_folder_is_paced_not_spinning(tmp_path):
    """A looping folder (demos, tests on a kiosk without a camera) gives its
    frame rate and leaves the core idle between frames."""
    for i in range(2):
        cv2.imwrite(str(tmp_path / f"{i}.png"), render_qr(f"{URL}/{i}", module_px=2))
    frames, cpu = _read_for(ImageFolderSource(tmp_path, loop=True, fps=20), 1.5)
    assert 25 <= frames <= 32, frames
    assert cpu < 0.4, cpu
    # open_source paces folders as well (the kiosk's --source DIR --loop).
    frames, cpu = _read_for(open_source(str(tmp_path), loop=True, fps=10), 1.0)
    assert 8 <= frames <= 12, frames
    # Opting out (benchmarks) reads as fast as the disk allows.
    frames, _ = _read_for(ImageFolderSource(tmp_path, loop=True, realtime=False), 0.3)
    assert frames > 100


def test_looping_video_file_keeps_its_rate_across_the_rewind(tmp_path):
    path = tmp_path / "short.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (160, 120))
    for i in range(6):
        writer.write(np.full((120, 160, 3), 40 * i, np.uint8))
    writer.release()
    frames, cpu = _read_for(VideoFileSource(path, loop=True, realtime=True), 1.0)
    assert 26 <= frames <= 32, frames  # 30 fps, no burst when it loops every 6 frames
    assert cpu < 0.6, cpu


class _BurstHandler(_MJPEGHandler):
    """A stream server that sends frames as fast as the socket takes them."""

    def do_GET(self):
        jpeg = cv2.imencode(".jpg", render_qr(URL, module_px=2))[1].tobytes()
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                                 % len(jpeg) + jpeg + b"\r\n")
        except OSError:
            pass


def test_bursting_stream_is_held_to_its_rate():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BurstHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = open_source(f"http://127.0.0.1:{server.server_address[1]}/video.mjpg")
        frames, _ = _read_for(source, 1.0)
        assert source.fps and frames <= source.fps * 1.15 + 2, (frames, source.fps)
        assert frames >= 5
    finally:
        server.shutdown()
        server.server_close()
