"""Pindai kiosk: the camera at the counter.

- `kiosk.scan`: the decoding pipeline (`kiosk.scan.decode(image)` reads QR
  labels and library bar codes from one frame; sources, debounce, the
  scanning thread);
- `kiosk.demo`: generated demo media (labelled-book videos, symbols);
- `kiosk.app` (`create_app`): the full-screen kiosk page, with its scanner
  and resolver (`kiosk.runtime`), the service client (`kiosk.service`), the
  SSE fan-out (`kiosk.hub`), the live preview (`kiosk.preview`) and the
  page's gettext catalogues (`kiosk.i18n`, `kiosk/translations/`);
- `python -m kiosk` (`kiosk.cli`): the installer's command line.
"""


def create_app(config=None, runtime=None):
    """The kiosk web app (see `kiosk.app.create_app`)."""
    from kiosk.app import create_app as build

    return build(config, runtime)
