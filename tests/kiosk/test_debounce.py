"""The debouncer's rules, driven frame by frame with explicit times."""
from kiosk.scan.debounce import Debouncer
from kiosk.scan.decoders import Scan

SIZE = (1280, 720)
BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))


def scan(text, symbology="qr"):
    return Scan(text, text.encode(), symbology, BOX)


def run(debouncer, frames, fps=30.0):
    """Feed a list of per-frame scan lists; return (frame index, text) per event."""
    out = []
    for i, scans in enumerate(frames):
        for event in debouncer.update(scans, i / fps, SIZE):
            out.append((i, event.scan.text))
    return out


def test_one_event_when_a_code_appears_and_none_while_it_stays():
    a = scan("A")
    events = Debouncer().update([a], 10.0, SIZE)
    assert len(events) == 1
    assert (events[0].timestamp, events[0].scan, events[0].frame_size) == (10.0, a, SIZE)
    frames = [[]] * 3 + [[a]] * 60
    assert run(Debouncer(), frames) == [(3, "A")]


def test_short_dropouts_do_not_refire():
    a = scan("A")
    frames = [[a]] * 10 + [[]] * 20 + [[a]] * 10  # 0.67 s missed < 1 s
    assert run(Debouncer(gone_after=1.0), frames) == [(0, "A")]


def test_fires_again_after_leaving_for_gone_after():
    a = scan("A")
    frames = [[a]] * 10 + [[]] * 40 + [[a]] * 10  # 1.33 s gone > 1 s
    assert run(Debouncer(gone_after=1.0), frames) == [(0, "A"), (50, "A")]
    # ... and the limit is configurable.
    assert run(Debouncer(gone_after=2.0), frames) == [(0, "A")]


def test_several_codes_in_one_frame_are_separate_events():
    a, b, c = scan("A"), scan("B"), scan("9786020332956", "ean13")
    frames = [[a, b]] * 5 + [[a, b, c]] * 5
    assert run(Debouncer(), frames) == [(0, "A"), (0, "B"), (5, "9786020332956")]


def test_same_text_in_another_symbology_is_another_code():
    frames = [[scan("12345678", "qr"), scan("12345678", "code128")]]
    assert len(run(Debouncer(), frames)) == 2


def test_unchecked_symbologies_need_confirmation():
    card = scan("31234000567890", "codabar")
    assert run(Debouncer(), [[card]] + [[]] * 60) == []  # a single read: noise
    assert run(Debouncer(), [[card], [], [card]]) == [(2, "31234000567890")]
    assert run(Debouncer(confirm={}), [[card]]) == [(0, "31234000567890")]


def test_clock_stepping_back_does_not_refire():
    d, a = Debouncer(), scan("A")
    assert len(d.update([a], 100.0, SIZE)) == 1
    assert d.update([a], 50.0, SIZE) == []


def test_reset_forgets_codes_in_view():
    d, a = Debouncer(), scan("A")
    d.update([a], 0.0, SIZE)
    assert d.in_view() == [("qr", "A")]
    d.reset()
    assert len(d.update([a], 0.1, SIZE)) == 1
