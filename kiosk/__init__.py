"""Pindai kiosk: the camera at the counter.

`kiosk.decoding.decode(image)` reads QR labels and library bar codes from one
frame; `kiosk.sources` opens cameras, files, streams and image folders;
`kiosk.debounce` turns per-frame reads into scan events; `kiosk.scanner`
runs source -> decode -> debounce -> callback in a thread; `kiosk.app`
(`create_app`) is the full-screen kiosk page with its scanner and resolver
(`kiosk.runtime`); `python -m kiosk` is the installer's command line.
"""


def create_app(config=None, runtime=None):
    """The kiosk web app (see `kiosk.app.create_app`)."""
    from kiosk.app import create_app as build

    return build(config, runtime)
