"""The scanning loop end to end: generated video in, scan events out; a
camera that drops out and comes back; stopping from another thread."""
from __future__ import annotations

import threading
import time

import cv2

from kiosk.scan.debounce import Debouncer
from kiosk.scan.scanner import RECONNECTING, RUNNING, STOPPED, Scanner
from kiosk.scan.sources import SourceUnavailable, VideoFileSource


def frame_of(event, fps=30):
    """Index of the frame an event fired on (file sources keep video time)."""
    return round(event.timestamp * fps) - 1


def test_events_fire_within_two_frames_of_the_label_becoming_visible(book_video):
    events = []
    scanner = Scanner(VideoFileSource(book_video["path"]), events.append)
    scanner.run()
    assert scanner.state == STOPPED and scanner.ended
    assert scanner.frames == book_video["frames"]
    assert [e.scan.text for e in events] == [book_video["payload"]] * len(book_video["passes"])
    for event, truth in zip(events, book_video["passes"]):
        assert frame_of(event) <= truth["first_visible"] + 2, (frame_of(event), truth)
        assert frame_of(event) >= truth["enter"]
        assert event.frame_size == (1280, 720)


class FlakyCamera(VideoFileSource):
    """A 'camera' (live, so the scanner reconnects) made from a real video
    file: after `fail_after` frames its reads fail, the next `refuse` opens
    fail too, then it works again, like an unplugged and replugged webcam."""

    kind = "camera"
    live = True

    def __init__(self, path, fail_after, refuse):
        super().__init__(path, loop=True)
        self.fail_after, self.refuse = fail_after, refuse
        self.opens = self.reads = 0

    def open(self):
        self.opens += 1
        if 1 < self.opens <= 1 + self.refuse:
            raise SourceUnavailable("no such device")
        super().open()
        # A live camera shows what is in front of it now: carry on where
        # the video was, not from its start.
        self._capture.set(cv2.CAP_PROP_POS_FRAMES, self._frames_read)

    def read(self):
        self.reads += 1
        if self.reads == self.fail_after:
            raise SourceUnavailable("read failed")
        return super().read()


def test_camera_that_fails_then_recovers(book_video):
    first = book_video["passes"][0]
    camera = FlakyCamera(book_video["path"], fail_after=first["first_visible"] + 10, refuse=3)
    states, events = [], []
    scanner = Scanner(camera, events.append, first_backoff=0.01,
                      on_state=lambda state, status: states.append((state, status["reconnects"])))
    # Stop once the label was seen again after the reconnect.
    scanner.on_frame = lambda frame, scans: len(events) >= 2 and scanner.stop(timeout=0)
    scanner.run()
    assert states == [(RUNNING, 0), (RECONNECTING, 0), (RUNNING, 1), (STOPPED, 1)]
    assert camera.opens == 1 + 3 + 1
    assert scanner.last_error == "no such device"
    # The debouncer was reset on reconnect: the label still in view after
    # the camera came back is a fresh event, on the first frames after it.
    assert [e.scan.text for e in events] == [book_video["payload"]] * 2
    assert frame_of(events[1]) <= first["first_visible"] + 12


def test_stop_from_another_thread_while_reconnecting(book_video):
    camera = FlakyCamera(book_video["path"], fail_after=3, refuse=10**6)
    scanner = Scanner(camera, lambda e: None, first_backoff=0.05, max_backoff=0.2)
    thread = scanner.start()
    deadline = time.monotonic() + 10
    while scanner.state != RECONNECTING and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scanner.state == RECONNECTING
    scanner.stop(timeout=5)
    assert not thread.is_alive() and scanner.state == STOPPED


def test_stop_a_looping_realtime_video(book_video):
    source = VideoFileSource(book_video["path"], loop=True, realtime=True)
    seen = threading.Event()
    scanner = Scanner(source, lambda e: None, on_frame=lambda f, s: seen.set())
    thread = scanner.start()
    assert seen.wait(10)
    assert scanner.state == RUNNING
    scanner.stop(timeout=5)
    assert not thread.is_alive() and scanner.state == STOPPED and not scanner.ended


def test_a_failing_callback_does_not_stop_the_loop(book_video):
    def explode(event):
        raise RuntimeError("consumer bug")

    scanner = Scanner(VideoFileSource(book_video["path"]), explode,
                      debouncer=Debouncer(gone_after=0.5))
    scanner.run()
    assert scanner.frames == book_video["frames"] and scanner.events == 2
